"""The situation form's one-click relaxation: form data in, widened form data out (no database)."""
from __future__ import annotations

import types

import pytest
from werkzeug.datastructures import MultiDict

from directory.counselling import situation as s

VOCAB = types.SimpleNamespace(languages={"de": None, "ar": None, "uk": None})


def form(**fields) -> MultiDict:
    data = MultiDict()
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            data.add(key.replace("_", "-") if key[-1].isdigit() else key, item)
    return data


@pytest.mark.parametrize("km, choice", [(0.4, "1"), (2.5, "3"), (6, "10"), (11, "15"), (25, "25"), (26, "")])
def test_radius_for_takes_the_next_choice(km, choice):
    assert s.radius_for(km) == choice


def test_change_tokens():
    assert s.change_token(("distance", 6)) == "distance:10"
    assert s.change_token(("language", "de")) == "language:de"
    assert s.change_token(("time", ("tue:evening", "sat:morning"))) == "time:tue:evening,sat:morning"
    assert s.change_token(("cost", None)) == "cost"
    assert s.change_token(("pair", (("distance", 2), ("cost", None)))) == "distance:2;cost"
    assert s.change_token(None) == ""


def test_relax_distance_language_time_and_flags():
    data = form(max_km="1", language_0="ar", level_0="native", language_1="de", level_1="A1",
                only_languages="1", free="1", time=["weekdays:morning"], age="9", target=["youth"])
    assert s.relax(MultiDict({**data.to_dict(flat=False), "relax": ["distance:10"]}), VOCAB).getlist("max_km") == ["10"]
    assert "max_km" not in s.relax(MultiDict({**data.to_dict(flat=False), "relax": ["distance:"]}), VOCAB)
    german = s.relax(MultiDict({**data.to_dict(flat=False), "relax": ["language:de"]}), VOCAB)
    assert (german["language-1"], german["level-1"]) == ("de", s.ACCEPTED_LEVEL) and "only_languages" not in german
    ukrainian = s.relax(MultiDict({**data.to_dict(flat=False), "relax": ["language:uk"]}), VOCAB)
    assert (ukrainian["language-2"], ukrainian["level-2"]) == ("uk", s.ACCEPTED_LEVEL)
    times = s.relax(MultiDict({**data.to_dict(flat=False), "relax": ["time:tue:evening,xxx:night"]}), VOCAB)
    assert times.getlist("time") == ["weekdays:morning", "tue:evening"]
    both = s.relax(MultiDict({**data.to_dict(flat=False), "relax": ["cost;age"]}), VOCAB)
    assert "free" not in both and "age" not in both and both.getlist("target") == ["youth"]
    assert "relax" not in both


def test_unknown_relaxations_change_nothing():
    data = form(max_km="1", language_0="ar", free="1")
    for token in ("distance:7", "language:xx", "needs", "", "time:", "a" * 1000):
        out = s.relax(MultiDict({**data.to_dict(flat=False), "relax": [token]}), VOCAB)
        assert out.to_dict(flat=False) == data.to_dict(flat=False)
