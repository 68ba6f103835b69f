"""Reading values and headers of office spreadsheets (plain functions, no app, no database)."""
from __future__ import annotations

import datetime as dt

import pytest

from directory.offers.import_columns import check, guess, propose
from directory.offers.import_values import (
    SYNONYMS,
    Matcher,
    ValueProblem,
    parse_bool,
    parse_cost,
    parse_date,
    parse_times,
)


def weekly(times):
    return [(s["weekday"], s["opens_at"], s["closes_at"]) for s in times.slots]


@pytest.mark.parametrize("text, slots", [
    ("Mo+Mi 10-12 Uhr", [(0, "10:00", "12:00"), (2, "10:00", "12:00")]),
    ("Mo–Fr 8-16", [(d, "08:00", "16:00") for d in range(5)]),
    ("Fr-Mo 8-9", [(4, "08:00", "09:00"), (5, "08:00", "09:00"), (6, "08:00", "09:00"), (0, "08:00", "09:00")]),
    ("Mo, Mi, Fr 9–12", [(0, "09:00", "12:00"), (2, "09:00", "12:00"), (4, "09:00", "12:00")]),
    ("dienstags 15–17 Uhr", [(1, "15:00", "17:00")]),
    ("Di. 9.30–11 Uhr", [(1, "09:30", "11:00")]),
    ("Di 9-11", [(1, "09:00", "11:00")]),
    ("Donnerstag, 18:00 bis 20:30 Uhr", [(3, "18:00", "20:30")]),
    ("Mo 9-12, Mi 14-16", [(0, "09:00", "12:00"), (2, "14:00", "16:00")]),
    ("Di 09:30-11:30; Do 14:00-16:00", [(1, "09:30", "11:30"), (3, "14:00", "16:00")]),
    ("Sa und So 10-12", [(5, "10:00", "12:00"), (6, "10:00", "12:00")]),
    ("werktags 8 bis 12 Uhr", [(d, "08:00", "12:00") for d in range(5)]),
    ("Mo 9-12 und 14-16", [(0, "09:00", "12:00"), (0, "14:00", "16:00")]),
    ("Tuesday 10-12", [(1, "10:00", "12:00")]),
])
def test_weekday_and_time_forms(text, slots):
    assert weekly(parse_times(text)) == slots


def test_rhythm_and_ordinals_are_kept_as_the_slot_note():
    fortnight = parse_times("14-tägig, Do 16-18 Uhr")
    assert weekly(fortnight) == [(3, "16:00", "18:00")] and fortnight.slots[0]["note"] == "alle 14 Tage"
    monthly = parse_times("jeden 1. und 3. Montag 18-20 Uhr")
    assert weekly(monthly) == [(0, "18:00", "20:00")]
    assert monthly.slots[0]["note"] == "jeden 1. und 3. Montag im Monat"


def test_dated_slots():
    times = parse_times("05.12.2026 10:00-12:00; 1.9.26 9-10")
    assert [(s["date"], s["opens_at"]) for s in times.slots] == [("2026-12-05", "10:00"), ("2026-09-01", "09:00")]


@pytest.mark.parametrize("text", ["nach Vereinbarung", "Termine nach Absprache", "auf Anfrage"])
def test_by_appointment_is_a_note_without_slots(text):
    times = parse_times(text)
    assert times.slots == [] and times.note == text


def test_days_without_time_are_kept_as_a_note_with_a_warning():
    times = parse_times("jeden 1. und 3. Montag")
    assert times.slots == [] and times.note == "jeden 1. und 3. Montag" and "Uhrzeit" in times.warning


@pytest.mark.parametrize("text, word", [
    ("ab 18 Uhr", "ab"), ("montags irgendwann", "irgendwann"), ("10-12", "Wochentag"), ("Di 12-10", "12-10"),
    ("Mo 10-12, Mi", "Uhrzeit fehlt"), ("Di 25-26", "25-26"),
])
def test_what_is_not_understood_is_named(text, word):
    with pytest.raises(ValueProblem) as exc:
        parse_times(text)
    assert word in str(exc.value)


@pytest.mark.parametrize("text, value", [("ja", True), ("Ja", True), ("x", True), ("nein", False), ("N", False),
                                         ("", None), ("erforderlich", True), ("nicht erforderlich", False)])
def test_yes_no(text, value):
    assert parse_bool(text) is value


def test_yes_no_problem():
    with pytest.raises(ValueProblem, match="vielleicht"):
        parse_bool("vielleicht")


@pytest.mark.parametrize("text, free, cost", [
    ("kostenlos", True, ""), ("kostenfrei", True, ""), ("0 €", True, ""), ("0,00 EUR", True, ""),
    ("1,50 €", False, "1,50 €"), ("2 € pro Termin", False, "2 € pro Termin"), ("EUR 5", False, "EUR 5"),
    ("kostenpflichtig", False, ""), ("49 € für 4 Abende, ermäßigt 25 €", False, "49 € für 4 Abende, ermäßigt 25 €"),
])
def test_costs(text, free, cost):
    result = parse_cost(text)
    assert (result.is_free, result.text) == (free, cost)


@pytest.mark.parametrize("text, date", [
    ("1.9.26", dt.date(2026, 9, 1)), ("01.09.2026", dt.date(2026, 9, 1)), ("2026-09-01", dt.date(2026, 9, 1)),
    ("1. September 2026", dt.date(2026, 9, 1)), ("3. März 27", dt.date(2027, 3, 3)), ("", None),
])
def test_german_dates(text, date):
    assert parse_date(text) == date


@pytest.mark.parametrize("text", ["31.2.2026", "morgen", "1.13.26"])
def test_bad_dates(text):
    with pytest.raises(ValueProblem):
        parse_date(text)


TARGETS = [("women_girls", ["Frauen und Mädchen", "Women and girls"]), ("youth", ["Jugendliche", "Young people"]),
           ("older_people", ["Ältere Menschen", "Older people"]), ("children", ["Kinder", "Children"]),
           ("families", ["Familien", "Families"]), ("refugees", ["Geflüchtete", "Refugees"]),
           ("all", ["Alle", "Everyone"])]


@pytest.mark.parametrize("text, codes", [
    ("Frauen", ["women_girls"]), ("Mädchen", ["women_girls"]), ("women_girls", ["women_girls"]),
    ("Jugendliche, Senioren", ["youth", "older_people"]), ("Seniorinnen und Senioren", ["older_people"]),
    ("ältere Menschen; Kinder", ["older_people", "children"]), ("Frauen und Kinder", ["women_girls", "children"]),
    ("Flüchtlinge", ["refugees"]), ("Young people", ["youth"]), ("ALLE", ["all"]), ("Eltern", ["families"]),
])
def test_target_groups_by_code_label_or_synonym(text, codes):
    assert Matcher(TARGETS, SYNONYMS["target_groups"]).match_list(text) == (codes, [])


def test_unknown_terms_are_reported():
    assert Matcher(TARGETS, SYNONYMS["target_groups"]).match_list("Frauen, Hundebesitzer") == (
        ["women_girls"], ["Hundebesitzer"])


def test_languages_by_name_and_synonym():
    langs = Matcher([("de", ["Deutsch", "German"]), ("fa", ["Persisch (Farsi)", "Persian (Farsi)"]),
                     ("ar", ["Arabisch", "Arabic", "العربية"])], SYNONYMS["languages"])
    assert langs.match_list("deutsch, Farsi / Dari, arabisch") == (["de", "fa", "ar"], [])
    assert langs.match_list("العربية") == (["ar"], [])


@pytest.mark.parametrize("header, field", [
    ("Träger", "organization"), ("Angebot", "title"), ("Zielgruppe", "target_groups"), ("Sprachen", "languages"),
    ("Straße", "address"), ("PLZ", "postcode"), ("Zeiten", "schedule"), ("E-Mail", "contact_email"),
    ("Tel.", "contact_phone"), ("Ansprechpartner/in", "contact_name"), ("Kosten", "cost"), ("kostenlos?", "free"),
    ("Anmeldung erforderlich?", "registration_required"), ("external_id", "external_id"), ("Hausnr.", "house_number"),
    ("Organization", "organization"), ("Target groups", "target_groups"), ("Postal code", "postcode"),
    ("Öffnungszeiten", "schedule"), ("Angebotsart", "category"), ("Gültig bis", "valid_to"), ("Sonstiges", ""),
])
def test_header_guesses(header, field):
    assert guess(header) == field


def test_proposal_uses_the_remembered_choice_and_each_field_once():
    headers = ["Träger", "Angebot", "Titel", "Info"]
    assert propose(headers) == ["organization", "title", "", "description"]
    assert propose(headers, {"Angebot": "", "Titel": "title", "Info": "summary"}) == [
        "organization", "", "title", "summary"]
    assert check(["organization", "", "title"]) == []
    assert check(["organization", "cost", "cost"]) == ["missing:title", "twice:cost"]
