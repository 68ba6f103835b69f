"""The offer editor over HTTP: every field, rows without JavaScript, locations and geocoding,
preview, drafts, optimistic locking, and providers kept to their own organisations."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from directory.extensions import db
from directory.models import ChangeRecord, Location, Offer, OfferRevision
from tests.conftest import csrf_token
from tests.factories import make_location, make_offer, make_org
from tests.workflow_support import new_location, offer_form, post_editor


@pytest.fixture
def org(app):
    org = make_org(name="Nähwerkstatt e.V.", email="info@naehwerkstatt.example.org")
    db.session.commit()
    return org


@pytest.fixture
def provider(login_as, org):
    return login_as("provider", organizations=[org])


def new_url(org) -> str:
    return f"/anbieter/angebote/neu?organisation={org.id}"


def only_offer() -> Offer:
    return db.session.scalar(select(Offer))


def test_editor_shows_every_field_and_challenges_grouped_by_field_of_action(client, provider, org):
    html = client.get(new_url(org)).get_data(as_text=True)
    for name in ("title", "summary", "description", "plain_summary", "category_code", "is_free", "cost",
                 "registration_required", "accessibility", "contact_name", "contact_email", "contact_phone",
                 "valid_from", "valid_to", "schedules-0-weekday", "schedules-0-opens_at", "new_locations-0-address"):
        assert f'name="{name}"' in html, name
    assert html.count('name="challenges"') == 18
    for field_name in ("Bildung", "Wohnen", "Zusammenleben und Teilhabe", "Arbeitsmarkt"):
        assert re.search(r"<legend>[^<]*" + field_name, html), field_name
    assert 'name="target_groups"' in html and 'name="languages"' in html


def test_add_and_remove_schedule_rows_without_javascript_keeps_all_input(client, provider, org):
    fields = offer_form(**{"schedules-0-note": "Erste Zeile"})
    html = post_editor(client, new_url(org), fields, action="add_slot").get_data(as_text=True)
    assert 'name="schedules-1-weekday"' in html
    assert 'value="Nähcafé für alle"' in html and 'value="Erste Zeile"' in html
    assert re.search(r'value="Z1"[^>]*checked', html) and re.search(r'value="ar"[^>]*checked', html)
    # remove the first of two rows: the second stays
    two = dict(fields, **{"schedules-1-weekday": "3", "schedules-1-opens_at": "14:00", "schedules-1-closes_at": "16:00",
                          "schedules-1-note": "Zweite Zeile"})
    html = post_editor(client, new_url(org), two, action="remove_slot-0").get_data(as_text=True)
    assert "Erste Zeile" not in html and 'value="Zweite Zeile"' in html
    assert db.session.scalar(select(func.count(Offer.id))) == 0  # nothing saved


def test_missing_title_and_bad_time_give_field_errors_and_keep_the_input(client, provider, org):
    fields = offer_form(title="", **{"schedules-0-closes_at": "08:00"})
    response = post_editor(client, new_url(org), fields, action="save")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="title-error"' in html and "Bitte einen Titel angeben." in html
    assert "Das Ende muss nach dem Anfang liegen." in html
    assert 'value="naehcafe@example.org"' in html
    assert only_offer() is None


def test_submit_requires_what_search_needs(client, provider, org):
    fields = offer_form(summary="", languages=None, **new_location(0, "Hof", "Marienstraße 10"))
    html = post_editor(client, new_url(org), fields, action="submit").get_data(as_text=True)
    assert "Bitte eine Kurzbeschreibung angeben" in html and "Bitte mindestens eine Sprache" in html
    # a draft may be incomplete
    assert post_editor(client, new_url(org), fields, action="save").status_code == 302
    assert only_offer().status == "draft"


def test_new_offer_with_two_new_locations_and_a_schedule_is_submitted(client, provider, org):
    fields = offer_form(**new_location(0, "Gemeindehaus", "Marienstraße 10", "32427"),
                        **new_location(1, "Treff Bärenkämpen", "", "", lat="52.3047", lon="8.8883"),
                        **{"schedules-1-date": "2026-12-05", "schedules-1-opens_at": "10:00", "schedules-1-closes_at": "12:00"})
    response = post_editor(client, new_url(org), fields, action="submit")
    assert response.status_code == 302 and response.headers["Location"].endswith("/anbieter/")
    offer = only_offer()
    assert offer.status == "draft" and offer.organization_id == org.id
    assert sorted((loc.name, loc.district_code) for loc in offer.locations) == [
        ("Gemeindehaus", "innenstadt"), ("Treff Bärenkämpen", "baerenkaempen")]
    assert sorted(((s.weekday, s.opens_at, s.date) for s in offer.schedules), key=repr) == [
        (1, dt.time(9, 30), None), (5, dt.time(10), dt.date(2026, 12, 5))]
    assert [c.code for c in offer.challenges] == ["W4", "Z1"]
    assert db.session.scalar(select(OfferRevision.state).where(OfferRevision.offer_id == offer.id)) == "pending"
    assert "In Prüfung" in client.get("/anbieter/").get_data(as_text=True)


def test_unknown_address_gives_a_clear_message_and_loses_nothing(client, provider, org):
    fields = offer_form(**new_location(0, "Irgendwo", "Nirgendweg 99"))
    response = post_editor(client, new_url(org), fields, action="submit")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Diese Adresse haben wir nicht gefunden" in html and "Breiten- und Längengrad" in html
    assert 'value="Nirgendweg 99"' in html and 'value="Nähcafé für alle"' in html and "Stoffe bitte mitbringen" in html
    assert only_offer() is None
    # the point set by hand is taken, the district derived from it
    fields.update(new_location(0, "Irgendwo", "Nirgendweg 99", lat="52.2869", lon="8.9160"))
    assert post_editor(client, new_url(org), fields, action="submit").status_code == 302
    assert only_offer().locations[0].district_code == "innenstadt"


def test_geocode_button_fills_the_point_and_shows_the_district(client, provider, org):
    fields = offer_form(**new_location(0, "Schule", "Kuhlenstraße 12", "32427"))
    html = post_editor(client, new_url(org), fields, action="geocode").get_data(as_text=True)
    assert 'value="52.28499"' in html and "Stadtteil: Königstor" in html
    assert only_offer() is None


def test_preview_shows_the_offer_as_the_public_would_and_saves_nothing(client, provider, org):
    fields = offer_form(**new_location(0, "Gemeindehaus", "Marienstraße 10"))
    response = post_editor(client, new_url(org), fields, action="preview")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Vorschau" in html and "Jeden Dienstag, 09:30–11:30 Uhr" in html
    assert "Stadtteil: Innenstadt" in html and 'id="preview-map"' in html
    assert only_offer() is None


def test_draft_is_saved_and_reopened(client, provider, org):
    response = post_editor(client, new_url(org), offer_form(), action="save")
    offer = only_offer()
    assert response.headers["Location"].endswith(f"/anbieter/angebote/{offer.id}")
    html = client.get(f"/anbieter/angebote/{offer.id}").get_data(as_text=True)
    assert 'value="Nähcafé für alle"' in html and "Stoffe bitte mitbringen" in html
    assert re.search(r'name="schedules-0-weekday"[^>]*>.*?<option selected value="1">', html, re.S)


def test_second_save_of_a_stale_form_is_told_and_shown_the_difference(app, client, provider, org, login_as):
    offer = make_offer(organization=org, title="Nähcafé", status="draft")
    db.session.commit()
    url = f"/anbieter/angebote/{offer.id}"
    page = client.get(url).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    token = csrf_token(client, url)
    base = offer_form(title="Nähcafé", **{"locations": str(offer.locations[0].id)})

    first = client.post(url, data={**base, "csrf_token": token, "version": version, "action": "save",
                                   "title": "Nähcafé am Dienstag"})
    assert first.status_code == 302
    second = client.post(url, data={**base, "csrf_token": token, "version": version, "action": "save",
                                    "title": "Nähcafé mittwochs"})
    html = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "Jemand anderes hat dieses Angebot inzwischen gespeichert" in html
    assert re.search(r"<th scope=\"row\">Titel</th><td>Nähcafé am Dienstag</td><td>Nähcafé mittwochs</td>", html)
    assert 'value="Nähcafé mittwochs"' in html  # the input is kept
    db.session.refresh(offer)
    assert offer.title == "Nähcafé am Dienstag"
    # saving again after seeing the difference overwrites deliberately
    new_version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    third = client.post(url, data={**base, "csrf_token": token, "version": new_version, "action": "save",
                                   "title": "Nähcafé mittwochs"})
    assert third.status_code == 302
    db.session.refresh(offer)
    assert offer.title == "Nähcafé mittwochs"


def test_provider_text_is_escaped_everywhere(client, provider, org):
    evil = '<script>alert(1)</script>{{ 7*7 }}'
    fields = offer_form(title=evil, summary=evil, **new_location(0, evil, "Marienstraße 10"))
    html = post_editor(client, new_url(org), fields, action="preview").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html and not re.search(r"(?<![0-9a-zA-Z])49(?![0-9a-zA-Z])", html.split("Vorschau", 1)[1][:2000])
    post_editor(client, new_url(org), fields, action="save")
    for url in ("/anbieter/", f"/anbieter/angebote/{only_offer().id}"):
        assert "<script>alert(1)" not in client.get(url).get_data(as_text=True)


def test_confirm_button_sets_the_date(client, provider, org):
    offer = make_offer(organization=org, last_confirmed=dt.date.today() - dt.timedelta(days=200))
    db.session.commit()
    token = csrf_token(client, "/anbieter/")
    assert client.post(f"/anbieter/angebote/{offer.id}/bestaetigen", data={"csrf_token": token}).status_code == 302
    db.session.refresh(offer)
    assert offer.last_confirmed == dt.date.today()


def test_location_pin_correction_moves_the_district_and_is_recorded(client, provider, org):
    loc = make_location(organization=org, name="Treff", lat=52.2869, lon=8.916, district_code="innenstadt")
    db.session.commit()
    url = f"/anbieter/orte/{loc.id}"
    assert 'data-lat-input="lat"' in client.get(url).get_data(as_text=True)
    token = csrf_token(client, url)
    response = client.post(url, data={"csrf_token": token, "name": "Treff", "address": "Kuhlenstraße 1",
                                      "postcode": "32427", "lat": "52.3047", "lon": "8.8883", "action": "save",
                                      "version": str(loc.version)})
    assert response.status_code == 302
    db.session.refresh(loc)
    assert loc.district_code == "baerenkaempen"
    entry = db.session.scalar(select(ChangeRecord).where(ChangeRecord.location_id == loc.id,
                                                         ChangeRecord.action == "location_edited"))
    assert entry.changes["district_code"] == ["innenstadt", "baerenkaempen"]


# --- a provider cannot touch another organisation's offers -----------------------------------------------

@pytest.fixture
def foreign(app):
    other = make_org(name="Anderer Verein")
    offer = make_offer(organization=other, title="Fremdes Angebot", last_confirmed=dt.date(2026, 1, 1))
    db.session.commit()
    return offer


def test_other_organisations_offer_cannot_be_opened_or_changed(client, provider, org, foreign):
    url = f"/anbieter/angebote/{foreign.id}"
    assert client.get(url).status_code == 404
    token = csrf_token(client, "/anbieter/")
    fields = offer_form(title="Gekapert")
    posts = [
        client.post(url, data={**fields, "csrf_token": token, "version": str(foreign.version), "action": "submit"}),
        client.post(url + "/bestaetigen", data={"csrf_token": token}),
        client.post(url + "/archivieren", data={"csrf_token": token}),
        client.post(url + "/wiederherstellen", data={"csrf_token": token}),
        client.post(f"/anbieter/orte/{foreign.locations[0].id}", data={"csrf_token": token, "name": "X", "lat": "1", "lon": "1"}),
        client.post(f"/anbieter/organisationen/{foreign.organization_id}/einladen", data={"csrf_token": token, "email": "a@example.org"}),
        client.post(f"/anbieter/angebote/neu?organisation={foreign.organization_id}", data={**fields, "csrf_token": token, "action": "submit"}),
    ]
    assert [r.status_code for r in posts] == [404] * len(posts)
    assert client.get(f"/anbieter/angebote/neu?organisation={foreign.organization_id}").status_code == 404
    db.session.expire_all()
    offer = db.session.get(Offer, foreign.id)
    assert offer.title == "Fremdes Angebot" and offer.status == "published"
    assert offer.last_confirmed == dt.date(2026, 1, 1) and offer.version == 1
    assert db.session.scalar(select(func.count(Offer.id))) == 1
    assert db.session.scalar(select(func.count(ChangeRecord.id))) == 0


def test_own_locations_only_even_by_form_post(client, provider, org, foreign):
    """Choosing another organisation's location id in the form is rejected."""
    fields = offer_form(locations=str(foreign.locations[0].id))
    response = post_editor(client, new_url(org), fields, action="save")
    assert response.status_code == 400
    assert only_offer().title == "Fremdes Angebot"


@pytest.mark.parametrize("role, status", [("counsellor", 403), (None, 302)])
def test_provider_pages_need_the_role(client, login_as, role, status):
    if role:
        login_as(role)
    response = client.get("/anbieter/")
    assert response.status_code == status
    if status == 302:
        assert "/anmelden" in response.headers["Location"]


def test_moderator_may_edit_any_offer(client, login_as, foreign):
    login_as("moderator")
    url = f"/anbieter/angebote/{foreign.id}"
    fields = offer_form(title="Korrigiert", locations=str(foreign.locations[0].id))
    assert post_editor(client, url, fields, action="submit").status_code == 302
    db.session.refresh(foreign)
    assert foreign.title == "Korrigiert" and foreign.is_published
    assert db.session.scalar(select(Location.id).where(Location.id == foreign.locations[0].id))


def test_form_fields_have_no_empty_aria_attributes(client, provider, org):
    """The shared form_field macro leaves unset aria attributes out (WTForms would write "None")."""
    for url in (new_url(org), "/registrieren"):
        html = client.get(url).get_data(as_text=True)
        assert '="None"' not in html, url
    html = post_editor(client, new_url(org), offer_form(title=""), action="save").get_data(as_text=True)
    assert 'aria-describedby="title-error" aria-invalid="true"' in html


def test_preview_with_another_organisations_location_ids_shows_none_of_them(client, provider, org, foreign):
    """A hand-made preview POST with foreign location ids (also of a place that is not public)
    shows neither their names nor their addresses."""
    hidden = make_location(organization=foreign.organization, name="Geheimer Schutzraum",
                           address="Verborgene Gasse 7")
    db.session.commit()
    foreign_ids = [foreign.locations[0].id, hidden.id]
    fields = offer_form(locations=[str(i) for i in foreign_ids])
    response = post_editor(client, new_url(org), fields, action="preview")
    html = response.get_data(as_text=True)
    assert "Vorschau" in html
    for loc in (foreign.locations[0], hidden):
        assert loc.name not in html and loc.address not in html
    assert only_offer().title == "Fremdes Angebot"  # nothing saved


def test_domain_keeps_an_offer_to_its_own_locations(app, org, foreign):
    """save_offer drops ids of other organisations' locations even if a form let them through."""
    from directory.offers import editing
    from tests.workflow_support import make_user

    user = make_user("provider", [org], email="p@example.org")
    own = make_location(organization=org, name="Eigener Ort")
    db.session.flush()
    data = editing.empty_data()
    data.update(title="X", category_code="meeting", locations=[own.id, foreign.locations[0].id])
    offer = editing.save_offer(None, org, data, user, submit=False).offer
    db.session.commit()
    assert [loc.id for loc in offer.locations] == [own.id]
