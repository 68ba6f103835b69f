"""Interface languages: catalogues, language choice, right-to-left, fallback to German."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import render_template_string

from directory.config import ROOT
from directory.core import i18n
from directory.offers import vocabulary
from directory.seeding import babel_extract as babel_seeds

CATALOGUES = Path(i18n.TRANSLATIONS)
LANGUAGES = [code for code in i18n.INTERFACE_LANGUAGES if code != "de"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def catalogue(lang):
    with open(CATALOGUES / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=lang)


def template():
    with open(CATALOGUES / "messages.pot", "rb") as fh:
        return read_po(fh)


def key(message):
    return message.context, message.id if isinstance(message.id, str) else message.id[0]


# --- the catalogues --------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_is_complete_and_has_no_fuzzy_entries(lang):
    cat = catalogue(lang)
    expected = {key(m) for m in template() if m.id}
    present = {key(m) for m in cat if m.id}
    assert expected - present == set(), f"{lang}: run `make translations` and translate"
    untranslated = [key(m) for m in cat if m.id and (
        not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
    fuzzy = [key(m) for m in cat if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_every_placeholder(lang):
    for message in catalogue(lang):
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if not all(strings):
            continue  # untranslated: the completeness test reports it
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            found = set(PLACEHOLDER.findall(string))
            # a plural form may spell out the number ("عرض واحد"), but never invents a name
            assert found <= wanted | set(PLACEHOLDER.findall(ids[0])), (lang, message.id, string)
            if len(strings) == 1:
                assert found == wanted, (lang, message.id, string)


def test_every_interface_language_is_compiled_and_available():
    assert i18n.available() == list(i18n.INTERFACE_LANGUAGES)


def test_seed_vocabulary_labels_are_extracted_with_a_context():
    import yaml

    root = ROOT / "seeds"
    data = yaml.safe_load((root / "vocabularies.yaml").read_text(encoding="utf-8"))
    data.update(yaml.safe_load((root / "challenges.yaml").read_text(encoding="utf-8")))
    messages = list(babel_seeds.messages(data))
    contexts = {c for c, _, _ in messages}
    assert contexts == {"category", "target_group", "language", "field_of_action", "challenge"}
    assert ("category", "Sportgruppe", "category sport") in messages
    assert len([m for m in messages if m[0] == "challenge"]) == 18
    extracted = {key(m) for m in template() if m.context}
    assert {(c, label) for c, label, _ in messages} == extracted


# --- choosing the language -------------------------------------------------------------------

def html_tag(html: str) -> str:
    return re.search(r"<html[^>]*>", html).group(0)


@pytest.mark.parametrize(("lang", "direction"), [("ar", "rtl"), ("fa", "rtl"), ("uk", "ltr"), ("ku", "ltr")])
def test_url_prefix_sets_language_direction_and_cookie(client, lang, direction):
    response = client.get(f"/{lang}/ueber")
    assert response.status_code == 200
    assert f'lang="{lang}" dir="{direction}"' in html_tag(response.get_data(as_text=True))
    assert f"{i18n.COOKIE}={lang}" in response.headers["Set-Cookie"]
    assert "Accept-Language" in response.headers["Vary"]


def test_links_on_a_prefixed_page_keep_the_prefix(client):
    html = client.get("/uk/").get_data(as_text=True)
    assert 'href="/uk/ueber"' in html
    assert 'action="/uk/"' in html
    assert "/uk/static/css/wegweiser.css" in html
    assert re.search(r'href="/uk/angebote/\d+"', html) or "offer-card" not in html


def test_lang_parameter_redirects_to_the_prefixed_url(client):
    response = client.get("/?lang=ar&district=baerenkaempen")
    assert response.status_code == 302
    assert response.headers["Location"] == "/ar/?district=baerenkaempen"
    assert f"{i18n.COOKIE}=ar" in response.headers["Set-Cookie"]


def test_cookie_then_accept_language_then_german(client):
    assert 'lang="de"' in html_tag(client.get("/ueber").get_data(as_text=True))
    html = client.get("/ueber", headers={"Accept-Language": "tr-TR,tr;q=0.9,de;q=0.5"}).get_data(as_text=True)
    assert 'lang="tr"' in html_tag(html)
    client.set_cookie(i18n.COOKIE, "fa")
    html = client.get("/ueber", headers={"Accept-Language": "tr"}).get_data(as_text=True)
    assert 'lang="fa" dir="rtl"' in html_tag(html)
    # the URL beats the cookie; /de/ forces German
    assert 'lang="de"' in html_tag(client.get("/de/ueber").get_data(as_text=True))


def test_unknown_prefix_and_unknown_language_are_ignored(client):
    assert client.get("/xx/ueber").status_code == 404
    html = client.get("/ueber?lang=xx").get_data(as_text=True)
    assert 'lang="de"' in html_tag(html)


def test_switcher_names_each_language_in_its_own_script_and_keeps_the_query(client):
    html = client.get("/ar/?district=baerenkaempen").get_data(as_text=True)
    switcher = html.split('id="ui-lang"', 1)[1].split("</details>", 1)[0]
    for code, (native, direction) in i18n.INTERFACE_LANGUAGES.items():
        assert f'href="/{code}/?district=baerenkaempen" lang="{code}" hreflang="{code}" dir="{direction}"' in switcher
        assert f">{native}</a>" in switcher
    assert 'aria-current="true">العربية' in switcher
    assert '<link rel="alternate" hreflang="de" href="/de/?district=baerenkaempen">' in html


def test_switcher_does_not_echo_huge_parameters(client):
    html = client.get("/ar/?q=" + "x" * 5000).get_data(as_text=True)
    assert "x" * 300 not in html


# --- translated strings and the German fallback ----------------------------------------------

def test_interface_strings_are_translated(client):
    html = client.get("/ar/ueber").get_data(as_text=True)
    assert "عن Wegweiser" in html and "Über Wegweiser" not in html
    assert "انتقل إلى المحتوى" in html  # skip link


def test_plural_forms_follow_the_language(client):
    # Arabic has six plural forms; the results heading uses ngettext
    from directory.core.i18n import translations_for

    ar = translations_for("ar")
    assert ar.ungettext("%(num)d Angebot", "%(num)d Angebote", 2) == "عرضان"
    assert ar.ungettext("%(num)d Angebot", "%(num)d Angebote", 5) == "%(num)d عروض"
    uk = translations_for("uk")
    assert uk.ungettext("%(num)d Angebot", "%(num)d Angebote", 3) == "%(num)d пропозиції"


def test_a_missing_translation_falls_back_to_german_and_says_so(app):
    with app.test_request_context("/?lang=ar"):
        assert i18n.current_language() == "ar"
        html = render_template_string(
            '{{ _("Ein Satz, den es in keinem Katalog gibt.") }}|{{ _("Suchen") }}|{{ untranslated_on_page() }}')
    assert html == "Ein Satz, den es in keinem Katalog gibt.|بحث|1"


def test_page_footer_notes_untranslated_strings_only_when_there_are_some(client, app):
    with app.test_request_context("/?lang=ar"):
        assert render_template_string('{{ _("Suchen") }}|{{ untranslated_on_page() }}') == "بحث|0"
    with app.test_request_context("/ueber?lang=ar"):
        i18n._record("x")
        html = render_template_string('{% extends "base.html" %}')
    assert 'class="untranslated-note"' in html and "لم تُترجم بعد" in html


# --- vocabulary labels -------------------------------------------------------------------------

def test_vocabulary_labels_in_every_language(app):
    assert vocabulary.load("de").categories["sport"].label == "Sportgruppe"
    assert vocabulary.load("en").categories["sport"].label == "Sports group"
    ar = vocabulary.load("ar")
    assert ar.categories["sport"].label == "مجموعة رياضية"
    assert ar.target_groups["women_girls"].label == "النساء والفتيات"
    assert ar.languages["de"].label == "الألمانية"
    assert ar.fields["wohnen"].label == "السكن"
    assert vocabulary.load("uk").challenges["Z3"].label == "Спорт для зустрічей та інтеграції"
    assert vocabulary.load("ku").target_groups["refugees"].label == "Penaber"


def test_a_vocabulary_term_without_a_translation_shows_its_german_name(app):
    from directory.extensions import db
    from directory.models import Category

    db.session.add(Category(code="neu", name_de="Ganz neue Angebotsart", name_en="", position=99))
    db.session.flush()
    assert vocabulary.load("ar").categories["neu"].label == "Ganz neue Angebotsart"
    db.session.rollback()


def test_search_facets_and_errors_in_the_interface_language(client):
    html = client.get("/uk/?district=nirgendwo").get_data(as_text=True)
    assert "Невідомий район: nirgendwo" in html
    html = client.get("/tr/").get_data(as_text=True)
    assert "Hizmette konuşulan dil" in html  # the language facet's title


# --- dates and times ------------------------------------------------------------------------------

def test_dates_and_weekdays_are_formatted_for_the_locale(client):
    import datetime as dt

    from babel.dates import format_date

    from tests.factories import make_offer, slot

    offer = make_offer(last_confirmed=dt.date(2026, 10, 15), schedules=[slot("tue", "09:30", "11:30")])
    from directory.extensions import db

    db.session.commit()
    html = client.get(f"/ar/angebote/{offer.id}").get_data(as_text=True)
    assert format_date(dt.date(2026, 10, 15), locale="ar") in html
    assert "الثلاثاء" in html and "9:30 ص" in html
    html = client.get(f"/ru/angebote/{offer.id}").get_data(as_text=True)
    assert "вторник" in html and format_date(dt.date(2026, 10, 15), locale="ru") in html
