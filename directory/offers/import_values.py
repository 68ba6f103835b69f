"""Reading the values of office spreadsheets: times, yes/no, costs, dates and vocabulary terms
written the way people type them ("Mo+Mi 10-12 Uhr", "kostenlos", "1.9.26", "Frauen").

Plain Python without Flask or the database, so every rule is unit-tested on its own. Each parser
returns a value or raises :class:`ValueProblem` whose text says what was not understood; the
importer turns that into a warning on the field.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l


class ValueProblem(ValueError):
    """A cell value that could not be understood; the message is shown to the person importing."""


# --- normalising words ---------------------------------------------------------------------------

def fold(text: str) -> str:
    """Lower-case, umlauts and accents folded (ä→ae, ß→ss), punctuation to spaces."""
    t = str(text).lower().replace("ß", "ss").replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    t = unicodedata.normalize("NFKD", t)
    t = "".join(c for c in t if not unicodedata.combining(c))
    t = re.sub(r"[^\w]+", " ", t)
    return re.sub(r"\s+", " ", t).strip()


_ENDINGS = ("innen", "ern", "en", "er", "es", "e", "n", "s")


def stem(word: str) -> str:
    """A crude German/English stem: plural and gender endings removed (Seniorinnen → senior)."""
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


_STOP = {"und", "oder", "fuer", "mit", "von", "der", "die", "das", "den", "im", "in", "an", "and", "or",
         "for", "the", "of", "aus", "ab", "bis", "zu", "sowie", "u"}


def words(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in fold(text).split() if w not in _STOP)


# --- yes / no, costs ---------------------------------------------------------------------------

TRUE = {"ja", "j", "yes", "y", "1", "true", "wahr", "x", "✓", "✔", "erforderlich", "notwendig", "noetig",
        "pflicht", "ja bitte", "ja erforderlich"}
FALSE = {"nein", "n", "no", "0", "false", "falsch", "-", "–", "nicht erforderlich", "nicht noetig", "keine",
         "kein", "ohne", "entfaellt"}


def parse_bool(text: str) -> bool | None:
    """'ja'/'nein' and common variants → True/False; empty → None."""
    t = str(text or "").strip().lower()
    if not t:
        return None
    f = fold(t) or t
    if t in TRUE or f in TRUE:
        return True
    if t in FALSE or f in FALSE:
        return False
    raise ValueProblem(str(_l("„%(value)s“ ist weder ja noch nein", value=text)))


_FREE = re.compile(r"^(kostenlos|kostenfrei|gratis|umsonst|frei|free|unentgeltlich|ohne kosten|keine kosten|"
                   r"keine|0|0 00|0 eur|0 euro|0 00 eur|0 00 euro|ja|ja kostenlos)$")
_PAID = re.compile(r"^(kostenpflichtig|nein|mit kosten|gebuehr|gebuehrenpflichtig|paid)$")
_MONEY = re.compile(r"\d+(?:[.,]\d{1,2})?\s*(?:€|eur\b|euro\b)|(?:€|eur\b)\s*\d", re.IGNORECASE)


@dataclass(frozen=True)
class Cost:
    is_free: bool
    text: str = ""  # what it costs, as written ("1,50 € pro Termin")


def parse_cost(text: str) -> Cost | None:
    """'kostenlos' → free; '1,50 €' → not free, cost text kept; 'nein' (not free) → not free.

    Meant for a column that says whether something costs ("kostenlos", "Kosten", "Gebühr"): ja
    in a column named "kostenlos" means free, so the column mapping decides what ja means.
    """
    t = str(text or "").strip()
    if not t:
        return None
    f = fold(t.replace("€", " eur "))
    if _FREE.match(f):
        return Cost(True)
    if re.match(r"^(0|0[.,]00)\s*(€|eur|euro)?$", t.lower()):
        return Cost(True)
    if _PAID.match(f):
        return Cost(False)
    if _MONEY.search(t) or re.search(r"\d", t) or len(t) > 3:
        free = bool(re.search(r"\b(kostenlos|kostenfrei|gratis)\b", t, re.IGNORECASE)) and not _MONEY.search(t)
        return Cost(free, "" if free else t)
    raise ValueProblem(str(_l("„%(value)s“: Kosten nicht verstanden (z. B. „kostenlos“ oder „1,50 €“)", value=text)))


# --- dates -------------------------------------------------------------------------------------

_MONTHS = {"jan": 1, "januar": 1, "feb": 2, "februar": 2, "maerz": 3, "mar": 3, "mrz": 3, "apr": 4, "april": 4,
           "mai": 5, "jun": 6, "juni": 6, "jul": 7, "juli": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
           "september": 9, "okt": 10, "oktober": 10, "nov": 11, "november": 11, "dez": 12, "dezember": 12}


def _year(text: str) -> int:
    year = int(text)
    return 2000 + year if year < 100 else year


def parse_date(text: str) -> dt.date | None:
    """'1.9.26', '01.09.2026', '2026-09-01', '1. September 2026', '1/9/2026' → date; empty → None."""
    t = str(text or "").strip()
    if not t:
        return None
    try:
        m = re.fullmatch(r"(\d{1,2})\s*[./]\s*(\d{1,2})\s*[./]\s*(\d{2}|\d{4})", t)
        if m:
            return dt.date(_year(m.group(3)), int(m.group(2)), int(m.group(1)))
        m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?", t)
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = re.fullmatch(r"(\d{1,2})\.?\s*([A-Za-zäÄ]+)\.?\s*(\d{2}|\d{4})", t)
        if m and fold(m.group(2)) in _MONTHS:
            return dt.date(_year(m.group(3)), _MONTHS[fold(m.group(2))], int(m.group(1)))
    except ValueError:
        pass
    raise ValueProblem(str(_l("„%(value)s“ ist kein Datum (z. B. 1.9.26 oder 01.09.2026)", value=text)))


# --- times -------------------------------------------------------------------------------------

DAY_WORDS = {
    0: ("mo", "mon", "montag", "monday"),
    1: ("di", "die", "dienstag", "tu", "tue", "tues", "tuesday"),
    2: ("mi", "mit", "mittwoch", "we", "wed", "wednesday"),
    3: ("do", "don", "donnerstag", "th", "thu", "thur", "thurs", "thursday"),
    4: ("fr", "fre", "frei", "freitag", "fri", "friday"),
    5: ("sa", "sam", "samstag", "sonnabend", "sat", "saturday"),
    6: ("so", "son", "sonntag", "su", "sun", "sunday"),
}
DAYS = {w: d for d, ws in DAY_WORDS.items() for w in ws}
DAYS.update({w + "s": d for d, ws in DAY_WORDS.items() for w in ws if len(w) > 4 and not w.endswith("y")})
DAY_GROUPS = {"werktags": (0, 1, 2, 3, 4), "wochentags": (0, 1, 2, 3, 4), "taeglich": tuple(range(7)),
              "daily": tuple(range(7)), "wochenende": (5, 6), "wochenenden": (5, 6), "weekdays": (0, 1, 2, 3, 4)}
BY_APPOINTMENT = re.compile(
    r"nach\s+(vereinbarung|absprache|anmeldung|terminvereinbarung|bedarf)|auf\s+anfrage|termine?\s+nach|"
    r"by\s+appointment|on\s+request|individuell|flexibel|variiert|wechselnd", re.IGNORECASE)
_FORTNIGHT = re.compile(r"\b(14|vierzehn)\s*[-–]?\s*t(ae|ä)gig\w*|\balle\s+(2|zwei|14)\s+(wochen|tage)\b|"
                        r"\b(2|zwei)\s*[-–]?\s*w(oe|ö)chentlich\w*|\bjede\s+zweite\s+woche\b|\bbiweekly\b",
                        re.IGNORECASE)
_MONTHLY = re.compile(r"\b(monatlich|einmal\s+im\s+monat|1\s*x\s+im\s+monat|monthly)\b", re.IGNORECASE)
_TIME = r"(\d{1,2})(?:[:.](\d{2}))?"
_RANGE = re.compile(_TIME + r"\s*(?:h|uhr)?\s*(?:-|–|—|bis|to)\s*" + _TIME + r"\s*(?:h|uhr)?", re.IGNORECASE)
_DATE_TOKEN = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})(?!\d)")
_ORDINALS = re.compile(r"((?:\b[1-5]\.\s*(?:,|und|u\.|&|\+)?\s*)+)(?=[A-Za-zÄÖÜäöü])")
_FILLER = {"uhr", "h", "und", "u", "jeden", "jede", "jeder", "am", "von", "jeweils", "sowie", "immer", "im",
           "monat", "woche", "wöchentlich", "woechentlich", "weekly", "and", "from", "each", "every", "on",
           "zwischen", "ca", "zeit", "zeiten", "mittags", "vormittags", "nachmittags", "abends", "morgens",
           "uhrzeit", "oder", "in", "der", "den"}


@dataclass
class Times:
    """What a time cell says: weekly or dated slots, and a note when it gives no fixed times."""
    slots: list[dict] = field(default_factory=list)
    note: str = ""
    warning: str = ""  # understood, but incomplete (e.g. days without a time): kept as the note


GERMAN_DAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")


def _clock(hour: str, minute: str | None) -> str:
    h, m = int(hour), int(minute or 0)
    if h == 24 and m == 0:
        h, m = 23, 59
    return dt.time(h, m).strftime("%H:%M")


def _slot(weekday: int | None, date: dt.date | None, start: str, end: str, note: str) -> dict:
    return {"weekday": weekday, "date": date.isoformat() if date else None, "opens_at": start, "closes_at": end,
            "valid_from": None, "valid_to": None, "note": note}


def _tokens(part: str) -> list[tuple[str, object]]:
    """('days', [..]) ('range', (start, end)) ('date', date) ('dash', None) ('ordinals', '1. und 3.')
    ('word', w) in the order they appear."""
    out: list[tuple[str, object]] = []
    pos = 0
    while pos < len(part):
        rest = part[pos:]
        if m := re.match(r"[\s,;/+&]+", rest):
            pos += m.end()
            continue
        if m := _DATE_TOKEN.match(rest):
            try:
                out.append(("date", dt.date(_year(m.group(3)), int(m.group(2)), int(m.group(1)))))
            except ValueError:
                raise ValueProblem(m.group(0)) from None
            pos += m.end()
            continue
        if m := _RANGE.match(rest):
            try:
                start, end = _clock(m.group(1), m.group(2)), _clock(m.group(3), m.group(4))
            except ValueError:
                raise ValueProblem(m.group(0)) from None
            if end <= start:
                raise ValueProblem(m.group(0))
            out.append(("range", (start, end)))
            pos += m.end()
            continue
        if m := _ORDINALS.match(rest):
            out.append(("ordinals", " ".join(re.findall(r"[1-5]\.", m.group(1)))))
            pos += m.end()
            continue
        if m := re.match(r"(-|–|—|bis)(?=\s*[A-Za-zÄÖÜäöü])", rest):
            out.append(("dash", None))
            pos += m.end()
            continue
        if m := re.match(r"[A-Za-zÄÖÜäöüß]+\.?", rest):
            word = fold(m.group(0))
            if word in DAYS:
                out.append(("days", [DAYS[word]]))
            elif word in DAY_GROUPS:
                out.append(("days", list(DAY_GROUPS[word])))
            else:
                out.append(("word", m.group(0).rstrip(".")))
            pos += m.end()
            continue
        if m := re.match(r"\S+", rest):
            out.append(("word", m.group(0)))
            pos += m.end()
    return out


def parse_times(text: str) -> Times:
    """Time cells as offices write them → weekly slots (weekday 0 = Monday) or dated slots.

    Understands day lists and ranges ("Mo+Mi", "Mo, Mi, Fr", "Mo–Fr", "dienstags", "Di.",
    "werktags"), times ("10-12 Uhr", "9.30–11 Uhr", "18:00 bis 20:00"), dates ("05.12.2026
    10-12"), rhythm notes ("14-tägig", "monatlich", "jeden 1. und 3. Montag", kept as the slot's
    note) and "nach Vereinbarung" (kept as a note, no slots). Several parts may be separated by
    ";" or a new line, or simply follow each other ("Mo 9-12, Mi 14-16").
    """
    t = str(text or "").strip()
    result = Times()
    if not t:
        return result
    if BY_APPOINTMENT.search(t) and not _RANGE.search(t):
        result.note = t
        return result
    rhythm = ""
    if _FORTNIGHT.search(t):
        rhythm = "alle 14 Tage"
        t = _FORTNIGHT.sub(" ", t)
    elif _MONTHLY.search(t):
        rhythm = "monatlich"
        t = _MONTHLY.sub(" ", t)
    for part in re.split(r"[;\n]+", t):
        if not part.strip():
            continue
        try:
            tokens = _tokens(part)
        except ValueProblem as exc:
            raise ValueProblem(str(_l("„%(part)s“: Uhrzeit nicht verstanden", part=str(exc)))) from None
        days: list[int] = []
        dates: list[dt.date] = []
        ordinals = ""
        last = None
        pending_range = False  # a day list seen after the last time range
        for kind, value in tokens:
            if kind == "days":
                if last == "range":
                    days, dates, ordinals = [], [], ordinals if pending_range else ""
                if last == "dash" and days:
                    first, end = days[-1], value[0]  # type: ignore[index]
                    span = list(range(first, end + 1)) if end >= first else list(range(first, 7)) + list(range(end + 1))
                    days.extend(d for d in span if d not in days)
                else:
                    days.extend(d for d in value if d not in days)  # type: ignore[union-attr]
                pending_range = True
            elif kind == "date":
                if last == "range":
                    days, dates = [], []
                dates.append(value)  # type: ignore[arg-type]
                pending_range = True
            elif kind == "ordinals":
                ordinals = str(value)
            elif kind == "dash":
                if last != "days":
                    raise ValueProblem(str(_l("„%(part)s“ nicht verstanden", part=part.strip())))
            elif kind == "range":
                start, end = value  # type: ignore[misc]
                if not days and not dates:
                    raise ValueProblem(str(_l("„%(part)s“: Wochentag fehlt (z. B. „Di 10-12 Uhr“)", part=part.strip())))
                note = rhythm
                for d in dates:
                    result.slots.append(_slot(None, d, start, end, ""))
                for d in days:
                    if ordinals:
                        note = f"jeden {ordinals.replace(' ', ' und ')} {GERMAN_DAYS[d]} im Monat"
                    result.slots.append(_slot(d, None, start, end, note))
                pending_range = False
            elif kind == "word":
                if fold(str(value)) not in _FILLER:
                    raise ValueProblem(str(_l("„%(part)s“: „%(word)s“ nicht verstanden", part=part.strip(), word=value)))
                continue
            last = kind
        if pending_range and (days or dates) and not _RANGE.search(t):
            result.slots, result.note = [], str(text).strip()
            result.warning = str(_l("„%(part)s“: keine Uhrzeit angegeben – als Hinweis übernommen", part=str(text).strip()))
            return result
        if pending_range and (days or dates):
            raise ValueProblem(str(_l("„%(part)s“: Uhrzeit fehlt (z. B. „Di 10-12 Uhr“)", part=part.strip())))
    if not result.slots and not result.note:
        raise ValueProblem(str(_l("„%(part)s“: keine Zeiten gefunden", part=text.strip())))
    return result


# --- vocabulary terms ------------------------------------------------------------------------

# Words people use for the fixed vocabularies, beyond their codes and labels (German and English).
SYNONYMS: dict[str, dict[str, str]] = {
    "target_groups": {
        "frauen": "women_girls", "frau": "women_girls", "maedchen": "women_girls", "muetter": "women_girls",
        "women": "women_girls", "girls": "women_girls",
        "jugend": "youth", "jugendliche": "youth", "teenager": "youth", "teens": "youth", "junge menschen": "youth",
        "junge erwachsene": "youth", "youth": "youth", "u18": "youth", "schueler": "youth",
        "kinder": "children", "kids": "children", "grundschulkinder": "children", "kleinkinder": "children",
        "familie": "families", "familien": "families", "eltern": "families", "parents": "families",
        "senioren": "older_people", "seniorinnen": "older_people", "aeltere": "older_people", "rentner": "older_people",
        "60plus": "older_people", "60 plus": "older_people", "ue60": "older_people", "seniors": "older_people",
        "gefluechtete": "refugees", "fluechtlinge": "refugees", "asylsuchende": "refugees", "asylbewerber": "refugees",
        "schutzsuchende": "refugees", "refugees": "refugees",
        "eu buerger": "eu_migrants", "eu zugewanderte": "eu_migrants", "eu migranten": "eu_migrants",
        "zugewanderte aus der eu": "eu_migrants",
        "azubis": "apprentices", "azubi": "apprentices", "auszubildende": "apprentices", "lehrlinge": "apprentices",
        "arbeitslose": "job_seekers", "arbeitssuchende": "job_seekers", "arbeitsuchende": "job_seekers",
        "erwerbslose": "job_seekers", "jobsuchende": "job_seekers",
        "arbeitgeber": "employers", "unternehmen": "employers", "betriebe": "employers", "firmen": "employers",
        "ehrenamtliche": "associations", "vereine": "associations", "freiwillige": "associations",
        "alle": "all", "jeder": "all", "jede": "all", "jedermann": "all", "offen fuer alle": "all", "everyone": "all",
        "alle interessierten": "all", "interessierte": "all",
    },
    "languages": {
        "dari": "fa", "farsi": "fa", "persisch": "fa", "kurdisch": "ku", "kurmandschi": "ku", "kurmanci": "ku",
        "engl": "en", "dt": "de", "deutsch": "de", "arab": "ar", "tuerk": "tr", "ukr": "uk", "russ": "ru",
        "paschtu": "ps", "pashtu": "ps", "tigrinisch": "ti", "serbokroatisch": "sr", "bosnisch": "hr",
        "chinesisch": "zh", "mandarin": "zh", "somalisch": "so",
    },
    "categories": {
        "sport": "sport", "sportverein": "sport", "fussball": "sport", "schwimmen": "sport", "training": "sport",
        "deutschkurs": "language_course", "sprachkurs": "language_course", "integrationskurs": "language_course",
        "sprachcafe": "language_course", "deutsch lernen": "language_course",
        "beratung": "counselling", "beratungsstelle": "counselling", "sprechstunde": "counselling",
        "cafe": "meeting", "treff": "meeting", "treffpunkt": "meeting", "begegnung": "meeting",
        "begegnungscafe": "meeting", "frauentreff": "meeting",
        "hausaufgabenhilfe": "tutoring", "nachhilfe": "tutoring", "lernhilfe": "tutoring",
        "patenschaft": "mentoring", "paten": "mentoring", "mentoring": "mentoring", "lotsen": "mentoring",
        "kita": "childcare", "kinderbetreuung": "childcare", "spielgruppe": "childcare",
        "bewerbung": "job", "bewerbungstraining": "job", "arbeit": "job", "qualifizierung": "job", "jobcoaching": "job",
        "wohnen": "housing", "wohnungssuche": "housing", "ehrenamt": "volunteering", "mitmachen": "volunteering",
        "workshop": "course", "seminar": "course", "kurs": "course",
    },
}


class Matcher:
    """Finds a vocabulary code for a written term: by code, label, synonym, or a label that
    contains all the words given ("Mädchen" → "Frauen und Mädchen")."""

    def __init__(self, entries: Iterable[tuple[str, Iterable[str]]], synonyms: dict[str, str] | None = None):
        self.exact: dict[str, str] = {}
        self.labels: list[tuple[frozenset[str], str]] = []
        for code, labels in entries:
            self.exact[fold(code)] = code
            self.exact[code.lower()] = code
            for label in labels:
                if label:
                    self.exact.setdefault(fold(label), code)
                    self.labels.append((words(label), code))
        codes = {code for code in self.exact.values()}
        for word, code in (synonyms or {}).items():
            if code in codes:
                self.exact.setdefault(fold(word), code)
                self.exact.setdefault(" ".join(sorted(words(word))), code)

    def match(self, text: str) -> str | None:
        f = fold(text)
        if not f:
            return None
        if f in self.exact:
            return self.exact[f]
        given = words(text)
        key = " ".join(sorted(given))
        if key in self.exact:
            return self.exact[key]
        if not given:
            return None
        hits = {code for label_words, code in self.labels if given <= label_words}
        if len(hits) == 1:
            return hits.pop()
        stems = {self.exact.get(w) for w in given}
        stems.discard(None)
        if len(stems) == 1 and len(given) == 1:
            return stems.pop()
        return None

    def match_list(self, text: str) -> tuple[list[str], list[str]]:
        """(codes, parts not understood) for a list cell ('Frauen, Senioren; Kinder')."""
        codes: list[str] = []
        unknown: list[str] = []
        for part in split_list(text):
            code = self.match(part)
            if code is None:
                # "Frauen und Kinder": try each side of "und"/"&"/"/"
                pieces = [p for p in re.split(r"\s+(?:und|u\.|&|and)\s+|/", part) if p.strip()]
                found = [self.match(p) for p in pieces] if len(pieces) > 1 else [None]
                if all(found):
                    codes.extend(c for c in found if c and c not in codes)
                    continue
                unknown.append(part)
            elif code not in codes:
                codes.append(code)
        return codes, unknown


def split_list(text: str) -> list[str]:
    return [p.strip(" .") for p in re.split(r"[;,|\n+]", str(text or "")) if p.strip(" .")]
