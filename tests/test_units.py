"""Small pure pieces: full-text terms, schedule wording, configuration."""
import datetime as dt

import pytest

from directory import config
from directory.models import Schedule
from directory.offers import schedules as schedule_text
from directory.search import fulltext


@pytest.mark.parametrize("query,words", [
    ("Sport für Mädchen", ["sport", "für", "mädchen"]),
    ('"a" OR b* NEAR(c)', ["a", "or", "b", "near", "c"]),
    ("", []),
    ("!!! ---", []),
])
def test_terms_drop_operators(query, words):
    assert fulltext.terms(query) == words


def test_terms_are_capped():
    assert len(fulltext.terms("wort " * 100)) == fulltext.MAX_TERMS


def test_weekly_slot_in_german_and_arabic():
    slot = Schedule(weekday=1, opens_at=dt.time(9, 30), closes_at=dt.time(11, 30))
    de = schedule_text.describe(slot, "de")
    assert (de["kind"], de["day"], de["times"]) == ("weekly", "Dienstag", "09:30–11:30")
    assert schedule_text.describe(slot, "ar")["day"] == "الثلاثاء"


def test_one_off_slot():
    slot = Schedule(weekday=5, opens_at=dt.time(14), closes_at=dt.time(17), date=dt.date(2026, 12, 12))
    text = schedule_text.describe(slot, "de")
    assert text["kind"] == "once" and text["day"] == "Samstag, 12. Dezember 2026"


@pytest.mark.parametrize("raw,expected", [
    (None, "sqlite:////inst/wegweiser.sqlite"),
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
])
def test_database_url(raw, expected):
    assert config.database_url(raw, "/inst") == expected


def test_production_refuses_to_start_without_secret_key():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        config.check({"SECRET_KEY": None}, debug=False)
    cfg = {"SECRET_KEY": None, "TESTING": True}
    config.check(cfg, debug=False)
    assert cfg["SECRET_KEY"]
