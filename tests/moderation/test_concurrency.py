"""Two people at the same moment, each in their own thread with their own database session
and connection: one approval wins, the other is told; one history record, one mail, no 500;
two saves of the same loaded version: one is saved, the other gets 409 with the differences.

To make the race certain rather than lucky, both requests are held just before their
decisive UPDATE (``claim_transition`` / ``claim_version``) until both have got there – both
have already read the old state, as two moderators clicking at once would."""
from __future__ import annotations

import re
import threading

import pytest
from flask import g
from sqlalchemy import func, select

from directory.accounts import users as accounts
from directory.extensions import db
from directory.models import (
    ChangeRecord,
    Location,
    OfferRevision,
    Organization,
    ReferralEvent,
    ReferralOffer,
    User,
    concurrency,
)
from directory.offers import editing
from directory.providers import organizations as profiles
from directory.providers import translations as provider_translations
from tests.factories import make_location, make_offer, make_org
from tests.moderation.test_moderation import submitted_offer
from tests.workflow_support import mails, make_user


@pytest.fixture
def app(committed_app):
    """Other threads and processes must see the data: real commits, not a rolled-back transaction."""
    return committed_app


def signed_in_client(app, user):
    client = app.test_client()
    session_id = user.get_id()
    db.session.commit()  # the session token get_id may just have made
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    return client


def token_of(client, url):
    """The CSRF token of the page for this client (the test's app context, and so flask.g,
    is shared by the requests made from the test's own thread: forget what the last left)."""
    for name in list(vars(g)):
        g.pop(name, None)
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def race(app, monkeypatch, module, name, requests):
    """Run the requests (callables) in threads at once, each held before the UPDATE of
    ``module.name`` until all are there; returns their responses."""
    barrier = threading.Barrier(len(requests), timeout=10)
    original = getattr(module, name)
    held = threading.local()

    def gated(*args, **kwargs):
        if not getattr(held, "done", False):
            held.done = True
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                pass
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, gated)
    results: list = [None] * len(requests)

    def run(i):
        try:
            results[i] = requests[i]()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    monkeypatch.setattr(module, name, original)
    assert not any(isinstance(r, Exception) for r in results), results
    db.session.expire_all()
    return results


def test_two_moderators_approve_the_same_proposal_at_once(app, monkeypatch):
    org = make_org()
    offer = submitted_offer(org)
    revision = editing.open_revision(offer)
    moderators = [make_user("moderator", email=f"m{i}@example.org") for i in range(2)]
    db.session.commit()
    url = f"/moderation/vorschlaege/{revision.id}"
    clients = [signed_in_client(app, m) for m in moderators]
    tokens = [token_of(c, url) for c in clients]
    responses = race(app, monkeypatch, editing, "claim_transition", [
        lambda c=c, t=t: c.post(url + "/freigeben", data={"csrf_token": t}) for c, t in zip(clients, tokens)])

    assert sorted(r.status_code for r in responses) == [302, 303]
    loser = next(c for c, r in zip(clients, responses) if r.status_code == 303)
    assert "schon freigegeben" in loser.get(url).get_data(as_text=True)
    assert db.session.get(OfferRevision, revision.id).state == "approved"
    approvals = db.session.scalar(select(func.count(ChangeRecord.id)).where(
        ChangeRecord.offer_id == offer.id, ChangeRecord.action == "approved"))
    assert approvals == 1
    assert len(mails(kind="moderation_result")) == 1


def test_approve_and_send_back_at_once_decide_once(app, monkeypatch):
    org = make_org()
    offer = submitted_offer(org)
    revision = editing.open_revision(offer)
    moderators = [make_user("moderator", email=f"m{i}@example.org") for i in range(2)]
    db.session.commit()
    url = f"/moderation/vorschlaege/{revision.id}"
    clients = [signed_in_client(app, m) for m in moderators]
    tokens = [token_of(c, url) for c in clients]
    responses = race(app, monkeypatch, editing, "claim_transition", [
        lambda: clients[0].post(url + "/freigeben", data={"csrf_token": tokens[0]}),
        lambda: clients[1].post(url + "/zurueckgeben", data={"csrf_token": tokens[1], "reason": "fehlt"}),
    ])
    assert all(r.status_code in (302, 303) for r in responses)
    decisions = db.session.scalar(select(func.count(ChangeRecord.id)).where(
        ChangeRecord.offer_id == offer.id, ChangeRecord.action.in_(("approved", "returned"))))
    assert decisions == 1 and len(mails(kind="moderation_result")) == 1


def test_two_moderators_approve_the_same_organisation_at_once(app, monkeypatch):
    org = make_org(name="Neu e.V.", approved=False)
    make_user("provider", [org], email="neu@example.org")
    moderators = [make_user("moderator", email=f"m{i}@example.org") for i in range(2)]
    db.session.commit()
    clients = [signed_in_client(app, m) for m in moderators]
    tokens = [token_of(c, "/moderation/") for c in clients]
    url = f"/moderation/organisationen/{org.id}/freigeben"
    responses = race(app, monkeypatch, editing, "claim_transition", [
        lambda c=c, t=t: c.post(url, data={"csrf_token": t}) for c, t in zip(clients, tokens)])
    assert [r.status_code for r in responses] == [302, 302]
    assert db.session.get(Organization, org.id).approved is True
    assert len(mails(to="neu@example.org", kind="organization_approved")) == 1
    assert db.session.scalar(select(func.count(ChangeRecord.id)).where(ChangeRecord.organization_id == org.id)) == 1


def test_two_saves_of_the_same_location_version(app, monkeypatch):
    org = make_org()
    location = make_location(organization=org, name="Treff", lat=52.2869, lon=8.916)
    members = [make_user("provider", [org], email=f"p{i}@example.org") for i in range(2)]
    db.session.commit()
    url = f"/anbieter/orte/{location.id}"
    clients = [signed_in_client(app, m) for m in members]
    tokens = [token_of(c, url) for c in clients]

    def save(i, name):
        return clients[i].post(url, data={"csrf_token": tokens[i], "name": name, "address": "", "postcode": "",
                                          "lat": "52.2869", "lon": "8.916", "version": "1", "action": "save"})

    responses = race(app, monkeypatch, editing, "claim_version",
                     [lambda: save(0, "Treff am Markt"), lambda: save(1, "Treff im Park")])
    assert sorted(r.status_code for r in responses) == [302, 409]
    conflict = next(r for r in responses if r.status_code == 409).get_data(as_text=True)
    saved = db.session.get(Location, location.id)
    assert saved.version == 2 and saved.name in ("Treff am Markt", "Treff im Park")
    assert saved.name in conflict and 'class="diff"' in conflict  # the table shows the saved name


def test_two_saves_of_the_same_organisation_profile_version(app, monkeypatch):
    org = make_org(name="Treff", phone="0571 1")
    members = [make_user("provider", [org], email=f"p{i}@example.org") for i in range(2)]
    db.session.commit()
    url = f"/anbieter/organisationen/{org.id}"
    clients = [signed_in_client(app, m) for m in members]
    tokens = [token_of(c, url) for c in clients]

    def save(i, phone):
        return clients[i].post(url, data={"csrf_token": tokens[i], "name": "Treff", "description": "",
                                          "website": "", "email": "", "phone": phone, "version": "1"})

    responses = race(app, monkeypatch, profiles, "claim_version",
                     [lambda: save(0, "0571 1111"), lambda: save(1, "0571 2222")])
    assert sorted(r.status_code for r in responses) == [302, 409]
    conflict = next(r for r in responses if r.status_code == 409).get_data(as_text=True)
    saved = db.session.get(Organization, org.id)
    assert saved.version == 2 and saved.phone in ("0571 1111", "0571 2222")
    assert saved.phone in conflict and 'class="diff"' in conflict
    assert db.session.scalar(select(func.count(ChangeRecord.id)).where(ChangeRecord.organization_id == org.id)) == 1


def test_two_admins_demoting_each_other_at_once_leave_one_admin(app, monkeypatch):
    admins = [make_user("admin", email=f"admin{i}@example.org") for i in range(2)]
    clients = [signed_in_client(app, a) for a in admins]
    urls = [f"/moderation/konten/{admins[1].id}", f"/moderation/konten/{admins[0].id}"]
    tokens = [token_of(c, u) for c, u in zip(clients, urls)]

    def demote(i):
        return clients[i].post(urls[i], data={"csrf_token": tokens[i], "role": "moderator", "active": "y",
                                              "version": "1"})

    responses = race(app, monkeypatch, accounts, "_lock_active_admins", [lambda: demote(0), lambda: demote(1)])
    assert sorted(r.status_code for r in responses) == [302, 400]
    assert db.session.scalar(select(func.count(User.id)).where(User.role == "admin", User.active.is_(True))) == 1


def test_two_approvals_of_a_translation_at_once(app, monkeypatch):
    org = make_org(trusted=False)
    offer = make_offer(organization=org, title="Nähcafé")
    author = make_user("provider", [org], email="autor@example.org")
    moderators = [make_user("moderator", email=f"m{i}@example.org") for i in range(2)]
    db.session.commit()
    client = signed_in_client(app, author)
    edit_url = f"/anbieter/angebote/{offer.id}/uebersetzungen/en"
    assert client.post(edit_url, data={"csrf_token": token_of(client, edit_url), "title": "Sewing café",
                                       "summary": "", "description": "", "plain_summary": "", "version": "0",
                                       "action": "save"}).status_code == 302
    db.session.expire_all()
    translation = offer.translations[0]
    url = f"/moderation/uebersetzungen/{translation.id}"
    clients = [signed_in_client(app, m) for m in moderators]
    tokens = [token_of(c, url) for c in clients]
    version = str(translation.version)
    responses = race(app, monkeypatch, provider_translations, "claim_transition", [
        lambda c=c, t=t: c.post(url + "/freigeben", data={"csrf_token": t, "version": version})
        for c, t in zip(clients, tokens)])
    assert sorted(r.status_code for r in responses) == [302, 303]
    assert db.session.scalar(select(func.count(ChangeRecord.id)).where(
        ChangeRecord.action == "translation_approved")) == 1
    assert len(mails(to="autor@example.org", kind="moderation_result")) == 1


def test_two_reports_of_a_referral_status_at_once(app, monkeypatch):
    from directory.models import Referral

    org = make_org()
    offer = make_offer(organization=org)
    counsellor = make_user("counsellor", email="beratung@example.org")
    referral = Referral.create(org, [offer], counsellor, "de")
    db.session.commit()
    item = referral.items[0]
    from directory.models import User

    def report(i):
        with app.app_context():
            own = db.session.get(ReferralOffer, item.id)
            user = db.session.get(User, counsellor.id)
            try:
                own.change("contacted", "provider", user)
                db.session.commit()
                return "changed"
            except Exception as exc:  # noqa: BLE001
                db.session.rollback()
                return type(exc).__name__
            finally:
                db.session.remove()

    import directory.models.referrals as referral_models

    outcomes = race(app, monkeypatch, referral_models, "claim_transition", [lambda: report(0), lambda: report(1)])
    assert sorted(outcomes) == ["InvalidTransition", "changed"]
    events = db.session.scalar(select(func.count(ReferralEvent.id)).where(
        ReferralEvent.item_id == item.id, ReferralEvent.status == "contacted"))
    assert events == 1


def test_claim_helpers_are_the_ones_in_use():
    """The race tests above hold these names; the domain code must call them through there."""
    assert editing.claim_transition is concurrency.claim_transition
    assert editing.claim_version is concurrency.claim_version
    assert provider_translations.claim_transition is concurrency.claim_transition
    assert profiles.claim_version is concurrency.claim_version
    assert accounts.claim_version is concurrency.claim_version


pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
