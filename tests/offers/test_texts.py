"""Offer texts in the visitor's language, demo translations, pictograms, simple language."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from directory.config import ROOT
from directory.core import pictograms
from directory.extensions import db
from directory.models import Offer, OfferTranslation
from directory.offers import texts as offer_texts
from directory.seeding import loader as seeding
from directory.seeding.translations import load_demo_translations
from tests.factories import make_offer

SEEDS = ROOT / "seeds"


def translate(offer, lang, source="provider", **fields):
    offer.translations.append(OfferTranslation(language_code=lang, source=source, **fields))
    db.session.flush()


# --- choosing the text ------------------------------------------------------------------------

def test_provider_translation_per_field_german_otherwise(app):
    offer = make_offer(title="Sprachcafé", summary="Deutsch üben.", plain_summary="Sie üben Deutsch.")
    translate(offer, "uk", title="Мовне кафе", summary="")
    texts = offer_texts.texts_for(offer, "uk")
    assert (texts.title.value, texts.title.lang, texts.title.translated) == ("Мовне кафе", "uk", True)
    assert (texts.summary.value, texts.summary.lang) == ("Deutsch üben.", "de")
    assert texts.translated and not texts.german_only
    assert str(offer_texts.lang_attrs(texts.summary, "uk")) == ' lang="de" dir="ltr"'
    assert str(offer_texts.lang_attrs(texts.title, "uk")) == ""


def test_german_only_and_german_interface(app):
    offer = make_offer(title="Sprachcafé")
    translate(offer, "ar", title="مقهى اللغة")
    assert offer_texts.texts_for(offer, "fa").german_only
    de = offer_texts.texts_for(offer, "de")
    assert de.title.value == "Sprachcafé" and not de.translated and not de.german_only


def test_machine_suggestions_are_never_shown(app):
    offer = make_offer(title="Sprachcafé")
    translate(offer, "ar", source="machine", title="مقهى اللغة")
    assert offer_texts.texts_for(offer, "ar").title.value == "Sprachcafé"


def test_simple_mode_leads_with_the_plain_summary(app):
    offer = make_offer(summary="Offener Treff zum Deutsch-Üben.", plain_summary="Sie üben Deutsch.")
    texts = offer_texts.texts_for(offer, "de")
    assert texts.lead(simple=True).value == "Sie üben Deutsch."
    assert texts.lead(simple=False).value == "Offener Treff zum Deutsch-Üben."
    bare = offer_texts.texts_for(make_offer(summary="Nur kurz.", plain_summary=""), "de")
    assert bare.lead(simple=True).value == "Nur kurz."


# --- full text --------------------------------------------------------------------------------

def test_translations_are_part_of_the_full_text_document(app):
    offer = make_offer(title="Sprachcafé", summary="Deutsch üben.")
    translate(offer, "ar", title="مقهى اللغة", plain_summary="تعال وتحدث")
    db.session.commit()
    assert "مقهى اللغة" in offer.search_text and "تعال وتحدث" in offer.search_text
    offer.translations[0].summary = "قهوة وشاي"
    db.session.commit()
    assert "قهوة وشاي" in offer.search_text
    db.session.delete(offer.translations[0])
    db.session.commit()
    db.session.refresh(offer)
    assert "مقهى" not in offer.search_text and "Deutsch üben." in offer.search_text


@pytest.mark.parametrize(("lang", "query"), [("ar", "مقهى"), ("uk", "кав"), ("ru", "кафе")])
def test_search_finds_offers_by_translated_words(client, lang, query):
    offer = make_offer(title="Sprachcafé", summary="Deutsch üben.")
    translate(offer, "ar", title="مقهى اللغة")
    translate(offer, "uk", title="Кав'ярня мов")
    translate(offer, "ru", summary="Языковое кафе")
    # a sport offer: "café" also names the kind "Treffpunkt und Café", which this one is not
    make_offer(title="Fußball", summary="Training.", category_code="sport")
    db.session.commit()
    html = client.get(f"/{lang}/?q={query}").get_data(as_text=True)
    assert re.search(r'data-total="1"', html), html[:200]


def test_deleting_an_offer_deletes_its_translations(app):
    offer = make_offer()
    translate(offer, "en", title="Language café")
    db.session.commit()
    db.session.delete(offer)
    db.session.commit()
    assert db.session.scalar(select(OfferTranslation)) is None


# --- pages ------------------------------------------------------------------------------------

def test_list_and_offer_page_show_translation_marker_and_lang_attributes(client):
    offer = make_offer(title="Sprachcafé", summary="Deutsch üben.", description="Jeden Dienstag.")
    translate(offer, "en", title="Language café", summary="Practise German.")
    other = make_offer(title="Fußballtreff", summary="Kicken im Park.")
    db.session.commit()
    html = client.get("/en/").get_data(as_text=True)
    card = html.split(f'data-offer-id="{offer.id}"', 1)[1].split("</article>", 1)[0]
    assert ">Language café</a>" in card and "Practise German." in card and "translated by the provider" in card
    card = html.split(f'data-offer-id="{other.id}"', 1)[1].split("</article>", 1)[0]
    assert 'lang="de" dir="ltr">Fußballtreff</a>' in card and "text in German only" in card
    page = client.get(f"/en/angebote/{offer.id}").get_data(as_text=True)
    assert "<h1>Language café</h1>" in page and 'href="/de/angebote/' in page  # link to the original
    assert '<div lang="de" dir="ltr"><p>Jeden Dienstag.</p></div>' in page
    page = client.get(f"/en/angebote/{other.id}").get_data(as_text=True)
    assert "This offer is described in German only." in page


def test_simple_language_switch_is_remembered_and_can_be_switched_off(client):
    offer = make_offer(summary="Offener Treff zum Deutsch-Üben.", plain_summary="Sie üben Deutsch.")
    db.session.commit()
    html = client.get("/de/?simple=1").get_data(as_text=True)
    assert 'class="simple-language"' in html and "Hier finden Sie Hilfe und Treffpunkte in Minden." in html
    assert 'offer-card__summary offer-card__summary--plain">Sie üben Deutsch.' in html
    assert len(re.findall(r'class="category-tiles"', html)) == 1
    page = client.get(f"/de/angebote/{offer.id}").get_data(as_text=True)  # cookie keeps it on
    assert "Kurz und einfach" in page and "Muss ich mich anmelden?" in page
    html = client.get("/de/?simple=0").get_data(as_text=True)
    assert 'class="simple-language"' not in html and "Offener Treff zum Deutsch-Üben." in html
    assert "Kurz und einfach" not in client.get(f"/de/angebote/{offer.id}").get_data(as_text=True)


def test_language_facet_explains_itself_and_names_languages_in_their_script(client):
    make_offer(languages=["de", "ar"])
    db.session.commit()
    html = client.get("/de/").get_data(as_text=True)
    assert 'aria-describedby="facet-language-hint"' in html
    assert "Welche Sprache spricht man beim Angebot?" in html
    assert 'Arabisch <span class="facet__native" lang="ar">العربية</span>' in html


# --- pictograms -------------------------------------------------------------------------------

def vocab_codes():
    vocabularies = yaml.safe_load((SEEDS / "vocabularies.yaml").read_text(encoding="utf-8"))
    challenges = yaml.safe_load((SEEDS / "challenges.yaml").read_text(encoding="utf-8"))
    return ([("category", c["code"]) for c in vocabularies["categories"]]
            + [("field", f["code"]) for f in challenges["fields"]])


@pytest.mark.parametrize(("kind", "code"), vocab_codes())
def test_every_category_and_field_has_its_own_pictogram(kind, code):
    name = pictograms.filename(kind, code)
    assert name == f"img/pictograms/{kind}-{code}.svg"
    svg = ET.parse(pictograms.DIRECTORY / Path(name).name).getroot()
    assert svg.get("viewBox") == "0 0 24 24"
    ns = {"svg": "http://www.w3.org/2000/svg"}
    assert svg.find("svg:title", ns).text.strip()
    assert not svg.findall(".//svg:script", ns) and "href" not in ET.tostring(svg, encoding="unicode")


def test_unknown_term_gets_the_neutral_pictogram():
    assert pictograms.filename("category", "gibt-es-nicht") == "img/pictograms/generic.svg"
    with pytest.raises(ValueError):
        pictograms.filename("nonsense", "x")


def test_pictograms_in_list_facets_and_map_markers(client):
    make_offer(category_code="sport", title="Fußball")
    db.session.commit()
    html = client.get("/ar/").get_data(as_text=True)
    assert 'class="offer-card__pictogram" src="/ar/static/img/pictograms/category-sport.svg" alt=""' in html
    assert re.search(r'<img class="pictogram" src="[^"]*/category-sport.svg" alt="" width="24" height="24"> مجموعة رياضية', html)
    assert re.search(r'src="[^"]*/field-bildung.svg" alt="" width="20" height="20"[^>]*> التعليم', html)
    point = client.get("/ar/karte/punkte.geojson").get_json()["features"][0]["properties"]
    assert point["icon"].endswith("/img/pictograms/category-sport.svg") and point["category"] == "مجموعة رياضية"


# --- demo translations -------------------------------------------------------------------------

def test_demo_translations_are_loaded_for_a_dozen_offers(demo_app):
    rows = db.session.execute(select(OfferTranslation.language_code, Offer.external_id)
                              .join(Offer, Offer.id == OfferTranslation.offer_id)).all()
    offers = {ext for _, ext in rows}
    languages = {lang for lang, _ in rows}
    assert len(offers) >= 10 and {"ar", "uk", "en", "fa"} <= languages


def test_loading_the_demo_translations_twice_changes_nothing(demo_app):
    load_demo_translations()
    assert not db.session.dirty and not db.session.new
    db.session.rollback()


def test_bad_demo_translation_files_are_refused(app):
    offer = make_offer(external_id="demo:x")
    db.session.flush()
    with pytest.raises(seeding.SeedError, match="unknown language"):
        load_demo_translations({"offers": {"x": {"xx": {"title": "?"}}}})
    with pytest.raises(seeding.SeedError, match="unknown fields"):
        load_demo_translations({"offers": {"x": {"ar": {"titel": "?"}}}})
    assert load_demo_translations({"offers": {"not-loaded": {"ar": {"title": "?"}}}}) == 0
    assert offer.translations == []
    db.session.rollback()
