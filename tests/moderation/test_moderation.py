"""Moderation pages: queue, review with differences, approve, send back, organisations,
history, stale list, outbox."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.models import Offer, OfferRevision, Organization
from directory.offers import editing
from tests.conftest import csrf_token
from tests.factories import make_offer, make_org
from tests.workflow_support import mails, make_user


def submitted_offer(org: Organization, **overrides) -> Offer:
    provider = make_user("provider", [org], email=f"anbieter-{org.id}@example.org")
    data = editing.empty_data()
    data.update(title="Fahrradwerkstatt", summary="Reparieren", category_code="volunteering",
                languages=["de"], target_groups=["youth"], challenges=["Z3"])
    data.update(overrides)
    offer = editing.save_offer(None, org, data, provider, submit=True).offer
    db.session.commit()
    return offer


def test_queue_lists_new_organisations_and_submitted_offers(client, login_as):
    new_org = make_org(name="Neuer Verein", approved=False)
    approved = make_org(name="Alter Verein")
    submitted_offer(approved)
    login_as("moderator")
    html = client.get("/moderation/").get_data(as_text=True)
    assert "Neuer Verein" in html and "Organisation freigeben" in html
    assert "Fahrradwerkstatt" in html and ">neu<" in html
    assert new_org.id


@pytest.mark.parametrize("role, status", [("provider", 403), ("counsellor", 403), ("admin", 200)])
def test_only_staff_see_the_queue(client, login_as, role, status):
    login_as(role)
    assert client.get("/moderation/").status_code == status


def test_approve_over_http_publishes(client, login_as):
    org = make_org()
    offer = submitted_offer(org)
    revision = editing.open_revision(offer)
    login_as("moderator")
    url = f"/moderation/vorschlaege/{revision.id}"
    assert "Freigeben und veröffentlichen" in client.get(url).get_data(as_text=True)
    response = client.post(url + "/freigeben", data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    db.session.refresh(offer)
    assert offer.is_published
    assert client.get(f"/angebote/{offer.id}").status_code == 200


def test_send_back_requires_a_reason_and_the_provider_sees_it(client, login_as):
    org = make_org()
    offer = submitted_offer(org)
    revision = editing.open_revision(offer)
    moderator = login_as("moderator")
    url = f"/moderation/vorschlaege/{revision.id}"
    token = csrf_token(client, url)
    empty = client.post(url + "/zurueckgeben", data={"csrf_token": token, "reason": " "})
    assert empty.status_code == 400 and "Bitte geben Sie einen Grund an" in empty.get_data(as_text=True)
    assert client.post(url + "/zurueckgeben", data={"csrf_token": token, "reason": "Bitte Ort angeben."}).status_code == 302
    db.session.refresh(revision)
    assert revision.state == "returned" and revision.decided_by_id == moderator.id
    # the provider sees the reason on the dashboard and in the editor
    provider = db.session.scalar(select(Organization).where(Organization.id == org.id))
    login_as("provider", organizations=[provider])
    assert "Bitte Ort angeben." in client.get("/anbieter/").get_data(as_text=True)
    assert "Bitte Ort angeben." in client.get(f"/anbieter/angebote/{offer.id}").get_data(as_text=True)


def test_review_of_a_change_shows_old_and_new_values(client, login_as):
    org = make_org()
    offer = make_offer(organization=org, title="Lesecafé")
    db.session.commit()
    provider = make_user("provider", [org])
    changed = dict(editing.data_from_offer(offer), title="Lesecafé am Abend", is_free=False, cost="1 €")
    editing.save_offer(offer, org, changed, provider, submit=True, expected_version=offer.version)
    db.session.commit()
    login_as("moderator")
    html = client.get(f"/moderation/vorschlaege/{editing.open_revision(offer).id}").get_data(as_text=True)
    assert '<th scope="row">Titel</th><td>Lesecafé</td><td>Lesecafé am Abend</td>' in html
    assert '<th scope="row">Kostenlos</th><td>ja</td><td>nein</td>' in html


def test_history_shows_who_when_and_which_fields_changed(client, login_as):
    org = make_org()
    offer = submitted_offer(org)
    moderator = make_user("moderator", email="stadt@example.org")
    editing.approve(editing.open_revision(offer), moderator)
    changed = dict(editing.data_from_offer(offer), title="Fahrradwerkstatt Nord")
    editing.save_offer(offer, org, changed, moderator, submit=True, expected_version=offer.version)
    db.session.commit()
    login_as("moderator")
    html = client.get(f"/moderation/angebote/{offer.id}/verlauf").get_data(as_text=True)
    for text in ("angelegt", "zur Prüfung eingereicht", "freigegeben", "geändert", "Moderator",
                 '<td>Fahrradwerkstatt</td><td>Fahrradwerkstatt Nord</td>'):
        assert text in html, text


def test_organisation_approval_with_trust(client, login_as):
    org = make_org(name="Neue Initiative", approved=False)
    make_user("provider", [org], email="initiative@example.org")
    login_as("moderator")
    token = csrf_token(client, "/moderation/")
    client.post(f"/moderation/organisationen/{org.id}/freigeben", data={"csrf_token": token, "trusted": "y"})
    db.session.refresh(org)
    assert org.approved and org.trusted
    assert mails(to="initiative@example.org", kind="organization_approved")
    client.post(f"/moderation/organisationen/{org.id}/vertrauen", data={"csrf_token": token})
    db.session.refresh(org)
    assert not org.trusted


def test_stale_list_shows_hidden_offers(client, login_as):
    hidden = make_offer(title="Vergessenes Angebot", last_confirmed=dt.date.today() - dt.timedelta(days=400))
    make_offer(title="Frisches Angebot")
    db.session.commit()
    login_as("moderator")
    html = client.get("/moderation/veraltet").get_data(as_text=True)
    assert "Vergessenes Angebot" in html and "Frisches Angebot" not in html
    assert "Lange nicht bestätigt" in html
    assert hidden.id


def test_all_offers_list_filters_and_rejects_bad_parameters(client, login_as):
    make_offer(title="Schachtreff", status="published")
    make_offer(title="Kochkurs", status="draft")
    db.session.commit()
    login_as("moderator")
    html = client.get("/moderation/angebote?status=draft").get_data(as_text=True)
    assert "Kochkurs" in html and "Schachtreff" not in html
    assert "Schachtreff" in client.get("/moderation/angebote?q=schach").get_data(as_text=True)
    assert client.get("/moderation/angebote?status=evil").status_code == 400
    assert client.get("/moderation/angebote?page=-1").status_code == 400


def test_outbox_page_is_for_admins(client, login_as):
    login_as("moderator")
    assert client.get("/moderation/postausgang").status_code == 403
    org = make_org()
    submitted_offer(org)
    login_as("admin")
    html = client.get("/moderation/postausgang").get_data(as_text=True)
    assert "wartet auf Prüfung" in html


def test_revision_that_was_decided_cannot_be_decided_again(client, login_as):
    org = make_org()
    offer = submitted_offer(org)
    revision = editing.open_revision(offer)
    login_as("moderator")
    url = f"/moderation/vorschlaege/{revision.id}"
    token = csrf_token(client, url)
    client.post(url + "/freigeben", data={"csrf_token": token})
    response = client.post(url + "/zurueckgeben", data={"csrf_token": token, "reason": "zu spät"}, follow_redirects=True)
    assert "schon freigegeben" in response.get_data(as_text=True)
    assert db.session.get(OfferRevision, revision.id).state == "approved"
