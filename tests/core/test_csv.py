"""The one CSV writer: formula guard, the people's flavour (German Excel) and the machines' one."""
from __future__ import annotations

import csv
import io

import pytest

from directory.core import csv as csv_file

FORMULAS = ['=HYPERLINK("http://evil.example/x","klick")', "+SUM(A1:A9)", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1)", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("value", FORMULAS)
def test_formula_like_text_becomes_text(value):
    assert csv_file.guard(value) == "'" + value


@pytest.mark.parametrize("value", ["Sprachcafé", "0571 000 1000", "+49 571 000-1000", "-12,5", "(0571) 1/2",
                                   "", "a=b", "'schon Text"])
def test_ordinary_text_and_number_like_text_stay_as_they_are(value):
    assert csv_file.guard(value) == value


def test_numbers_and_none():
    assert csv_file.guard(-3) == -3 and csv_file.guard(2.5) == 2.5 and csv_file.guard(None) == ""


def test_people_get_semicolons_and_a_byte_order_mark():
    text = csv_file.text(["Titel", "Zahl"], [["Müller; Söhne", 3], ['=HYPERLINK("x")', -1]], csv_file.PEOPLE)
    assert text.startswith("\ufeffTitel;Zahl\r\n")
    raw = text.encode("utf-8")
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows == [["Titel", "Zahl"], ["Müller; Söhne", "3"], ["'=HYPERLINK(\"x\")", "-1"]]


def test_machines_get_plain_rfc4180():
    text = csv_file.records(["id", "name"], [{"id": "1", "name": "=1+1"}, {"id": "2"}], csv_file.MACHINES)
    assert text == "id,name\r\n1,'=1+1\r\n2,\r\n"
    with pytest.raises(ValueError):
        csv_file.records(["id"], [{"id": "1", "other": "x"}])
