"""The seed data: taxonomy, districts, demo offers; `flask seed` is idempotent."""
from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from sqlalchemy import func, select

from directory.extensions import db
from directory.models import (
    Challenge,
    District,
    FieldOfAction,
    Location,
    Offer,
    Organization,
    offer_challenge,
    offer_location,
)
from directory.seeding import loader as seeding

DISTRICTS = {
    "Bärenkämpen", "Bölhorst", "Dankersen", "Dützen", "Haddenhausen", "Häverstädt", "Hahlen",
    "Innenstadt", "Königstor", "Kutenhausen", "Leteln/Aminghausen", "Meißen", "Minderheide",
    "Nordstadt", "Päpinghausen", "Rechtes Weserufer", "Rodenbeck", "Stemmer", "Todtenhausen",
}


def test_taxonomy_has_4_fields_and_18_challenges_with_measures(app):
    assert db.session.scalar(select(func.count()).select_from(FieldOfAction)) == 4
    challenges = list(db.session.scalars(select(Challenge)))
    assert len(challenges) == 18
    assert all(c.measures and c.title_de and c.title_en for c in challenges)


def test_the_19_districts_are_labelled_approximate(app):
    districts = list(db.session.scalars(select(District)))
    assert {d.name for d in districts} == DISTRICTS
    assert all(d.boundary_approximate and d.boundary_geojson for d in districts)


def test_demo_set_size_and_coverage(demo_app):
    s = db.session
    assert s.scalar(select(func.count()).select_from(Offer)) >= 60
    assert s.scalar(select(func.count()).select_from(Organization).where(Organization.is_demo)) >= 20
    covered = set(s.scalars(select(offer_challenge.c.challenge_code).distinct()))
    assert covered == set(s.scalars(select(Challenge.code)))
    with_offers = set(s.scalars(
        select(Location.district_code).join(offer_location, offer_location.c.location_id == Location.id).distinct()
    ))
    assert with_offers == set(s.scalars(select(District.code)))


def test_seed_twice_changes_nothing(app):
    seeding.load_demo()
    db.session.commit()
    before = db.session.execute(select(Offer.id, Offer.updated_at, Offer.search_text).order_by(Offer.id)).all()
    counts = [db.session.scalar(select(func.count()).select_from(t)) for t in (Offer, Location, Organization)]
    seeding.load_reference_data()
    seeding.load_demo()
    assert not db.session.dirty and not db.session.new
    db.session.commit()
    after = db.session.execute(select(Offer.id, Offer.updated_at, Offer.search_text).order_by(Offer.id)).all()
    assert after == before
    assert [db.session.scalar(select(func.count()).select_from(t)) for t in (Offer, Location, Organization)] == counts


def test_seed_cli_runs_twice(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed"])
    second = runner.invoke(args=["seed"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert "offers" in second.output


def test_demo_data_is_marked_in_the_ui(demo_client):
    html = demo_client.get("/").get_data(as_text=True)
    assert "Demo-Daten" in html


def test_arabic_offers_for_women_in_baerenkaempen(demo_client, demo_app):
    html = demo_client.get("/?language=ar&target=women_girls&district=baerenkaempen").get_data(as_text=True)
    expected = db.session.scalars(
        select(Offer.title)
        .where(Offer.languages.any(code="ar"), Offer.target_groups.any(code="women_girls"),
               Offer.locations.any(Location.district_code == "baerenkaempen"), Offer.status == "published")
    ).all()
    assert len(expected) >= 2
    from markupsafe import escape
    for title in expected:
        assert str(escape(title)) in html
    assert f'data-total="{len(expected)}"' in html


def _facet_links(html: str):
    import re
    for m in re.finditer(r'name="(\w+)" value="([^"]+)"\s+id="f-[^"]+"\s*(checked)?\s*(disabled)?>\s*'
                         r'<label[^>]*>.*?<span class="count" data-count="(\d+)"', html, re.S):
        yield m.group(1), m.group(2), bool(m.group(3)), int(m.group(5))


@pytest.mark.parametrize("start", ["", "language=ar", "district=innenstadt&free=1", "q=sport"])
def test_every_facet_count_equals_the_results_of_clicking_it(demo_client, start):
    html = demo_client.get("/?" + start).get_data(as_text=True)
    checked = 0
    for param, value, selected, count in _facet_links(html):
        if selected or any(k == param for k, _ in parse_qsl(start)):
            continue
        url = "/?" + "&".join(filter(None, [start, f"{param}={value}"]))
        page = demo_client.get(url).get_data(as_text=True)
        assert f'data-total="{count}"' in page, (url, count)
        checked += 1
    assert checked > 30
