"""The request-parameter reader and its error type, without a database."""
from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import Babel
from werkzeug.datastructures import MultiDict

from directory.core import paging
from directory.core.params import (
    MAX_ID,
    ParamError,
    Params,
    is_id,
    unsafe_in_header,
    unstorable,
)


@pytest.fixture(autouse=True)
def babel_context():
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        yield


def params(*pairs, **kw) -> Params:
    return Params(MultiDict(pairs), **kw)


def test_one_strips_and_refuses_repeats_and_long_values():
    p = params(("q", "  Café "), ("near", "a"), ("near", "b"), ("district", "x" * 201))
    assert p.one("q") == "Café"
    assert p.one("near") == "" and p.errors["near"] == "Der Parameter „near“ darf nur einmal vorkommen."
    assert p.one("district") == "" and "höchstens 200 Zeichen" in p.errors["district"]
    assert p.one("absent") == "" and "absent" not in p.errors


def test_repeated_message_can_say_field():
    p = params(("district", "a"), ("district", "b"), repeated="Das Feld „%(name)s“ darf nur einmal vorkommen.")
    p.one("district")
    assert p.errors == {"district": "Das Feld „district“ darf nur einmal vorkommen."}


def test_many_keeps_order_drops_duplicates_and_names_the_first_unknown_value():
    p = params(("language", "ar"), ("language", " de "), ("language", "ar"), ("language", ""))
    assert p.many("language", {"ar", "de"}, "Unbekannt: %(value)s") == ["ar", "de"]
    p = params(("language", "ar"), ("language", "klingon"), ("language", "elbisch"))
    assert p.many("language", {"ar"}, "Unbekannt: %(value)s") == []
    assert p.errors == {"language": "Unbekannt: klingon"}
    assert params(*[("day", "mon")] * 51).many("day", max_values=50) == []


@pytest.mark.parametrize("raw, expected, ok", [
    ("7", 7, True), (" 7 ", 7, True), ("", 1, True), ("0", 1, False), ("-1", 1, False), ("abc", 1, False),
    ("²", 1, False), ("1e3", 1, False), ("9223372036854775807", 1, False), ("9" * 5000, 1, False),
    ("10000", 10000, True), ("10001", 1, False),
])
def test_integer_is_ascii_digits_within_the_range(raw, expected, ok):
    p = params(("page", raw))
    assert paging.read_page(p) == expected
    assert (not p.errors) is ok
    if not ok:
        assert p.errors["page"] == "Die Seitenzahl muss eine ganze Zahl zwischen 1 und 10000 sein."


def test_integer_without_own_message_names_field_and_range():
    p = params(("per_page", "101"))
    assert paging.read_per_page(p, 20) == 20
    assert p.errors == {"per_page": "„per_page“ muss eine ganze Zahl zwischen 1 und 100 sein."}


def test_ids_are_database_ids():
    assert is_id("1") and is_id(str(MAX_ID))
    assert not any(is_id(v) for v in ("0", "-1", str(MAX_ID + 1), "²", "1.0", "", "9" * 40))
    p = params(("offer", "3"), ("offer", "3"), ("offer", "5"))
    assert p.ids("offer", "Ungültig") == [3, 5]
    p = params(("offer", "3"), ("offer", str(MAX_ID + 1)))
    assert p.ids("offer", "Ungültig") == [] and p.errors == {"offer": "Ungültig"}


def test_choice_and_flag():
    p = params(("status", "draft"), ("days", "7"), ("free", "on"), ("wheelchair", "yes"))
    assert p.choice("status", ("draft", "published"), "Unbekannt: %(value)s") == "draft"
    assert p.choice("days", ("30", "90"), "Unbekannter Zeitraum: %(value)s") is None
    assert p.choice("absent", ("30",), "x") is None
    assert p.flag("free", "Ungültig: %(value)s") is True
    assert p.flag("wheelchair", "Ungültig: %(value)s") is False
    assert p.errors == {"days": "Unbekannter Zeitraum: 7", "wheelchair": "Ungültig: yes"}


def test_bounded_refuses_empty_machine_values_but_not_free_text():
    p = params(("q", ""), ("district", " "), ("near", "x" * 201))
    p.bounded(free_text=("q", "near"))
    assert set(p.errors) == {"district", "near"}
    assert p.errors["district"] == "Der Parameter „district“ ist leer."


def test_check_raises_one_param_error_with_every_message():
    p = params(("page", "0"), ("sort", "x"))
    paging.read_page(p)
    p.error("sort", "Unbekannte Sortierung: x")
    with pytest.raises(ParamError) as caught:
        p.check()
    assert caught.value.field == "page" and caught.value.message.startswith("Die Seitenzahl")
    assert list(caught.value.errors) == ["page", "sort"]
    params(("q", "ok")).check()  # nothing collected: no error


def test_param_error_for_one_field():
    exc = ParamError("lang", "Unbekannte Sprache: xx")
    assert (exc.field, exc.message, exc.errors) == ("lang", "Unbekannte Sprache: xx", {"lang": "Unbekannte Sprache: xx"})
    with pytest.raises(ValueError):
        ParamError({})


@pytest.mark.parametrize("text, bad", [
    ("a\x00b", True), ("\x01", True), ("\x1b[0m", True), ("\x7f", True), ("\ufffe", True), ("\ud800", True),
    ("Zeile\nzwei\r\n", False), ("Tab\there", False), ("ä€😀\u202e", False), ("", False),
])
def test_unstorable_characters(text, bad):
    assert unstorable(text) is bad


def test_header_parameters_allow_no_control_character_at_all():
    assert unsafe_in_header("/x\r\nSet-Cookie: a") and unsafe_in_header("/\t/evil") and unsafe_in_header("\x00")
    assert not unsafe_in_header("/anbieter/?a=b c")


def test_window_arithmetic_and_links():
    w = paging.Window(page=2, per_page=20, total=41)
    assert (w.pages, w.offset, w.prev_num, w.next_num) == (3, 20, 1, 3)
    assert paging.Window(1, 20, 0).pages == 1 and not paging.Window(1, 20, 0).has_next
    links = paging.links(lambda n: f"/x?page={n}", 3, 3)
    assert links == {"self": "/x?page=3", "first": "/x?page=1", "last": "/x?page=3", "prev": "/x?page=2", "next": None}
    assert paging.page_args([("q", "a"), ("page", "4")], 1) == [("q", "a")]
    assert paging.page_args([("q", "a"), ("page", "4")], 2) == [("q", "a"), ("page", "2")]
