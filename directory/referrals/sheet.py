"""The referral sheet the client takes home: printable HTML and a PDF (fpdf2).

Texts are in the client's language where there is a translation – the interface catalogue for
the fixed words, a provider-written :class:`OfferTranslation` for the offer's title and summary –
with German alongside. Where the provider wrote none and the machine-translation hook
(:mod:`directory.offers.machine_translation`) is configured, its text is shown instead, marked
"maschinell übersetzt"; otherwise only German. Each offer states whether registration is
required, the period in which it (and each date) is valid, and its costs.
Each offer has its address, times, contact, a QR code with the absolute URL of its public page
(``PUBLIC_BASE_URL``, else the URL the request came in on) and, in HTML, a small map.

The sheet holds no client data. A first name can be typed into the printed HTML page; it stays
in the browser (the field belongs to no form) and is never sent. The PDF has a blank line for it.

PDF: A4, DejaVu Sans (Debian ``fonts-dejavu-core``, ``PDF_FONT_DIR``), text shaping with
uharfbuzz so that Arabic and Persian are joined and laid out right to left.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from babel.core import UnknownLocaleError
from flask import current_app
from flask_babel import force_locale, gettext
from fpdf import FPDF

from directory.core import i18n
from directory.core.links import offer_url, qr_png, qr_svg
from directory.extensions import db
from directory.models import Language, Offer, Referral
from directory.offers import machine_translation
from directory.offers import schedules as schedule_text
from directory.offers.visibility import unconfirmed_since

SOURCE = "de"


@dataclass
class Bi:
    """A text in German with, where a real translation exists, the client's version."""

    de: str
    client: str | None = None
    lang: str = SOURCE
    rtl: bool = False
    machine: bool = False  # the client's version is a machine translation

    @property
    def both(self) -> bool:
        return bool(self.client) and self.client != self.de


@dataclass
class SheetOffer:
    offer: Offer
    title: Bi
    summary: Bi
    times: list[Bi]
    more_times: Bi | None
    places: list[dict]
    contact: list[str]
    cost: Bi
    url: str
    qr_svg: str
    full: bool = False
    registration: Bi | None = None
    period: Bi | None = None
    public: bool = True  # False: hidden from the public (unconfirmed), no link to its page


@dataclass
class Sheet:
    referral: Referral
    lang: str
    lang_native: str
    rtl: bool
    labels: dict[str, Bi]
    offers: list[SheetOffer]
    organization: str
    organization_contact: list[str] = field(default_factory=list)
    created: str = ""


# the fixed words of the sheet (German msgids; the catalogues translate them)
LABELS = {
    "title": "Vermittlungsbogen",
    "code": "Referenzcode",
    "code_hint": "Bitte nennen Sie diesen Code, wenn Sie sich beim Angebot melden.",
    "first_name": "Vorname",
    "when": "Wann?",
    "where": "Wo?",
    "contact": "Kontakt",
    "cost": "Kosten",
    "by_appointment": "Termine nach Vereinbarung – bitte Kontakt aufnehmen.",
    "referred_by": "Vermittelt durch",
    "online": "Zum Angebot im Internet",
    "created": "Erstellt am",
    "privacy": "Dieser Bogen enthält keine Daten über Sie. Der Code zeigt dem Angebot nur, wer Sie vermittelt hat.",
    "free": "kostenlos",
    "with_cost": "mit Kosten",
    "full": "Zurzeit ausgebucht – bitte nachfragen.",
    "registration": "Anmeldung erforderlich – bitte vorher Kontakt aufnehmen.",
    "no_registration": "Ohne Anmeldung – einfach hingehen.",
    "machine": "maschinell übersetzt, ohne Gewähr",
    "not_public": "Bitte telefonisch oder per E-Mail melden.",
}
PERIOD_BOTH = "gültig vom %(start)s bis %(end)s"
PERIOD_FROM = "gültig ab %(start)s"
PERIOD_TO = "gültig bis %(end)s"
MORE_TIMES = "… und %(n)s weitere Termine (siehe Angebotsseite)"
#: at most this many dates per offer on the sheet (one or two A4 pages)
MAX_TIMES = 4
WEEKLY = "Jeden %(day)s, %(times)s Uhr"
ONCE = "Am %(day)s, %(times)s Uhr"


def _translated(lang: str, msgid: str) -> bool:
    return lang != SOURCE and i18n.is_translated(i18n.translations_for(lang), msgid)


def bi(lang: str, rtl: bool, msgid: str, **params) -> Bi:
    """A fixed text in German and, if the catalogue has it, in the client's language."""
    de = msgid % params if params else msgid
    client = None
    if _translated(lang, msgid):
        with force_locale(lang):
            client = gettext(msgid, **params)
    return Bi(de, client, lang, rtl)


def _slot_line(slot, locale: str) -> str:
    text = schedule_text.describe(slot, locale)
    template = WEEKLY if text["kind"] == "weekly" else ONCE
    if locale == SOURCE:
        return template % {"day": text["day"], "times": text["times"]}
    with force_locale(locale):
        return gettext(template, day=text["day"], times=text["times"])


def period(lang: str, rtl: bool, start: dt.date | None, end: dt.date | None) -> Bi | None:
    """"gültig vom … bis …" (or only from / until); None without dates."""
    if start is None and end is None:
        return None
    msgid = PERIOD_BOTH if start and end else PERIOD_FROM if start else PERIOD_TO
    return bi(lang, rtl, msgid, start=f"{start:%d.%m.%Y}" if start else "", end=f"{end:%d.%m.%Y}" if end else "")


def _times(offer: Offer, lang: str, rtl: bool, today: dt.date) -> list[Bi]:
    lines = []
    for slot in offer.schedules:
        if (slot.date is not None and slot.date < today) or (slot.valid_to is not None and slot.valid_to < today):
            continue
        client = None
        if _translated(lang, WEEKLY if slot.date is None else ONCE):
            try:
                client = _slot_line(slot, lang)
            except UnknownLocaleError:  # pragma: no cover - every interface language is in Babel
                client = None
        line = Bi(_slot_line(slot, SOURCE), client, lang, rtl)
        valid = period(lang, rtl, slot.valid_from, slot.valid_to) if slot.date is None else None
        if valid is not None:
            line = Bi(f"{line.de} ({valid.de})",
                      f"{line.client} ({valid.client})" if line.client and valid.client else None, lang, rtl)
        lines.append(line)
    return lines


def offer_texts(offer: Offer, lang: str) -> tuple[dict[str, str], bool]:
    """Title and summary in the client's language: the provider's translation, else (where
    the hook is configured) a machine translation – stored or asked for now. Returns the texts
    found and whether they are machine-made."""
    if lang == SOURCE:
        return {}, False
    translations = [t for t in getattr(offer, "translations", []) or [] if t.language_code == lang]
    own = next((t for t in translations if t.by_provider), None)
    if own is not None:
        return {"title": own.title, "summary": own.summary}, False
    if not machine_translation.enabled():
        return {}, False
    stored = next((t for t in translations if not t.by_provider), None)
    if stored is not None and (stored.title or stored.summary):
        return {"title": stored.title, "summary": stored.summary}, True
    found = machine_translation.suggest({"title": offer.title, "summary": offer.summary}, SOURCE, lang)
    return found, bool(found)


def build(referral: Referral, today: dt.date | None = None) -> Sheet:

    today = today or dt.date.today()
    lang = referral.language_code or SOURCE
    language = db.session.get(Language, lang)
    rtl = bool(language and language.rtl)
    labels = {key: bi(lang, rtl, msgid) for key, msgid in LABELS.items()}
    offers = []
    for item in referral.items:
        offer = item.offer
        texts, machine = offer_texts(offer, lang)
        title = Bi(offer.title, texts.get("title") or None, lang, rtl, machine)
        summary = Bi(offer.summary, texts.get("summary") or None, lang, rtl, machine)
        url = offer_url(offer.id, lang)
        places = [
            {"name": loc.name, "address": f"{loc.address}, {loc.postcode} {loc.city}".strip(", "),
             "district": loc.district.name if loc.district else "", "lat": loc.lat, "lon": loc.lon}
            for loc in offer.locations
        ]
        email = offer.contact_email or offer.organization.email
        phone = offer.contact_phone or offer.organization.phone
        contact = [x for x in (offer.contact_name, offer.organization.name, phone, email) if x]
        if offer.is_free:
            cost = labels["free"]
        else:
            cost = Bi(offer.cost or LABELS["with_cost"], None if offer.cost else labels["with_cost"].client, lang, rtl)
        times = _times(offer, lang, rtl, today)
        more = bi(lang, rtl, MORE_TIMES, n=len(times) - MAX_TIMES) if len(times) > MAX_TIMES else None
        public = unconfirmed_since(offer, today) is None
        offers.append(SheetOffer(
            offer, title, summary, times[:MAX_TIMES], more, places, contact, cost, url,
            qr_svg(url) if public else "", full=offer.open_places == 0,
            registration=labels["registration"] if offer.registration_required else labels["no_registration"],
            period=period(lang, rtl, offer.valid_from, offer.valid_to), public=public))
    org = referral.organization
    return Sheet(
        referral=referral, lang=lang, lang_native=language.native if language else "Deutsch", rtl=rtl,
        labels=labels, offers=offers, organization=org.name if org else "",
        organization_contact=[x for x in ((org.phone, org.email) if org else ()) if x],
        created=referral.created_at.strftime("%d.%m.%Y"),
    )


# --- PDF -------------------------------------------------------------------------------------

class PdfUnavailable(RuntimeError):
    """The Unicode font for the PDF is missing (install Debian's fonts-dejavu-core)."""


def _font_dir() -> Path:
    folder = Path(current_app.config.get("PDF_FONT_DIR") or "/usr/share/fonts/truetype/dejavu")
    if not (folder / "DejaVuSans.ttf").exists() or not (folder / "DejaVuSans-Bold.ttf").exists():
        raise PdfUnavailable(f"DejaVuSans.ttf / DejaVuSans-Bold.ttf not found in {folder}")
    return folder


MAX_PAGES = 2


def render_pdf(sheet: Sheet) -> bytes:
    """The sheet as an A4 PDF; set smaller if it would need more than two pages."""
    for scale in (1.0, 0.88, 0.76, 0.66):
        pdf = _render_pdf(sheet, scale)
        if page_count(pdf) <= MAX_PAGES:
            break
    return pdf


def _render_pdf(sheet: Sheet, scale: float) -> bytes:

    folder = _font_dir()
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(14, 12, 14)
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_font("DejaVu", "", str(folder / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(folder / "DejaVuSans-Bold.ttf"))
    pdf.set_text_shaping(True)  # uharfbuzz: joined Arabic/Persian letters, bidi order
    pdf.set_title(f"{LABELS['title']} {sheet.referral.code or ''}")
    pdf.set_creator("Wegweiser")
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    client_colour = (29, 42, 110)

    def para(value: str, size: float, bold: bool = False, w: float = 0, align: str = "L",
             colour=(0, 0, 0)) -> None:
        size *= scale
        pdf.set_font("DejaVu", "B" if bold else "", size)
        pdf.set_text_color(*colour)
        pdf.set_x(pdf.l_margin)
        pdf.multi_cell(w or width, size * 0.45, value, align=align, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)

    def text(value: Bi, size: float = 9.5, bold: bool = False, w: float = 0, gap: float = 0.8) -> None:
        """German, then the client's version below it (right-aligned for RTL scripts)."""
        para(value.de, size, bold, w)
        if value.both:
            para(value.client, size, bold, w, "R" if value.rtl else "L", client_colour)
        pdf.ln(gap)

    def label(value: Bi) -> str:
        """A heading on one line: "Wann? · کی؟"."""
        return value.de + (f" · {value.client}" if value.both else "")

    labels = sheet.labels
    para("Wegweiser Minden · " + label(labels["title"]), 15, True)
    pdf.ln(1)
    para(f"{label(labels['code'])}: {sheet.referral.code or '–'}", 13, True)
    text(labels["code_hint"], 8.5)
    para(f"{label(labels['first_name'])}: ______________________________", 10)
    pdf.ln(1.5)
    by = f"{labels['created'].de} {sheet.created}"
    if sheet.organization:
        by = f"{labels['referred_by'].de}: {sheet.organization}" + "".join(
            f" · {c}" for c in sheet.organization_contact) + " · " + by
    para(by, 8.5)
    pdf.ln(2)

    qr_size = 30 * max(scale, 0.8)
    for entry in sheet.offers:
        if pdf.will_page_break(70):
            pdf.add_page()
        pdf.set_draw_color(120, 120, 120)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(2.5)
        top = pdf.get_y()
        column = width - qr_size - 5
        qr_x = pdf.w - pdf.r_margin - qr_size
        qr_bottom = top
        if entry.public:
            pdf.image(qr_png(entry.url), x=qr_x, y=top, w=qr_size, h=qr_size)
            pdf.set_font("DejaVu", "", 6.5)
            pdf.set_xy(qr_x - 3, top + qr_size)
            pdf.multi_cell(qr_size + 6, 2.8, f"{label(labels['online'])}\n{entry.url}", align="C")
            qr_bottom = pdf.get_y()
        pdf.set_xy(pdf.l_margin, top)
        text(entry.title, 12.5, True, column, 0.4)
        if entry.title.both and entry.title.machine:
            para(f"({labels['machine'].de})" + (f" · ({labels['machine'].client})" if labels["machine"].both else ""),
                 7, False, column, colour=(90, 90, 90))
        para(entry.offer.organization.name, 8.5, False, column, colour=(70, 70, 70))
        pdf.ln(0.8)
        if entry.summary.de:
            text(entry.summary, 9.5, False, column)
        if entry.full:
            text(labels["full"], 9.5, True, column)
        if entry.registration:
            text(entry.registration, 9.5, entry.registration is labels["registration"], column)
        if entry.period:
            text(entry.period, 9.5, False, column)
        para(label(labels["when"]), 9.5, True, column)
        for line in entry.times or [labels["by_appointment"]]:
            text(line, 9.5, False, column, 0.3)
        if entry.more_times:
            text(entry.more_times, 8.5, False, column, 0.3)
        pdf.ln(0.6)
        para(label(labels["where"]), 9.5, True, column)
        for place in entry.places:
            extra = f" ({place['district']})" if place["district"] else ""
            para(f"{place['name']}, {place['address']}{extra}", 9.5, False, column)
        pdf.ln(0.9)
        para(label(labels["contact"]), 9.5, True, column)
        para(" · ".join(entry.contact), 9.5, False, column)
        if not entry.public:
            text(labels["not_public"], 8.5, False, column)
        pdf.ln(0.9)
        para(f"{label(labels['cost'])}: {entry.cost.de}", 9.5, True, column)
        if entry.cost.both:
            para(entry.cost.client, 9.5, False, column, "R" if entry.cost.rtl else "L", client_colour)
        pdf.set_y(max(pdf.get_y(), qr_bottom) + 3)
    pdf.ln(1)
    text(labels["privacy"], 7.5)
    out = io.BytesIO()
    pdf.output(out)
    return out.getvalue()


def page_count(pdf_bytes: bytes) -> int:
    """Pages of a PDF written by fpdf2 (counted from its page objects)."""

    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf_bytes))
