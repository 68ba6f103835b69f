"""Sign-up with a new organisation, invitations, password reset, confirming from a mail link."""
from __future__ import annotations

import contextlib
import datetime as dt
import time

import pytest
from flask import g
from itsdangerous.timed import TimestampSigner
from sqlalchemy import func, select

from directory.extensions import db
from directory.models import Invitation, User
from tests.conftest import csrf_token
from tests.factories import make_offer, make_org
from tests.workflow_support import link_in, mails, make_user

SIGNUP = {
    "display_name": "Aylin Demir", "email": "aylin@example.org", "password": "ein-sicheres-passwort",
    "password2": "ein-sicheres-passwort", "organization_name": "Nachbarschaftstreff Rodenbeck",
    "organization_description": "Treffpunkt im Quartier", "organization_website": "https://treff.example.org",
    "organization_email": "", "organization_phone": "",
}


def sign_up(client, **overrides):
    return client.post("/registrieren", data={"csrf_token": csrf_token(client, "/registrieren"), **SIGNUP, **overrides})


@contextlib.contextmanager
def old_tokens():
    """Tokens signed inside ``with old_tokens():`` are 90 days old."""
    original = TimestampSigner.get_timestamp
    TimestampSigner.get_timestamp = lambda self: int(time.time()) - 90 * 24 * 3600
    try:
        yield
    finally:
        TimestampSigner.get_timestamp = original


def test_sign_up_creates_a_provider_and_an_unapproved_organisation(client, login_as):
    moderator = make_user("moderator", email="stadt@example.org")
    response = sign_up(client)
    assert response.status_code == 200 and "Wir haben Ihnen eine E-Mail geschickt" in response.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "aylin@example.org"))
    org = user.organizations[0]
    assert user.role == "provider" and user.password_hash.startswith("scrypt:") and user.active is False
    assert org.name == "Nachbarschaftstreff Rodenbeck" and org.approved is False and org.trusted is False
    assert client.get("/anbieter/").status_code == 302  # not signed in before the address is confirmed
    assert mails(to=moderator.email, kind="signup") == []
    link = link_in(mails(to="aylin@example.org", kind="signup_confirm")[0].body, "/registrieren/bestaetigen/")
    assert client.get(link).status_code == 200  # a visit (mail scanner) activates nothing
    db.session.refresh(user)
    assert user.active is False
    response = client.post(link, data={"csrf_token": csrf_token(client, link)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/anbieter/")
    assert "wartet auf Freigabe" in client.get("/anbieter/").get_data(as_text=True)
    (notice,) = mails(to=moderator.email, kind="signup")
    assert "Nachbarschaftstreff Rodenbeck" in notice.body and "/moderation/" in notice.body
    client.post("/abmelden", data={"csrf_token": csrf_token(client, "/anbieter/")})
    assert client.get(link).status_code == 400  # one-time


@pytest.mark.parametrize("overrides, message", [
    ({"password2": "etwas-anderes-1"}, "Die Passwörter stimmen nicht überein."),
    ({"password": "kurz", "password2": "kurz"}, "mindestens 10 Zeichen"),
    ({"email": "keine-adresse"}, "gültige E-Mail-Adresse"),
    ({"organization_name": ""}, "Namen der Organisation"),
    ({"organization_website": "javascript:alert(1)"}, "vollständige Adresse"),
])
def test_sign_up_rejects_bad_input_with_field_messages(client, overrides, message):
    response = sign_up(client, **overrides)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_sign_up_refuses_a_known_organisation(client):
    make_org(name="Nachbarschaftstreff Rodenbeck")
    db.session.commit()
    assert "schon im Wegweiser" in sign_up(client).get_data(as_text=True)


def test_sign_up_with_a_known_email_answers_like_a_new_one(client):
    """The page does not tell whether an account exists; the owner of the address gets a hint."""
    new = sign_up(client, email="neu@example.org", organization_name="Neu e.V.")
    make_user("provider", email="aylin@example.org")
    known = sign_up(client, organization_name="Etwas Neues")
    assert (known.status_code, known.get_data(as_text=True)) == (new.status_code, new.get_data(as_text=True))
    (hint,) = mails(to="aylin@example.org")
    assert hint.kind == "signup_known" and "/passwort-vergessen" in hint.body
    assert db.session.scalar(select(func.count(User.id)).where(User.email == "aylin@example.org")) == 1


def test_sign_up_is_rate_limited(app, client):
    app.config["RATELIMIT_ACCOUNT"] = "2 per minute"
    codes = [sign_up(client, email=f"x{i}@example.org", password2="falsch-falsch").status_code for i in range(3)]
    assert codes == [400, 400, 429]


def invite(client, org, email="kollegin@example.org"):
    token = csrf_token(client, "/anbieter/")
    return client.post(f"/anbieter/organisationen/{org.id}/einladen", data={"csrf_token": token, "email": email})


def test_invitation_link_creates_a_colleague_once(app, client, login_as):
    org = make_org(name="Lesepaten")
    db.session.commit()
    login_as("provider", organizations=[org])
    assert invite(client, org).status_code == 302
    (mail,) = mails(to="kollegin@example.org", kind="invitation")
    path = link_in(mail.body, "/einladung/")
    client.post("/abmelden", data={"csrf_token": csrf_token(client, "/anbieter/")})

    page = client.get(path)
    assert page.status_code == 200 and "Lesepaten" in page.get_data(as_text=True)
    token = csrf_token(client, path)
    response = client.post(path, data={"csrf_token": token, "display_name": "Kollegin",
                                       "password": "noch-ein-passwort", "password2": "noch-ein-passwort"})
    assert response.status_code == 302
    colleague = db.session.scalar(select(User).where(User.email == "kollegin@example.org"))
    assert [o.name for o in colleague.organizations] == ["Lesepaten"]
    # one-time: the same link does not work again
    client.post("/abmelden", data={"csrf_token": csrf_token(client, "/anbieter/")})
    assert client.get(path).status_code == 400


def test_invitation_for_an_existing_account_joins_after_login(client, login_as):
    org, other = make_org(name="Lesepaten"), make_org(name="Schachclub")
    db.session.commit()
    member = make_user("provider", [other], email="schach@example.org")
    login_as("provider", organizations=[org])
    invite(client, org, email="schach@example.org")
    path = link_in(mails(to="schach@example.org")[0].body, "/einladung/")
    client.post("/abmelden", data={"csrf_token": csrf_token(client, "/anbieter/")})
    assert "Bitte melden Sie sich an" in client.get(path).get_data(as_text=True)
    with client.session_transaction() as session:
        session["_user_id"] = member.get_id()
    g.pop("_login_user", None)  # the test's app context outlives requests; forget the logged-out user
    client.post(path, data={"csrf_token": csrf_token(client, path)})
    db.session.refresh(member)
    assert sorted(o.name for o in member.organizations) == ["Lesepaten", "Schachclub"]


def test_expired_or_forged_invitation_is_refused(client, login_as):
    org = make_org()
    db.session.commit()
    login_as("provider", organizations=[org])
    invite(client, org)
    path = link_in(mails()[0].body, "/einladung/")
    assert client.get(path + "x").status_code == 400
    invitation = db.session.scalar(select(Invitation))
    invitation.expires_at = dt.datetime(2020, 1, 1)
    db.session.commit()
    assert client.get(path).status_code == 400


def test_password_reset_by_signed_expiring_one_time_link(client):
    user = make_user("provider", email="rita@example.org", password="altes-passwort-1")
    token = csrf_token(client, "/passwort-vergessen")
    known = client.post("/passwort-vergessen", data={"csrf_token": token, "email": "RITA@example.org"})
    unknown = client.post("/passwort-vergessen", data={"csrf_token": token, "email": "niemand@example.org"})
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)  # no account enumeration
    (mail,) = mails()
    path = link_in(mail.body, "/passwort-neu/")
    form = {"csrf_token": csrf_token(client, path), "password": "neues-passwort-1", "password2": "neues-passwort-1"}
    assert client.post(path, data=form).status_code == 302
    db.session.refresh(user)
    assert user.check_password("neues-passwort-1")
    assert client.get(path).status_code == 400  # used: the password hash changed


def test_password_reset_link_expires(client):
    from directory.core import tokens

    user = make_user("provider", email="rita@example.org")
    with old_tokens():
        path = "/passwort-neu/" + tokens.make(tokens.RESET, {"u": user.id, "p": tokens.password_fingerprint(user.password_hash)})
    assert client.get(path[:-2]).status_code == 400
    response = client.get(path)
    assert response.status_code == 400 and "abgelaufen" in response.get_data(as_text=True)


def test_confirm_link_needs_a_click_not_just_a_visit(client):
    from directory.offers import freshness

    offer = make_offer(last_confirmed=dt.date.today() - dt.timedelta(days=200))
    db.session.commit()
    path = link_in(freshness.confirm_link(offer), "/angebot-bestaetigen/")
    page = client.get(path)
    assert page.status_code == 200 and offer.title in page.get_data(as_text=True)
    db.session.refresh(offer)
    assert offer.last_confirmed < dt.date.today()  # a mail scanner opening the link confirms nothing
    assert client.post(path, data={"csrf_token": csrf_token(client, path)}).status_code == 200
    db.session.refresh(offer)
    assert offer.last_confirmed == dt.date.today()
    assert client.get(path[:-3] + "abc").status_code == 400


def test_confirm_link_expires(client):
    from directory.offers import freshness

    offer = make_offer()
    db.session.commit()
    with old_tokens():
        path = link_in(freshness.confirm_link(offer), "/angebot-bestaetigen/")
    response = client.get(path)
    assert response.status_code == 400 and "abgelaufen" in response.get_data(as_text=True)


def test_login_page_links_to_sign_up_and_reset(client):
    html = client.get("/anmelden").get_data(as_text=True)
    assert 'href="/registrieren"' in html and 'href="/passwort-vergessen"' in html
