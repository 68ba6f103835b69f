"""The city dashboard's numbers, compared with plain queries on the demo data; the demand log."""
from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from directory.dashboard import figures as dashboard
from directory.extensions import db
from directory.models import Location, Offer, SearchDemand, record_demand
from tests.factories import make_offer, make_org


def visible_offers(today: dt.date) -> list[Offer]:
    """Every published, unexpired offer, loaded the simple way (no GROUP BY)."""
    offers = db.session.scalars(
        select(Offer).options(selectinload(Offer.challenges), selectinload(Offer.languages),
                              selectinload(Offer.target_groups),
                              selectinload(Offer.locations).selectinload(Location.district))
    ).all()
    return [o for o in offers if o.status == "published" and (o.valid_to is None or o.valid_to >= today)]


def fresh(o: Offer, f: dashboard.Filters) -> bool:
    return o.last_confirmed is not None and o.last_confirmed >= f.fresh_since


@pytest.mark.parametrize("language, target", [(None, None), ("ar", None), (None, "women_girls"), ("uk", "families")])
def test_coverage_matrix_equals_counting_offer_by_offer(demo_app, language, target):
    f = dashboard.Filters(language=language, target=target)
    expected: dict[tuple[str, str], list[int]] = {}
    for o in visible_offers(f.today):
        if language and language not in {lang.code for lang in o.languages}:
            continue
        if target and target not in {t.code for t in o.target_groups}:
            continue
        districts = {loc.district_code for loc in o.locations if loc.district_code}
        for c in o.challenges:
            for d in districts:
                cell = expected.setdefault((c.code, d), [0, 0])
                cell[0] += 1
                cell[1] += fresh(o, f)
    got = {k: [v.published, v.fresh] for k, v in dashboard.coverage(f).items()}
    assert got == expected
    if language is None and target is None:
        assert len(got) > 30  # the demo data covers many cells …
        assert len(got) < 18 * 19  # … but not all: the matrix has gaps to show


def test_category_counts_equal_a_plain_count(demo_app):
    f = dashboard.Filters()
    offers = visible_offers(f.today)
    expected = Counter(o.category_code for o in offers)
    got = dashboard.per_category(f)
    assert {k: v.published for k, v in got.items()} == dict(expected)
    assert {k: v.fresh for k, v in got.items()} == dict(Counter(o.category_code for o in offers if fresh(o, f)))


def test_challenge_totals_count_each_offer_once(demo_app):
    f = dashboard.Filters()
    expected = Counter(c.code for o in visible_offers(f.today) for c in o.challenges)
    assert {k: v.published for k, v in dashboard.coverage_totals(f).items()} == dict(expected)


def test_stale_offers_are_the_unconfirmed_and_the_old(demo_app):
    f = dashboard.Filters(stale_days=30)
    expected = {o.id for o in visible_offers(f.today) if not fresh(o, f)}
    got = dashboard.stale_offers(f)
    assert {s.id for s in got} == expected
    # never confirmed first, then the oldest confirmation
    dates = [s.last_confirmed for s in got if s.last_confirmed]
    assert dates == sorted(dates)


def test_languages_offered_and_asked(app):
    make_offer(languages=["de", "ar"])
    make_offer(languages=["de"])
    make_offer(languages=["uk"], status="draft")
    record_demand("language", ["ar", "ti"])
    record_demand("language", ["ti"])
    record_demand("language", ["ps"], day=dt.date.today() - dt.timedelta(days=400))  # outside the period
    db.session.commit()
    rows = dashboard.languages(dashboard.Filters(), since=dt.date.today() - dt.timedelta(days=90))
    got = {c: (r.offered, r.asked) for c, r in rows.items()}
    assert got == {"de": (2, 0), "ar": (1, 1), "ti": (0, 2)}


def test_record_demand_counts_without_personal_data(app):
    today = dt.date.today()
    record_demand("language", ["ar", "ar", "fa", ""])
    record_demand("language", ["ar"])
    record_demand("district", ["baerenkaempen"])
    db.session.commit()
    rows = {(r.kind, r.code): r.count for r in db.session.scalars(select(SearchDemand))}
    assert rows == {("language", "ar"): 2, ("language", "fa"): 1, ("district", "baerenkaempen"): 1}
    assert {c.name for c in SearchDemand.__table__.columns} == {"id", "day", "kind", "code", "count"}
    assert db.session.scalar(select(func.min(SearchDemand.day))) == today
    with pytest.raises(ValueError):
        record_demand("query_text", ["Frau Müller sucht …"])


def test_referral_outcomes_per_offer(app, login_as):
    from directory.models import Referral, ReferralOffer

    org = make_org(name="Beratung e. V.")
    a, b = make_offer(organization=org, title="A"), make_offer(organization=org, title="B")
    db.session.commit()
    for offer, status in ((a, "completed"), (a, "completed"), (a, "declined"), (b, "sent")):
        referral = Referral(code=None)
        referral.items.append(ReferralOffer(offer_id=offer.id, status=status))
        db.session.add(referral)
    db.session.commit()
    statuses, rows = dashboard.referral_outcomes()
    assert "completed" in statuses
    by_title = {r.title: r for r in rows}
    assert by_title["A"].counts["completed"] == 2 and by_title["A"].counts["declined"] == 1
    assert by_title["A"].total == 3 and by_title["B"].total == 1
    assert [r.title for r in rows] == ["A", "B"]


# --- the page -------------------------------------------------------------------------------

def _moderator(demo_app, login_as):
    return login_as("moderator")


@pytest.fixture
def staff_client(app, client, login_as):
    login_as("moderator")
    return client


def test_only_moderators_and_admins_see_the_dashboard(app, client, login_as):
    assert client.get("/auswertung/").status_code == 302  # to the login page
    assert client.get("/auswertung/coverage.csv", headers={"Accept": "application/json"}).status_code == 401
    login_as("provider")
    assert client.get("/auswertung/").status_code == 403
    login_as("counsellor")
    assert client.get("/auswertung/stale.csv").status_code == 403
    login_as("admin")
    assert client.get("/auswertung/").status_code == 200


def test_page_shows_matrix_map_charts_tables_and_csv_links(staff_client):
    make_offer(challenges=["Z1"], languages=["de", "ar"])
    db.session.commit()
    html = staff_client.get("/auswertung/?challenge=Z1").get_data(as_text=True)
    assert 'data-cell="Z1-baerenkaempen">1 <small>(1)</small>' in html
    assert 'class="num cov--empty" data-cell="Z2-baerenkaempen"' in html
    assert html.count('<svg') >= 3 and 'role="img"' in html
    assert 'data-district="baerenkaempen" data-count="1"' in html
    for name in ("coverage", "map", "categories", "languages", "stale", "outcomes"):
        assert f"/auswertung/{name}.csv" in html, name


def test_csv_downloads_carry_the_same_numbers(staff_client):
    import csv
    import io

    make_offer(challenges=["Z1"], languages=["ar"], category_code="sport")
    make_offer(challenges=["Z1"], languages=["de"], category_code="sport", last_confirmed=None)
    db.session.commit()
    rows = list(csv.reader(io.StringIO(staff_client.get("/auswertung/categories.csv").get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    sport = next(r for r in rows if r[0] == "Sportgruppe")
    assert sport[1:] == ["2", "1"]
    ar = list(csv.reader(io.StringIO(staff_client.get("/auswertung/map.csv?challenge=Z1&language=ar").get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert next(r for r in ar if r[0] == "Bärenkämpen")[1:] == ["1", "1"]
    response = staff_client.get("/auswertung/stale.csv")
    assert response.mimetype == "text/csv" and "no-store" in response.headers["Cache-Control"]


def test_dashboard_csvs_open_in_german_excel_and_carry_no_formula(staff_client):
    import csv
    import io

    make_offer(title='=HYPERLINK("http://evil.example","x")', organization=make_org(name="+Verein"),
               last_confirmed=None)
    db.session.commit()
    body = staff_client.get("/auswertung/stale.csv").get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    text = body.decode("utf-8").removeprefix("\ufeff")
    assert text.split("\r\n", 1)[0].count(";") == 3  # four columns, semicolon-separated
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    row = next(r for r in rows if "evil.example" in r[0])
    assert row[0] == '\'=HYPERLINK("http://evil.example","x")' and row[1] == "'+Verein"


@pytest.mark.parametrize("query, field", [("language=xx", "language"), ("target=aliens", "target"),
                                          ("challenge=Q9", "challenge"), ("days=7", "days")])
def test_bad_filters_are_400(staff_client, query, field):
    response = staff_client.get("/auswertung/?" + query, headers={"Accept": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"]["field"] == field
    assert staff_client.get("/auswertung/?" + query).status_code == 400


def test_demand_shows_up_next_to_the_offer(staff_client):
    make_offer(languages=["de", "ar"])
    record_demand("language", ["ar", "ti"])
    db.session.commit()
    html = staff_client.get("/auswertung/").get_data(as_text=True)
    table = html.split('id="languages-table"', 1)[1].split("</table>", 1)[0]
    assert "<td>ti</td>" in table and "<td>ar</td>" in table


def test_moderators_reach_the_dashboard_from_their_navigation(staff_client):
    html = staff_client.get("/moderation/").get_data(as_text=True)
    nav = html.split('class="subnav"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/auswertung/"' in nav
    page = staff_client.get("/auswertung/").get_data(as_text=True)
    assert 'href="/auswertung/" aria-current="page"' in page  # and the way back to moderation


def test_coverage_matrix_names_the_challenges(staff_client):
    from directory.offers import vocabulary

    vocab = vocabulary.load("de")
    html = staff_client.get("/auswertung/").get_data(as_text=True)
    head = html.split('id="coverage"', 1)[1].split("</thead>", 1)[0]
    for code, challenge in vocab.challenges.items():
        assert f'data-challenge="{code}">{challenge.label}</th>' in head
        assert f">{code}<" not in head
    header = staff_client.get("/auswertung/coverage.csv").get_data(as_text=True).split("\r\n", 1)[0]
    first = next(iter(vocab.challenges.values()))
    assert f"{first.label}: veröffentlicht" in header and ";Z1 " not in header


def test_referral_outcomes_are_labelled_in_the_interface_language(staff_client):
    from directory.models import Referral, ReferralOffer

    offer = make_offer(title="Vermitteltes Angebot")
    db.session.commit()
    for status in ("sent", "completed", "no_capacity"):
        referral = Referral(code=None)
        referral.items.append(ReferralOffer(offer_id=offer.id, status=status))
        db.session.add(referral)
    db.session.commit()
    html = staff_client.get("/auswertung/").get_data(as_text=True)
    table = html.split('id="outcomes-table"', 1)[1].split("</thead>", 1)[0]
    assert ">vermittelt<" in table and ">kein Platz frei<" in table and ">no_capacity<" not in table
    header = staff_client.get("/auswertung/outcomes.csv").get_data(as_text=True).split("\r\n", 1)[0]
    assert "vermittelt" in header and "kein Platz frei" in header and "no_capacity" not in header
    english = staff_client.get("/en/auswertung/outcomes.csv").get_data(as_text=True).split("\r\n", 1)[0]
    assert "referred" in english and "vermittelt" not in english
