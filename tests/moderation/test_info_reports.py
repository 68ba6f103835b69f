""""Stimmt etwas nicht?": visitors report wrong information without an account."""
from __future__ import annotations

from sqlalchemy import select

from directory.extensions import db
from directory.models import InfoReport
from tests.conftest import csrf_token
from tests.factories import make_offer, make_org
from tests.workflow_support import mails, make_user


def published_offer(app):
    with app.app_context():
        org = make_org(email="verein@example.org")
        offer = make_offer(organization=org, title="Sprachcafé am Markt", status="published")
        db.session.commit()
        member = make_user("provider", organizations=[org], email="anbieter@example.org")
        return offer.id, member.email


def test_a_visitor_reports_an_offer_and_provider_and_moderation_see_it(app, client, login_as):
    offer_id, provider_mail = published_offer(app)
    page = client.get(f"/angebote/{offer_id}").get_data(as_text=True)
    assert f'href="/angebote/{offer_id}/hinweis"' in page
    token = csrf_token(client, f"/angebote/{offer_id}/hinweis")
    response = client.post(f"/angebote/{offer_id}/hinweis",
                           data={"csrf_token": token, "kind": "time", "message": "Jetzt donnerstags"})
    assert response.status_code == 302
    with app.app_context():
        report = db.session.scalar(select(InfoReport).where(InfoReport.offer_id == offer_id))
        assert (report.offer_id, report.kind, report.message, report.contact) == (offer_id, "time", "Jetzt donnerstags", "")
        sent = mails(to=provider_mail, kind="info_report")
        assert len(sent) == 1 and "Jetzt donnerstags" in sent[0].body and "Sprachcafé am Markt" in sent[0].subject

    login_as("moderator")
    queue = client.get("/moderation/").get_data(as_text=True)
    assert "Offene Hinweise von Besuchern: 1" in queue
    listing = client.get("/moderation/hinweise").get_data(as_text=True)
    assert "Jetzt donnerstags" in listing and "Zeit oder Tag stimmt nicht" in listing
    token = csrf_token(client, "/moderation/hinweise")
    assert client.post(f"/moderation/hinweise/{report.id}/erledigt", data={"csrf_token": token}).status_code == 302
    assert "Offene Hinweise von Besuchern: 0" in client.get("/moderation/").get_data(as_text=True)


def test_a_report_needs_a_kind_and_nothing_personal(app, client):
    offer_id, _ = published_offer(app)
    token = csrf_token(client, f"/angebote/{offer_id}/hinweis")
    response = client.post(f"/angebote/{offer_id}/hinweis", data={"csrf_token": token, "message": "x"})
    assert response.status_code == 400
    assert "Bitte wählen Sie aus, was nicht stimmt." in response.get_data(as_text=True)
    bad = client.post(f"/angebote/{offer_id}/hinweis", data={"csrf_token": token, "kind": "nonsense"})
    assert bad.status_code == 400, bad.status_code
    assert client.get("/angebote/987654321/hinweis").status_code == 404
    with app.app_context():
        assert db.session.scalars(select(InfoReport.kind).where(InfoReport.offer_id == offer_id)).all() == []


def test_reports_are_rate_limited(app, client):
    app.config["RATELIMIT_REPORT"] = "2 per hour"
    offer_id, _ = published_offer(app)
    token = csrf_token(client, f"/angebote/{offer_id}/hinweis")
    codes = [client.post(f"/angebote/{offer_id}/hinweis", data={"csrf_token": token, "kind": "other"}).status_code
             for _ in range(3)]
    assert codes == [302, 302, 429]


def test_visitors_reports_are_for_staff_only(client, login_as):
    assert client.get("/moderation/hinweise").status_code in (302, 401, 403)
    login_as("provider")
    assert client.get("/moderation/hinweise").status_code == 403


def test_the_dashboard_counts_open_reports(app, client, login_as):
    offer_id, _ = published_offer(app)
    token = csrf_token(client, f"/angebote/{offer_id}/hinweis")
    client.post(f"/angebote/{offer_id}/hinweis", data={"csrf_token": token, "kind": "ended"})
    login_as("moderator")
    html = client.get("/auswertung/").get_data(as_text=True)
    assert "Offene Hinweise von Besuchern („Stimmt etwas nicht?“): 1" in html
