"""Search behaviour on hand-built offers: filters, facets, full text, distance, bad input."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from werkzeug.datastructures import MultiDict

from directory.extensions import db
from directory.models import WEEKDAYS
from directory.offers import vocabulary
from directory.search import engine as search
from directory.search import map_points
from tests.factories import make_location, make_offer, make_org, slot


def run(app, **params):
    args = MultiDict()
    for key, value in params.items():
        for v in value if isinstance(value, list) else [value]:
            args.add(key, v)
    vocab = vocabulary.load("de")
    query = search.parse(args, vocab, None)
    return search.run(query, vocab, lambda p, v: "")


def titles(result):
    return sorted(o.title for o in result.offers)


def facet(result, param):
    return {v.value: v.count for f in result.facets if f.param == param for v in f.values}


@pytest.fixture
def sample(app):
    baer = make_location(name="Bürgerzentrum", district_code="baerenkaempen", lat=52.303, lon=8.905)
    inn = make_location(name="Rathaus", district_code="innenstadt", lat=52.289, lon=8.917)
    make_offer(title="Mädchensport", locations=[baer], languages=["de", "ar"],
               target_groups=["women_girls", "youth"], category_code="sport", challenges=["Z3"],
               schedules=[slot("tue", "16:00", "18:00")])
    make_offer(title="Frauencafé", locations=[inn], languages=["ar", "fa"],
               target_groups=["women_girls"], category_code="meeting", challenges=["Z2"],
               schedules=[slot("wed", "09:00", "11:00")])
    make_offer(title="Fit für die Wohnung", locations=[baer, inn], languages=["fa"],
               target_groups=["refugees", "families"], category_code="housing",
               challenges=["B4", "W1"], is_free=True,
               description="Mülltrennung, Treppenhaus und Nachbarschaft verstehen.",
               schedules=[slot("tue", "09:30", "11:30"), slot("thu", "18:00", "20:00")])
    make_offer(title="Mietführerschein", locations=[inn], languages=["de"], is_free=False,
               cost="30 €", target_groups=["all"], category_code="course", challenges=["W1"])
    db.session.commit()


def test_no_filters_lists_every_published_offer(app, sample):
    assert run(app).total == 4


def test_district_filter_uses_the_offer_locations(app, sample):
    assert titles(run(app, district="baerenkaempen")) == ["Fit für die Wohnung", "Mädchensport"]


def test_values_of_one_facet_combine_with_or(app, sample):
    assert run(app, language=["ar", "fa"]).total == 3


def test_facets_combine_with_and(app, sample):
    result = run(app, language="ar", target="women_girls", district="baerenkaempen")
    assert titles(result) == ["Mädchensport"]


def test_facet_counts_apply_the_other_filters_but_not_their_own(app, sample):
    result = run(app, language="ar")
    # district counts: among Arabic-speaking offers
    assert facet(result, "district") == {**{d: 0 for d in facet(result, "district")},
                                          "baerenkaempen": 1, "innenstadt": 1}
    # language counts ignore the language filter itself
    assert facet(result, "language")["fa"] == 2
    assert facet(result, "language")["de"] == 2


def test_every_facet_count_equals_the_result_of_selecting_it(app, sample):
    base = run(app, target="women_girls")
    for f in base.facets:
        if f.param == "target":
            continue
        for v in f.values:
            assert run(app, target="women_girls", **{f.param: v.value}).total == v.count, (f.param, v.value)


def test_category_and_free_facets(app, sample):
    result = run(app, free="1")
    assert result.total == 3
    assert facet(result, "category")["course"] == 0
    assert facet(run(app), "free") == {"1": 3}


def test_weekday_and_time_of_day_refer_to_the_same_slot(app, sample):
    assert titles(run(app, day="tue", time="morning")) == ["Fit für die Wohnung"]
    assert titles(run(app, day="tue", time="afternoon")) == ["Mädchensport"]
    assert run(app, day="wed", time="evening").total == 0
    assert facet(run(app, time="evening"), "day")["thu"] == 1


def test_past_one_off_dates_do_not_count_for_weekdays(app):
    past = dt.date.today() - dt.timedelta(days=7)
    make_offer(title="Vorbei", schedules=[slot("mon", "10:00", "12:00", date=past)])
    db.session.commit()
    assert run(app, day=WEEKDAYS[past.weekday()]).total == 0


@pytest.mark.parametrize("text,expected", [
    ("wohnung", ["Fit für die Wohnung"]),
    ("WOHN", ["Fit für die Wohnung"]),                    # prefix, any case
    ("Wohnungen", ["Fit für die Wohnung"]),               # stemmed
    ("treppenhaus", ["Fit für die Wohnung"]),             # description
    ("TREPPENHÄUSER", ["Fit für die Wohnung"]),
    ("mädchensport", ["Mädchensport"]),
    ("maedchensport", ["Mädchensport"]),                  # ae for ä
    ("Madchensport", ["Mädchensport"]),                   # accent left out
    ("Mädchenspott", ["Mädchensport"]),                   # a typo in a long word
    ("Mülltrenung", ["Fit für die Wohnung"]),             # typo
    ("sport", ["Mädchensport"]),                          # a part of a compound
    ("\"; DROP TABLE offer; --", []),                   # operators are just words
    ("xylophon", []),                                     # a word no offer has
])
def test_free_text_uses_the_database_index(app, sample, text, expected):
    assert titles(run(app, q=text, literal="1")) == expected


def test_more_of_the_words_rank_higher_but_not_all_are_required(app, sample):
    result = run(app, q="Mädchen Sport Treppenhaus", literal="1")
    assert [o.title for o in result.offers] == ["Mädchensport", "Fit für die Wohnung"]


def test_words_that_name_a_vocabulary_value_count_as_that_value(app, sample):
    # "Frauen" names the target group "Frauen und Mädchen", in any interface language
    for q in ("Frauen", "women", "жінки", "نساء"):
        assert titles(run(app, q=q)) == ["Frauencafé", "Mädchensport"], q
    # literally, only the text counts ("Frauencafé" has the word as a compound part)
    assert titles(run(app, q="Frauen", literal="1")) == ["Frauencafé"]
    # "Fußball Mädchen": the sport offer for girls first
    assert run(app, q="Fußball Mädchen").offers[0].title == "Mädchensport"


def test_a_corrected_word_is_suggested(app, sample):
    args = MultiDict({"q": "Treppenhauz wohnung"})
    query = search.parse(args, vocabulary.load("de"), None)
    assert search.corrected_query(query) == "Treppenhaus wohnung"
    assert search.corrected_query(search.parse(MultiDict({"q": "wohnung"}), vocabulary.load("de"), None)) is None


def test_free_text_finds_the_provider_name(app):
    org = make_org(name="Stadtsportverband")
    make_offer(title="Lauftreff", organization=org)
    db.session.commit()
    assert titles(run(app, q="stadtsportverband", literal="1")) == ["Lauftreff"]


def test_free_text_ranks_title_matches_first(app):
    make_offer(title="Kochkurs", description="Wir sprechen über Sprache beim Kochen.")
    make_offer(title="Sprachcafé", description="Treffen")
    db.session.commit()
    assert [o.title for o in run(app, q="sprach", literal="1").offers] == ["Sprachcafé", "Kochkurs"]


def test_distance_filter_and_sort(app, sample):
    near = "52.303,8.905"  # the Bürgerzentrum in Bärenkämpen
    result = run(app, near=near, radius="1")
    assert titles(result) == ["Fit für die Wohnung", "Mädchensport"]
    by_distance = run(app, near=near, sort="distance")
    assert [o.title for o in by_distance.offers][-2:] in (["Frauencafé", "Mietführerschein"],
                                                          ["Mietführerschein", "Frauencafé"])
    counts = facet(run(app, near=near), "radius")
    assert counts["1"] == 2 and counts["5"] == 4


def test_unpublished_and_expired_offers_are_hidden(app):
    make_offer(title="Entwurf", status="draft")
    make_offer(title="Archiv", status="archived")
    make_offer(title="Abgelaufen", valid_to=dt.date.today() - dt.timedelta(days=1))
    make_offer(title="Sichtbar")
    db.session.commit()
    result = run(app)
    assert titles(result) == ["Sichtbar"]
    assert sum(v.count for v in result.facets[0].values) == 1


def test_map_points_cover_the_whole_result_set_not_just_the_page(app):
    for i in range(25):
        make_offer(title=f"Angebot {i:02d}")
    db.session.commit()
    result = run(app)
    assert len(result.offers) == 20 and result.total == 25
    points = map_points.map_points(result.query, 12, None, 300).points
    assert len({p["offer_id"] for p in points}) == 25


def test_pagination(app):
    for i in range(23):
        make_offer(title=f"Angebot {i:02d}")
    db.session.commit()
    assert len(run(app, page="2").offers) == 3
    assert run(app, page="3").offers == []


# --- through HTTP --------------------------------------------------------------------------

def test_search_page_renders_list_facets_and_map(client, sample):
    page = client.get("/?language=ar&target=women_girls&district=baerenkaempen")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-total="1"' in html
    assert "Mädchensport" in html and "Frauencafé" not in html
    # the map loads the same search's points from the GeoJSON endpoint
    assert 'data-points-url="/karte/punkte.geojson?language=ar&amp;target=women_girls&amp;district=baerenkaempen"' in html
    # the facet form works without JavaScript: a GET form with checkboxes and a submit button
    assert re.search(r'<form id="search-form"[^>]*method="get"', html)
    assert 'name="district" value="baerenkaempen"' in html and "checked" in html


def test_detail_page_shows_schedule_in_words_and_challenges(client, sample):
    from directory.models import Offer
    offer = db.session.scalar(db.select(Offer).where(Offer.title == "Fit für die Wohnung"))
    html = client.get(f"/angebote/{offer.id}").get_data(as_text=True)
    assert "Jeden Dienstag, 09:30–11:30 Uhr" in html
    assert "Regeln des Zusammenlebens vermitteln" in html
    assert "Bürgerzentrum" in html and "Rathaus" in html


def test_detail_page_of_a_draft_is_404(client):
    offer = make_offer(title="Geheim", status="draft")
    db.session.commit()
    assert client.get(f"/angebote/{offer.id}").status_code == 404


def test_provider_text_is_escaped_everywhere(client):
    evil = '<script>alert(1)</script>"\'><img src=x onerror=alert(2)>'
    org = make_org(name=evil)
    offer = make_offer(title=evil, summary=evil, organization=org)
    db.session.commit()
    for url in ("/", f"/angebote/{offer.id}"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in html
        assert "<img src=x" not in html


@pytest.mark.parametrize("query,param", [
    ("district=atlantis", "district"),
    ("language=xx", "language"),
    ("target=aliens", "target"),
    ("challenge=Q9", "challenge"),
    ("category=spaceflight", "category"),
    ("free=yes", "free"),
    ("day=someday", "day"),
    ("time=midnight", "time"),
    ("near=52.3,abc", "near"),
    ("near=999,999", "near"),
    ("near=Nirgendwostra%C3%9Fe+123+Atlantis", "near"),
    ("near=52.3,8.9&radius=-1", "radius"),
    ("near=52.3,8.9&radius=nan", "radius"),
    ("radius=5", "radius"),
    ("page=-1", "page"),
    ("page=0", "page"),
    ("page=abc", "page"),
    ("page=99999999999999999999", "page"),
    ("sort=random", "sort"),
    ("sort=distance", "sort"),
    ("q=a&q=b", "q"),
    ("q=" + "x" * 10_000, "q"),
    ("district=" + "x" * 10_000, "district"),
])
def test_bad_parameters_give_a_clear_400(client, query, param):
    response = client.get("/?" + query)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'data-param="{param}"' in html
    assert "Bitte prüfen Sie Ihre Eingaben" in html
    assert "x" * 300 not in html  # long input is not echoed back whole


def test_bad_parameters_answer_json_callers_with_json(client):
    response = client.get("/angebote/abc", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == 404


def test_address_search_uses_the_offline_gazetteer(client, sample):
    html = client.get("/?near=Sieben+Bauern+20A&radius=2").get_data(as_text=True)
    assert "Mädchensport" in html


# --- forgiving text, understanding and places on the page and in the API ------------------

def test_page_suggests_the_corrected_spelling(client, sample):
    html = client.get("/?q=Treppenhauz").get_data(as_text=True)
    assert 'data-total="1"' in html
    assert re.search(r'Meinten Sie: <a href="[^"]*q=Treppenhaus"[^>]*>Treppenhaus</a>', html)


def test_page_says_how_it_understood_the_words_and_offers_them_literally(client, sample):
    html = client.get("/?q=Mädchen").get_data(as_text=True)
    assert re.search(r"Verstanden als:\s*<strong>Frauen und Mädchen</strong>", html)
    literal = re.search(r'<a href="([^"]*literal=1[^"]*)">Nur nach den Wörtern suchen', html).group(1)
    literal_html = client.get(literal.replace("&amp;", "&")).get_data(as_text=True)
    assert "Verstanden als" not in literal_html and "Nur nach den Wörtern gesucht." in literal_html
    assert 'data-total="1"' in literal_html  # only the offer with the word: Mädchensport
    assert 'data-total="2"' in html          # also the Frauencafé (for women and girls)


def test_empty_result_names_only_the_filters_that_removed_results(client, sample):
    # Arabic + Bärenkämpen has a result; adding "course" removes it. Without the language
    # or the district there is still no course (the only one is German, in the Innenstadt).
    html = client.get("/?language=ar&district=baerenkaempen&category=course").get_data(as_text=True)
    assert 'data-total="0"' in html
    relax = re.findall(r'<a href="([^"]*)" data-relax>ohne ([^<]*)</a>', html)
    labels = [label for _url, label in relax]
    assert labels == ["Art des Angebots: Kurs"]
    url = dict((label, url) for url, label in relax)["Art des Angebots: Kurs"].replace("&amp;", "&")
    assert "category" not in url and "language=ar" in url
    assert 'data-total="1"' in client.get(url).get_data(as_text=True)


def test_empty_result_of_a_word_offers_the_search_without_it(client, sample):
    html = client.get("/?q=Xylophon&district=innenstadt").get_data(as_text=True)
    assert 'data-total="0"' in html
    assert re.search(r'data-relax>ohne Suchtext „Xylophon“</a> – 3 Angebote', html)


@pytest.mark.parametrize("near", ["32425", "Bahnhof", "Minden Hauptbahnhof", "ZOB", "Rathaus", "Besselgymnasium"])
def test_near_takes_postcodes_and_well_known_places(client, sample, near):
    response = client.get("/", query_string={"near": near})
    html = response.get_data(as_text=True)
    assert response.status_code == 200, near
    assert 'data-near-lat="52.' in html and 'data-near-lon="8.' in html
    # with a place the nearest offers come first, and each card says how far it is
    assert '<option value="distance" selected' in html
    assert html.count("km entfernt") == 4


def test_distance_is_the_default_order_with_a_place(app, sample):
    by_default = run(app, near="52.303,8.905")
    assert by_default.query.sort == "distance"
    assert [o.title for o in by_default.offers][:2] in (["Fit für die Wohnung", "Mädchensport"],
                                                        ["Mädchensport", "Fit für die Wohnung"])
    assert run(app, near="52.303,8.905", sort="relevance").query.sort == "relevance"


def test_api_shares_the_understanding_and_the_point(client, sample):
    body = client.get("/api/v1/offers?q=Frauen+Treppenhauz&near=Bahnhof").get_json()
    assert {"param": "target", "code": "women_girls", "label": "Frauen und Mädchen"} in body["meta"]["understood"]
    assert body["meta"]["suggestion"] == "Frauen Treppenhaus"
    assert body["meta"]["near"]["label"] == "Bahnhof" and body["meta"]["sort"] == "distance"
    assert {o["title"] for o in body["data"]} == {"Frauencafé", "Mädchensport", "Fit für die Wohnung"}
    assert client.get("/api/v1/offers?literal=maybe").status_code == 400


def test_every_result_card_says_when_where_cost_and_registration(demo_client):
    import re

    html = demo_client.get("/de/?per_page=20").get_data(as_text=True)
    cards = html.split('<article class="offer-card')[1:]
    assert len(cards) >= 10
    for card in cards:
        assert ("kostenlos" in card) or ("mit Kosten" in card)
        assert ("Anmeldung nötig" in card) or ("ohne Anmeldung" in card)
    timed = [c for c in cards if "offer-card__when" in c]
    assert len(timed) >= len(cards) // 2
    assert any(re.search(r"jeden (Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag) \d\d:\d\d", c)
               for c in timed)
    assert all("offer-card__where" in c for c in cards if "tag--district" in c)


def test_offer_page_links_each_place_to_map_app_route_and_journey_planner(demo_client, demo_app):
    from sqlalchemy import select

    from directory.extensions import db
    from directory.models import Location, Offer

    with demo_app.app_context():
        offer = db.session.scalars(select(Offer).join(Offer.locations).where(Location.lat.is_not(None))).first()
        offer_id, name = offer.id, offer.locations[0].name
    html = demo_client.get(f"/de/angebote/{offer_id}").get_data(as_text=True)
    assert 'href="geo:' in html
    assert "https://www.openstreetmap.org/directions?route=%3B" in html
    assert "westfalenfahrplan.de/nwl-efa/XSLT_TRIP_REQUEST2" in html and "name_destination=" in html
    assert f"Weg dorthin: {name}" in html


def test_simple_language_in_another_interface_language_says_when_it_is_german(demo_client):
    html = demo_client.get("/ar/?simple=1").get_data(as_text=True)
    cards = html.split('<article class="offer-card')[1:]
    plain_german = [c for c in cards if 'offer-card__summary offer-card__summary--plain" lang="de"' in c]
    assert plain_german, "demo data should have German simple-language texts"
    assert all("translation-note--german" in c for c in plain_german)
