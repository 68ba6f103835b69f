"""Counsellor pages: the situation form, results, referrals, the sheet, and who sees what."""
from __future__ import annotations

import re
import types

import pytest
from sqlalchemy import func, select

from directory.core import i18n, links
from directory.extensions import db
from directory.models import OfferTranslation, Referral, ReferralOffer
from directory.referrals import sheet as referral_sheet
from tests.conftest import csrf_token
from tests.factories import make_location, make_offer, make_org, slot

MATCH = "/beratung/"


@pytest.fixture
def world(app):
    """Two counselling organisations, two providers with offers near Bärenkämpen."""
    counselling_a = make_org(name="Migrationsberatung A")
    counselling_b = make_org(name="Jugendmigrationsdienst B")
    provider_p = make_org(name="Familienzentrum P", email="p@example.org", phone="0571 1")
    provider_q = make_org(name="Sportverein Q")
    near = make_location(name="Begegnungszentrum", lat=52.3005, lon=8.9335, wheelchair_accessible=True)
    far = make_location(name="Hahlen", lat=52.31, lon=8.86, district_code=None)
    course = make_offer(organization=provider_p, title="Fit für die Wohnung", category_code="housing",
                        challenges=["B4", "W1"], languages=["de", "ar", "fa"], childcare=True,
                        target_groups=["refugees", "families", "women_girls"], locations=[near],
                        schedules=[slot("tue", "09:30", "11:30")], contact_phone="0571 000 1001")
    evening = make_offer(organization=provider_p, title="Mietkurs am Abend", category_code="course",
                         challenges=["B4"], languages=["de"], is_free=False, cost="49 €", locations=[near],
                         schedules=[slot("wed", "18:00", "20:30")])
    sport = make_offer(organization=provider_q, title="Frauensport", category_code="sport", challenges=["Z3"],
                       languages=["de", "fa"], target_groups=["women_girls"], locations=[far],
                       schedules=[slot("thu", "10:00", "11:30")])
    draft = make_offer(organization=provider_p, title="Entwurf", status="draft", challenges=["B4"])
    db.session.commit()
    return types.SimpleNamespace(a=counselling_a, b=counselling_b, p=provider_p, q=provider_q,
                                 course=course, evening=evening, sport=sport, draft=draft)


MOTHER = {
    "district": "baerenkaempen", "language-0": "fa", "level-0": "native", "language-1": "de", "level-1": "A1",
    "target": ["women_girls", "families"], "challenge": ["B4"], "category": ["housing"],
    "time": ["weekdays:morning"], "free": "1", "childcare": "1",
}


def post_situation(client, data):
    return client.post(MATCH, data={**data, "csrf_token": csrf_token(client, MATCH)})


def titles(html: str, near: bool = False) -> list[str]:
    cards = re.findall(r'<li class="match-card[^"]*" data-offer-id="\d+"[^>]*?( data-near-miss="true")?>\s*'
                       r'<div class="match-card__head">.*?class="match-card__title">(?:<span[^>]*>\d+\.</span> )?(.*?)</label>',
                       html, re.S)
    return [t for flag, t in cards if bool(flag) == near]


def create_referral(client, offers, language="fa"):
    token = csrf_token(client, MATCH)
    return client.post("/beratung/vermittlungen", data={
        "csrf_token": token, "offer": [str(o.id) for o in offers], "language": language, **MOTHER})


# --- access ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, status", [("counsellor", 200), ("admin", 200), ("provider", 403), ("moderator", 403)])
def test_only_counsellors_and_admins_use_the_matching_form(client, login_as, role, status):
    login_as(role)
    assert client.get(MATCH).status_code == status


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(MATCH)
    assert response.status_code == 302 and "/anmelden" in response.headers["Location"]


# --- matching through the form --------------------------------------------------------------------

def test_the_form_ranks_offers_with_reasons(client, login_as, world):
    login_as("counsellor", organizations=[world.a])
    response = post_situation(client, MOTHER)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert titles(html) == ["Fit für die Wohnung"]
    card = html.split('data-offer-id="%d"' % world.course.id, 1)[1].split("</li>\n", 1)[0]
    for text in ("spricht Persisch (Farsi), Muttersprache", "Dienstag 09:30–11:30", "kostenlos",
                 "mit Kinderbetreuung", "km entfernt (Begegnungszentrum)"):
        assert text in html
    assert "Entwurf" not in html and "Mietkurs am Abend" not in titles(html)
    # nothing the counsellor typed is stored: no table holds it, and the page is not cached
    assert db.session.scalar(select(Referral.id)) is None
    assert response.headers["Cache-Control"] == "private, no-store"
    assert card


def test_nothing_fits_says_why_and_shows_near_misses(client, login_as, world):
    login_as("counsellor", organizations=[world.a])
    response = post_situation(client, {"language-0": "ti", "challenge": ["B4"]})
    html = response.get_data(as_text=True)
    assert titles(html) == []
    assert "Kein Angebot passt zu allen Angaben." in html
    assert 'data-criterion="language"' in html
    assert "Am meisten schließt „Sprache“ aus: 2 von 2 Angeboten zum Bedarf." in html
    assert "2 Angebote passen, wenn Deutsch in Ordnung ist" in html
    assert set(titles(html, near=True)) == {"Fit für die Wohnung", "Mietkurs am Abend"}


@pytest.mark.parametrize("data, field, message", [
    ({"district": "atlantis"}, "district", "Unbekannter Stadtteil: atlantis"),
    ({"postcode": "12"}, "postcode", "Bitte eine Postleitzahl mit fünf Ziffern angeben."),
    ({"postcode": "99999"}, "postcode", "Die Postleitzahl 99999 ist nicht bekannt."),
    ({"point": "91,200"}, "point", "Die Koordinaten sind ungültig."),
    ({"max_km": "5"}, "max_km", "Für die Entfernung bitte Stadtteil, Postleitzahl oder Ort angeben."),
    ({"district": "baerenkaempen", "max_km": "7"}, "max_km", "Ungültige Entfernung: 7"),
    ({"language-0": "xx"}, "language-0", "Unbekannte Sprache: xx"),
    ({"language-0": "de", "level-0": "B3"}, "level-0", "Unbekanntes Sprachniveau: B3"),
    ({"target": ["employers"]}, "target", "Unbekannte Zielgruppe: employers"),
    ({"challenge": ["Q9"]}, "challenge", "Unbekannte Herausforderung: Q9"),
    ({"time": ["mon:dawn"]}, "time", "Unbekannte Zeitangabe: mon:dawn"),
    ({"free": "yes please"}, "free", "Ungültiger Wert: yes please"),
    ({"postcode": "1" * 5000}, "postcode", "Die Eingabe ist zu lang"),
])
def test_bad_input_gets_a_clear_message_and_keeps_the_form(client, login_as, world, data, field, message):
    login_as("counsellor", organizations=[world.a])
    response = post_situation(client, {**data, "challenge": data.get("challenge", ["B4"]), "category": ["housing"]})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'data-param="{field}"' in html and message in html
    # what was ticked stays ticked
    assert 'value="housing" id="s-category-housing" checked' in html


def test_missing_csrf_token_is_rejected(client, login_as, world):
    login_as("counsellor", organizations=[world.a])
    assert client.post(MATCH, data=MOTHER).status_code == 400


def test_each_search_counts_anonymous_demand_for_the_dashboard(client, login_as, world):
    from directory.models.activity import SearchDemand

    login_as("counsellor", organizations=[world.a])
    post_situation(client, MOTHER)
    post_situation(client, {"language-0": "fa", "challenge": ["B4"]})
    counts = {(d.kind, d.code): d.count for d in db.session.scalars(select(SearchDemand))}
    assert counts[("language", "fa")] == 2 and counts[("language", "de")] == 1
    assert counts[("challenge", "B4")] == 2 and counts[("district", "baerenkaempen")] == 1
    assert counts[("target", "women_girls")] == 1 and counts[("category", "housing")] == 1
    # a form with errors counts nothing
    post_situation(client, {"language-0": "xx"})
    assert db.session.scalar(select(func.sum(SearchDemand.count))) == sum(counts.values())


# --- referrals ------------------------------------------------------------------------------------

def test_counsellor_creates_a_referral_and_gets_the_sheet(client, login_as, world, app):
    app.config["PUBLIC_BASE_URL"] = "https://wegweiser.minden.example"
    user = login_as("counsellor", organizations=[world.a])
    db.session.add(OfferTranslation(offer=world.course, language_code="fa", title="آمادگی برای خانه",
                                    summary="دوره رایگان", source="provider"))
    db.session.commit()
    response = create_referral(client, [world.course, world.sport])
    assert response.status_code == 302
    referral = db.session.scalar(select(Referral))
    assert re.fullmatch(r"WW-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", referral.code)
    assert referral.organization_id == world.a.id and referral.created_by_id == user.id
    assert [i.offer_id for i in referral.items] == [world.course.id, world.sport.id]
    assert {i.status for i in referral.items} == {"sent"}
    assert response.headers["Location"].endswith(f"/beratung/vermittlungen/{referral.code}/bogen")

    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert referral.code in html
    assert "Fit für die Wohnung" in html and 'lang="fa" dir="rtl">آمادگی برای خانه' in html
    prefix = "/fa" if "fa" in i18n.available() else ""  # the public page in Persian, if the site has it
    assert f"https://wegweiser.minden.example{prefix}/angebote/{world.course.id}" in html
    assert html.count("<svg") >= 2  # a QR code per offer
    # the first name field is in no form and has no name: it is never sent
    name_field = re.search(r"<input id=\"client-first-name\"[^>]*>", html).group(0)
    assert "name=" not in name_field
    assert "<form" not in html.split('class="sheet"', 1)[1].split("</article>", 1)[0]

    pdf = client.get(f"/beratung/vermittlungen/{referral.code}/bogen.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert referral_sheet.page_count(pdf.data) == 1


def test_sheet_with_four_long_offers_stays_within_two_pages(client, login_as, world, app):
    login_as("counsellor", organizations=[world.a])
    offers = []
    for n in range(4):
        places = [make_location(name=f"Ort {n}-{i} mit einem langen Namen", lat=52.29 + i / 100) for i in range(3)]
        offer = make_offer(organization=world.q, title=f"Angebot {n} mit einem langen Titel, der sicher umbricht",
                           summary="Eine längere Beschreibung des Angebots. " * 12, locations=places,
                           schedules=[slot(d, "10:00", "11:00") for d in ("mon", "tue", "wed", "thu", "fri")])
        db.session.add(OfferTranslation(offer=offer, language_code="ar", title="عنوان طويل " * 6,
                                        summary="وصف أطول للعرض. " * 14, source="provider"))
        offers.append(offer)
    db.session.commit()
    response = create_referral(client, offers, language="ar")
    code = db.session.scalar(select(Referral.code))
    assert response.status_code == 302
    pdf = client.get(f"/beratung/vermittlungen/{code}/bogen.pdf").data
    assert 1 <= referral_sheet.page_count(pdf) <= 2
    html = client.get(f"/beratung/vermittlungen/{code}/bogen").get_data(as_text=True)
    assert html.count('class="sheet-offer__more"') == 4  # five weekly slots: four shown, "1 more"


def test_qr_code_encodes_the_offer_url(app):
    import qrcode

    url = "https://wegweiser.minden.example/fa/angebote/12"
    svg = links.qr_svg(url)
    expected = qrcode.QRCode(border=2)
    expected.add_data(url)
    expected.make(fit=True)
    matrix = expected.get_matrix()
    assert f'viewBox="0 0 {len(matrix)} {len(matrix)}"' in svg
    # the SVG's dark squares are exactly the modules of the QR code for this URL
    path = re.search(r' d="([^"]+)"', svg).group(1)
    drawn = {(int(x), int(y)) for x, y in re.findall(r"M(\d+),(\d+)H", path)}
    assert drawn == {(x, y) for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark}


@pytest.mark.parametrize("offers, message", [
    ([], "Bitte mindestens ein Angebot auswählen."),
    (["x1"], "Ungültige Angebotsnummer."),
    (["999999"], "nicht (mehr) veröffentlicht"),
    (["1", "2", "3", "4", "5"], "höchstens 4 Angebote"),
])
def test_bad_referral_requests_keep_the_results(client, login_as, world, offers, message):
    login_as("counsellor", organizations=[world.a])
    response = client.post("/beratung/vermittlungen", data={
        "csrf_token": csrf_token(client, MATCH), "offer": offers, **MOTHER})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html
    assert titles(html) == ["Fit für die Wohnung"]  # the same results again
    assert db.session.scalar(select(Referral.id)) is None


def test_draft_offers_cannot_be_referred(client, login_as, world):
    login_as("counsellor", organizations=[world.a])
    response = create_referral(client, [world.draft])
    assert response.status_code == 400
    assert db.session.scalar(select(Referral.id)) is None


def test_counsellor_without_organisation_cannot_refer(client, login_as, world):
    login_as("counsellor")
    response = create_referral(client, [world.course])
    assert response.status_code == 400
    assert "keiner Organisation" in response.get_data(as_text=True)


def test_counsellor_with_two_organisations_chooses_one(client, login_as, world):
    login_as("counsellor", organizations=[world.a, world.b])
    token = csrf_token(client, MATCH)
    data = {"csrf_token": token, "offer": [str(world.course.id)], **MOTHER}
    assert client.post("/beratung/vermittlungen", data=data).status_code == 400
    data["organization"] = str(world.q.id)  # not theirs
    assert client.post("/beratung/vermittlungen", data=data).status_code == 400
    data["organization"] = str(world.b.id)
    assert client.post("/beratung/vermittlungen", data=data).status_code == 302
    assert db.session.scalar(select(Referral.organization_id)) == world.b.id


# --- status ---------------------------------------------------------------------------------------

def test_counsellor_updates_status_along_the_allowed_path(client, login_as, world):
    login_as("counsellor", organizations=[world.a])
    create_referral(client, [world.course])
    referral = db.session.scalar(select(Referral))
    item = referral.items[0]
    url = f"/beratung/vermittlungen/{referral.code}"

    def post(**data):
        return client.post(url + "/status", data={"csrf_token": csrf_token(client, url), "item": item.id, **data})

    assert post(status="completed").status_code == 400  # sent → completed is not allowed
    assert "„abgeschlossen“ ist nach „vermittelt“ nicht möglich." in post(status="completed").get_data(as_text=True)
    assert post(status="contacted").status_code == 302
    assert post(status="bogus").status_code == 400
    assert post(status="declined", reason="nonsense").status_code == 400
    assert post(status="declined", reason="not_suitable", note="x" * 301).status_code == 400
    assert post(status="declined", reason="not_suitable", note="Termin passt nicht").status_code == 302
    db.session.expire_all()
    item = db.session.get(ReferralOffer, item.id)
    assert (item.status, item.reason, item.note) == ("declined", "not_suitable", "Termin passt nicht")
    assert [e.status for e in item.events] == ["sent", "contacted", "declined"]
    assert post(status="started").status_code == 400  # final


# --- who sees what --------------------------------------------------------------------------------

def test_separation_between_organisations(client, login_as, world):
    login_as("counsellor", organizations=[world.a])
    client.get(create_referral(client, [world.course, world.sport]).headers["Location"])  # (shows the flash)
    referral = db.session.scalar(select(Referral))
    code = referral.code
    course_item = next(i for i in referral.items if i.offer_id == world.course.id)
    sport_item = next(i for i in referral.items if i.offer_id == world.sport.id)

    # another counselling organisation: nothing, by URL or by form post
    login_as("counsellor", organizations=[world.b])
    assert code not in client.get("/beratung/vermittlungen").get_data(as_text=True)
    for path in ("", "/bogen", "/bogen.pdf"):
        assert client.get(f"/beratung/vermittlungen/{code}{path}").status_code == 404
    token = csrf_token(client, MATCH)
    assert client.post(f"/beratung/vermittlungen/{code}/status",
                       data={"csrf_token": token, "item": course_item.id, "status": "contacted"}).status_code == 404

    # the provider of one offer sees its own offer's line only
    login_as("provider", organizations=[world.p])
    inbox = client.get("/anbieter/vermittlungen").get_data(as_text=True)
    assert code in inbox and "Fit für die Wohnung" in inbox and "Frauensport" not in inbox
    assert client.get(f"/beratung/vermittlungen/{code}").status_code == 403
    token = csrf_token(client, "/anbieter/vermittlungen")
    assert client.post(f"/anbieter/vermittlungen/{sport_item.id}/status",
                       data={"csrf_token": token, "status": "contacted"}).status_code == 404
    assert client.post(f"/anbieter/vermittlungen/{course_item.id}/status",
                       data={"csrf_token": token, "status": "contacted"}).status_code == 302

    # a provider of another organisation sees nothing of it
    login_as("provider", organizations=[world.q, world.b])
    inbox = client.get(f"/anbieter/vermittlungen?code={code}").get_data(as_text=True)
    assert "Fit für die Wohnung" not in inbox and code in inbox  # only the sport offer's line
    token = csrf_token(client, "/anbieter/vermittlungen")
    assert client.post(f"/anbieter/vermittlungen/{course_item.id}/status",
                       data={"csrf_token": token, "status": "started"}).status_code == 404
    assert client.post(f"/anbieter/vermittlungen/plaetze/{world.course.id}",
                       data={"csrf_token": token, "open_places": "0"}).status_code == 404

    # moderators: aggregates only
    login_as("moderator")
    assert client.get(f"/beratung/vermittlungen/{code}").status_code == 403
    assert client.get("/anbieter/vermittlungen").status_code == 403
    stats = client.get("/statistik/vermittlungen")
    assert stats.status_code == 200
    page = stats.get_data(as_text=True)
    assert code not in page and "Fit für die Wohnung" in page and "Migrationsberatung A" not in page

    # the referring counsellor sees the provider's answer
    login_as("counsellor", organizations=[world.a])
    page = client.get(f"/beratung/vermittlungen/{code}").get_data(as_text=True)
    assert "Kontakt aufgenommen" in page


def test_provider_reports_the_offer_full(client, login_as, world):
    login_as("provider", organizations=[world.p])
    token = csrf_token(client, "/anbieter/vermittlungen")
    url = f"/anbieter/vermittlungen/plaetze/{world.course.id}"
    assert client.post(url, data={"csrf_token": token, "open_places": "-1"}).status_code == 400
    assert client.post(url, data={"csrf_token": token, "open_places": "3"}).status_code == 302
    assert db.session.get(type(world.course), world.course.id).open_places == 3
    assert client.post(url, data={"csrf_token": token, "full": "1"}).status_code == 302
    db.session.expire_all()
    assert world.course.open_places == 0
    public = client.get(f"/angebote/{world.course.id}").get_data(as_text=True)
    assert "Zurzeit ausgebucht" in public
    # … and the matcher no longer suggests it
    login_as("counsellor", organizations=[world.a])
    assert titles(post_situation(client, MOTHER).get_data(as_text=True)) == []
    login_as("provider", organizations=[world.p])
    token = csrf_token(client, "/anbieter/vermittlungen")
    assert client.post(url, data={"csrf_token": token, "open_places": ""}).status_code == 302
    db.session.expire_all()
    assert world.course.open_places is None


def test_provider_declines_with_no_capacity_and_marks_full(client, login_as, world):
    login_as("counsellor", organizations=[world.a])
    create_referral(client, [world.course])
    item = db.session.scalar(select(ReferralOffer))
    login_as("provider", organizations=[world.p])
    token = csrf_token(client, "/anbieter/vermittlungen")
    response = client.post(f"/anbieter/vermittlungen/{item.id}/status", data={
        "csrf_token": token, "status": "no_capacity", "reason": "full", "mark_full": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert item.status == "no_capacity" and item.reason == "full" and item.offer.open_places == 0
    assert [e.actor_role for e in item.events] == ["counsellor", "provider"]


def test_referral_list_filters_by_status_and_rejects_unknown_ones(client, login_as, world):
    login_as("counsellor", organizations=[world.a])
    create_referral(client, [world.course])
    code = db.session.scalar(select(Referral.code))
    assert code in client.get("/beratung/vermittlungen").get_data(as_text=True)
    assert code in client.get("/beratung/vermittlungen?status=sent").get_data(as_text=True)
    assert code not in client.get("/beratung/vermittlungen?status=started").get_data(as_text=True)
    response = client.get("/beratung/vermittlungen?status=bogus")
    assert response.status_code == 400 and "Unbekannter Status: bogus" in response.get_data(as_text=True)
    # an admin without an organisation sees the page but none of the referrals
    login_as("admin")
    page = client.get("/beratung/vermittlungen")
    assert page.status_code == 200 and code not in page.get_data(as_text=True)
    assert client.get(f"/beratung/vermittlungen/{code}").status_code == 404


# --- age, languages, relaxation, unconfirmed offers -------------------------------------------

def test_age_is_validated_and_kept(client, login_as, world):
    login_as("counsellor", organizations=[world.a])
    response = post_situation(client, {**MOTHER, "age": "zwölf"})
    assert response.status_code == 400
    assert "Bitte das Alter in Jahren angeben" in response.get_data(as_text=True)
    html = post_situation(client, {**MOTHER, "age": "34", "only_languages": "1"}).get_data(as_text=True)
    assert 'name="age" value="34"' in html
    assert re.search(r'name="only_languages" value="1" id="s-only-languages" checked', html)


def test_distance_choices_include_3_and_15_km(client, login_as, world):
    login_as("counsellor", organizations=[world.a])
    html = client.get(MATCH).get_data(as_text=True)
    assert re.findall(r'<option value="(\d+)"[^>]*>\d+ km</option>', html) == ["1", "2", "3", "5", "10", "15", "25"]
    assert post_situation(client, {**MOTHER, "max_km": "15"}).status_code == 200
    assert post_situation(client, {**MOTHER, "max_km": "4"}).status_code == 400


def test_near_misses_are_grouped_with_a_one_click_relaxed_search(client, login_as, world):
    login_as("counsellor", organizations=[world.a])
    # Bärenkämpen, sport within 1 km: the women's sport is ~5 km away in Hahlen
    data = {"district": "baerenkaempen", "max_km": "1", "challenge": ["Z3"]}
    html = post_situation(client, data).get_data(as_text=True)
    assert titles(html) == []
    group = re.search(r'<div class="relax-group" id="relax-1" data-criterion="distance">\s*'
                      r'<h4 class="relax-group__title">(.*?)</h4>', html, re.DOTALL)
    assert group and re.fullmatch(r"1 Angebot passt, wenn \d+ km in Ordnung sind", group.group(1))
    button = re.search(r'formaction="/beratung/" formnovalidate name="relax" value="(distance:\d+)"', html)
    assert button and titles(html, near=True) == ["Frauensport"]
    # each near-miss card breaks exactly the one condition of its group
    card = html[html.index('data-near-miss="true"'):]
    card = card[:card.index("</li>\n")]
    assert card.count("reason--hard") == 1 and 'data-criterion="distance"' in card
    # the button re-sends the situation (the hidden fields) with the change: the offer now fits
    relaxed = post_situation(client, {**data, "relax": button.group(1)}).get_data(as_text=True)
    assert titles(relaxed) == ["Frauensport"]
    assert f'<option value="{button.group(1).split(":")[1]}" selected>' in relaxed


def test_relaxing_a_language_adds_it_to_the_situation(client, login_as, world):
    login_as("counsellor", organizations=[world.a])
    data = {"district": "baerenkaempen", "language-0": "uk", "challenge": ["Z3"]}
    html = post_situation(client, data).get_data(as_text=True)
    assert 'name="relax" value="language:de"' in html
    relaxed = post_situation(client, {**data, "relax": "language:de"}).get_data(as_text=True)
    assert titles(relaxed) == ["Frauensport"]
    assert re.search(r'name="language-1" id="s-language-1"[^>]*>.*?<option value="de" selected>', relaxed, re.DOTALL)


def test_unknown_relaxation_is_ignored(client, login_as, world):
    login_as("counsellor", organizations=[world.a])
    response = post_situation(client, {**MOTHER, "relax": "nonsense:" + "x" * 5000})
    assert response.status_code == 200
    assert titles(response.get_data(as_text=True))[0] == "Fit für die Wohnung"


def test_unconfirmed_offers_are_shown_to_counsellors_marked_and_can_be_referred(client, login_as, world):
    import datetime as dt

    world.course.last_confirmed = dt.date.today() - dt.timedelta(days=400)
    db.session.commit()
    assert client.get(f"/angebote/{world.course.id}").status_code == 404  # hidden from the public
    login_as("counsellor", organizations=[world.a])
    html = post_situation(client, MOTHER).get_data(as_text=True)
    assert titles(html)[0] == "Fit für die Wohnung"
    assert "unbestätigt seit" in html and 'data-unconfirmed="' in html
    response = create_referral(client, [world.course])
    assert response.status_code == 302


# --- the sheet is complete ---------------------------------------------------------------------

def test_sheet_states_registration_periods_and_costs(client, login_as, world, app):
    import datetime as dt

    login_as("counsellor", organizations=[world.a])
    world.course.registration_required = True
    world.course.valid_to = dt.date.today() + dt.timedelta(days=200)
    thursdays = slot("thu", "09:30", "11:30")
    thursdays.valid_from, thursdays.valid_to = dt.date(2026, 9, 1), dt.date.today() + dt.timedelta(days=100)
    world.course.schedules.append(thursdays)
    db.session.commit()
    create_referral(client, [world.course, world.evening], language="")
    code = db.session.scalar(select(Referral.code))
    html = client.get(f"/beratung/vermittlungen/{code}/bogen").get_data(as_text=True)
    course = html[html.index(f'data-offer-id="{world.course.id}"'):html.index(f'data-offer-id="{world.evening.id}"')]
    evening = html[html.index(f'data-offer-id="{world.evening.id}"'):]
    assert "Anmeldung erforderlich" in course and "Ohne Anmeldung" in evening
    assert f"gültig bis {world.course.valid_to:%d.%m.%Y}" in course
    assert f"Jeden Donnerstag, 09:30–11:30 Uhr (gültig vom 01.09.2026 bis {thursdays.valid_to:%d.%m.%Y})" in course
    assert "kostenlos" in course and "49 €" in evening
    assert client.get(f"/beratung/vermittlungen/{code}/bogen.pdf").status_code == 200


def test_sheet_offers_the_machine_translation_marked_where_configured(client, login_as, world, app):
    login_as("counsellor", organizations=[world.a])
    create_referral(client, [world.sport], language="ar")
    code = db.session.scalar(select(Referral.code))
    url = f"/beratung/vermittlungen/{code}/bogen"
    off = client.get(url).get_data(as_text=True)
    assert "[ar] Frauensport" not in off and "maschinell übersetzt" not in off  # the hook is off
    app.config["MACHINE_TRANSLATION"] = "tests.fake_translator:make"
    app.extensions.pop("wegweiser_translator", None)
    try:
        html = client.get(url).get_data(as_text=True)
        assert 'lang="ar" dir="rtl">[ar] Frauensport</bdi>' in html
        assert 'class="sheet-offer__machine"' in html and "maschinell übersetzt" in html
        # a provider's own translation wins and is not marked
        db.session.add(OfferTranslation(offer=world.sport, language_code="ar", title="رياضة للنساء",
                                        source="provider"))
        db.session.commit()
        html = client.get(url).get_data(as_text=True)
        assert "رياضة للنساء" in html and "[ar] Frauensport" not in html and "sheet-offer__machine" not in html
        assert client.get(url + ".pdf").status_code == 200
    finally:
        app.config["MACHINE_TRANSLATION"] = "off"
        app.extensions.pop("wegweiser_translator", None)


def test_sheet_of_an_unconfirmed_offer_has_no_link_to_the_hidden_page(client, login_as, world, app):
    import datetime as dt

    login_as("counsellor", organizations=[world.a])
    world.sport.last_confirmed = dt.date.today() - dt.timedelta(days=500)
    db.session.commit()
    create_referral(client, [world.course, world.sport])
    code = db.session.scalar(select(Referral.code))
    html = client.get(f"/beratung/vermittlungen/{code}/bogen").get_data(as_text=True)
    assert f"/angebote/{world.course.id}" in html and f"/angebote/{world.sport.id}" not in html
    assert "Bitte telefonisch oder per E-Mail melden." in html
