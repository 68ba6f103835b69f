"""Which column of a spreadsheet holds which field: a proposal from the headers (German and
English names and their common variants), corrected by the person importing and remembered per
source. Plain Python, no Flask or database.
"""
from __future__ import annotations

from collections.abc import Iterable

from directory.offers.import_values import fold, words

# The fields an import understands, in the order of docs/import-template.csv.
FIELDS = (
    "external_id", "organization", "title", "category", "summary", "description", "plain_summary",
    "challenges", "target_groups", "languages", "free", "cost", "registration_required",
    "accessibility", "contact_name", "contact_email", "contact_phone", "valid_from", "valid_to",
    "last_confirmed", "location_name", "address", "house_number", "postcode", "city", "lat", "lon",
    "schedule", "status",
)
REQUIRED = ("organization", "title")

# Header words → field. Keys are folded (lower case, ä → ae, punctuation → space).
ALIASES: dict[str, tuple[str, ...]] = {
    "external_id": ("id", "nr", "nummer", "kennung", "angebotsnummer", "angebots id", "angebot id", "laufende nummer",
                    "lfd nr", "schluessel", "key", "identifier", "ref", "referenz"),
    "organization": ("traeger", "anbieter", "organisation", "organization", "verein", "einrichtung", "institution",
                     "veranstalter", "traegerin", "provider", "anbieterin", "name des traegers", "traeger name",
                     "organisation name", "dienststelle", "anbieter name"),
    "title": ("angebot", "titel", "title", "name", "bezeichnung", "angebotsname", "name des angebots",
              "angebotstitel", "veranstaltung", "kurs", "massnahme", "projekt", "service", "offer", "angebotsbezeichnung"),
    "category": ("art", "kategorie", "category", "angebotsart", "typ", "type", "art des angebots", "rubrik", "bereich",
                 "format"),
    "summary": ("kurzbeschreibung", "summary", "kurztext", "teaser", "kurzinfo", "kurz"),
    "description": ("beschreibung", "description", "inhalt", "details", "text", "langbeschreibung", "info",
                    "informationen", "bemerkung", "bemerkungen", "hinweise"),
    "plain_summary": ("einfache sprache", "leichte sprache", "plain summary", "in einfacher sprache"),
    "challenges": ("herausforderung", "herausforderungen", "challenges", "challenge", "ikon", "themen", "thema",
                   "handlungsfeld"),
    "target_groups": ("zielgruppe", "zielgruppen", "target group", "target groups", "fuer wen", "fuer", "teilnehmende",
                      "adressaten", "audience"),
    "languages": ("sprache", "sprachen", "language", "languages", "angebotssprache", "angebotssprachen",
                  "gesprochene sprachen", "sprachkenntnisse"),
    "free": ("kostenlos", "kostenfrei", "free", "gratis", "umsonst", "is free"),
    "cost": ("kosten", "cost", "costs", "gebuehr", "gebuehren", "preis", "teilnahmegebuehr", "beitrag", "fee", "fees",
             "entgelt", "eigenanteil"),
    "registration_required": ("anmeldung", "anmeldung erforderlich", "registration", "registration required",
                              "mit anmeldung", "anmeldepflicht", "voranmeldung"),
    "accessibility": ("barrierefreiheit", "barrierefrei", "accessibility", "zugang", "rollstuhl", "barrieren"),
    "contact_name": ("ansprechpartner", "ansprechpartnerin", "ansprechperson", "kontakt", "kontaktperson", "contact",
                     "contact name", "kontakt name", "ansprechpartner in"),
    "contact_email": ("e mail", "email", "mail", "e mail adresse", "kontakt e mail", "contact email", "mailadresse"),
    "contact_phone": ("telefon", "tel", "telefonnummer", "phone", "rufnummer", "kontakt telefon", "contact phone",
                      "handy", "mobil"),
    "valid_from": ("gueltig ab", "von", "beginn", "start", "startdatum", "valid from", "ab", "laufzeit von",
                   "zeitraum von", "datum von"),
    "valid_to": ("gueltig bis", "bis", "ende", "enddatum", "valid to", "laufzeit bis", "zeitraum bis", "datum bis"),
    "last_confirmed": ("stand", "zuletzt geprueft", "geprueft am", "bestaetigt am", "last confirmed", "aktualisiert",
                       "letzte aktualisierung", "datum der pruefung"),
    "location_name": ("ort", "veranstaltungsort", "raum", "raeumlichkeit", "location", "location name", "treffpunkt",
                      "standort", "einrichtung ort", "adresse name", "name des ortes", "gebaeude"),
    "address": ("strasse", "str", "adresse", "anschrift", "address", "street", "strasse und hausnummer",
                "strasse hausnummer", "strasse nr", "strasse hnr", "address 1", "address1"),
    "house_number": ("hausnummer", "hausnr", "hnr", "haus nr", "nr haus", "house number"),
    "postcode": ("plz", "postleitzahl", "postcode", "zip", "postal code", "zip code"),
    "city": ("stadt", "ort stadt", "wohnort", "gemeinde", "city", "town"),
    "lat": ("lat", "latitude", "breite", "breitengrad", "y"),
    "lon": ("lon", "lng", "long", "longitude", "laenge", "laengengrad", "x"),
    "schedule": ("zeiten", "zeit", "termine", "termin", "uhrzeit", "uhrzeiten", "wann", "oeffnungszeiten",
                 "sprechzeiten", "wochentag", "tag und uhrzeit", "schedule", "times", "opening hours", "datum und uhrzeit",
                 "regelmaessig", "turnus"),
    "status": ("status", "veroeffentlichen", "zustand"),
}
_INDEX: dict[str, str] = {}
for _field, _names in ALIASES.items():
    for _name in (_field, _field.replace("_", " "), *_names):
        _INDEX.setdefault(fold(_name), _field)
        _INDEX.setdefault(" ".join(sorted(words(_name))), _field)


def guess(header: str) -> str:
    """The field a header most likely names, or "" when none fits."""
    f = fold(header)
    if not f:
        return ""
    if f in _INDEX:
        return _INDEX[f]
    key = " ".join(sorted(words(header)))
    if key in _INDEX:
        return _INDEX[key]
    # "Zielgruppe(n) des Angebots", "Straße/Nr.": the first word that names a field decides
    for word in f.split():
        if word in _INDEX and len(word) > 2:
            return _INDEX[word]
    return ""


def propose(headers: Iterable[str], remembered: dict[str, str] | None = None) -> list[str]:
    """One field (or "") per header: the remembered choice for this source where there is one,
    otherwise the guess; a field is proposed for one column only (the first)."""
    remembered = remembered or {}
    out: list[str] = []
    used: set[str] = set()
    for header in headers:
        if header in remembered:
            choice = remembered[header] if remembered[header] in FIELDS else ""
        else:
            choice = guess(header)
            if choice in used:
                choice = ""
        if choice:
            used.add(choice)
        out.append(choice)
    return out


def check(mapping: list[str]) -> list[str]:
    """Names of the required fields no column is mapped to, and fields mapped twice."""
    problems = [f"missing:{f}" for f in REQUIRED if f not in mapping]
    seen: set[str] = set()
    for f in mapping:
        if f and f in seen:
            problems.append(f"twice:{f}")
        seen.add(f)
    return problems
