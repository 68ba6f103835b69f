"""Mein Konto (/konto): name and e-mail (the current password for a new address), password
change (the current password, the sign-up rules), "Überall abmelden"; a session captured
before a password change is refused afterwards while the current one keeps working."""
from __future__ import annotations

import re

import pytest

from directory.extensions import db
from directory.models import User
from tests.accounts.test_sessions import forget_request_state, log_in, session_cookie, signed_in
from tests.conftest import csrf_token
from tests.workflow_support import mails, make_user

PASSWORD = "ein-langes-passwort"


def token(client) -> str:
    forget_request_state()
    return csrf_token(client, "/konto/")


def save_account(client, user, **overrides):
    data = {"csrf_token": token(client), "display_name": user.display_name, "email": user.email,
            "current_password": "", "version": str(user.version)}
    data.update(overrides)
    forget_request_state()
    return client.post("/konto/", data=data)


def change_password(client, old=PASSWORD, new="ein-neues-passwort", repeat=None):
    data = {"csrf_token": token(client), "old_password": old, "password": new, "password2": repeat or new}
    forget_request_state()
    return client.post("/konto/passwort", data=data)


@pytest.fixture
def anna(app, client):
    user = make_user("provider", email="anna@example.org")
    assert log_in(client, "anna@example.org").status_code == 302
    return user


def test_the_header_links_to_the_account_page(app, client, anna):
    forget_request_state()
    html = client.get("/anbieter/").get_data(as_text=True)
    assert 'href="/konto/"' in html
    forget_request_state()
    page = client.get("/konto/")
    assert page.status_code == 200 and "anna@example.org" in page.get_data(as_text=True)


def test_name_changes_without_a_password_the_email_needs_it(app, client, anna):
    assert save_account(client, anna, display_name="Anna Schmidt").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, anna.id).display_name == "Anna Schmidt"
    user = db.session.get(User, anna.id)
    refused = save_account(client, user, email="anna.neu@example.org", current_password="falsch-falsch")
    assert refused.status_code == 400 and "aktuelles Passwort" in refused.get_data(as_text=True)
    assert 'value="anna.neu@example.org"' in refused.get_data(as_text=True)  # the input stays
    db.session.expire_all()
    assert db.session.get(User, anna.id).email == "anna@example.org"
    assert save_account(client, user, email="anna.neu@example.org", current_password=PASSWORD).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, anna.id).email == "anna.neu@example.org"
    assert len(mails(to="anna@example.org", kind="email_changed")) == 1  # the old address is told
    assert signed_in(client)
    assert log_in(app.test_client(), "anna.neu@example.org").status_code == 302


def test_an_email_of_another_account_is_refused(app, client, anna):
    make_user("provider", email="bernd@example.org")
    response = save_account(client, anna, email="BERND@example.org", current_password=PASSWORD)
    assert response.status_code == 400 and "anderen Konto" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, anna.id).email == "anna@example.org"


def test_a_stale_account_form_gets_409_with_both_values(app, client, anna):
    loaded_version = anna.version
    tok = token(client)
    user = db.session.get(User, anna.id)
    user.display_name, user.version = "Anna (vom anderen Gerät)", user.version + 1
    db.session.commit()
    forget_request_state()
    response = client.post("/konto/", data={"csrf_token": tok, "display_name": "Anna Meine Eingabe",
                                            "email": "anna@example.org", "version": str(loaded_version)})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    table = html[html.index('class="diff"'):html.index("</table>")]
    assert "Anna (vom anderen Gerät)" in table and "Anna Meine Eingabe" in table
    assert 'value="Anna Meine Eingabe"' in html
    assert re.search(rf'name="version" type="hidden" value="{loaded_version + 1}"', html)
    db.session.expire_all()
    assert db.session.get(User, anna.id).display_name == "Anna (vom anderen Gerät)"


def test_a_password_change_ends_other_sessions_and_keeps_this_one(app, client, anna):
    other = app.test_client()
    assert log_in(other, "anna@example.org").status_code == 302
    captured = session_cookie(client)  # a copy of this very cookie, taken before the change
    assert signed_in(other)
    response = change_password(client)
    assert response.status_code == 302
    assert signed_in(client)  # the current session keeps working
    assert not signed_in(other)
    replay = app.test_client()
    replay.set_cookie("session", captured)
    assert not signed_in(replay)
    assert log_in(app.test_client(), "anna@example.org", "ein-neues-passwort").status_code == 302
    assert log_in(app.test_client(), "anna@example.org", PASSWORD).status_code == 401
    assert len(mails(to="anna@example.org", kind="password_changed")) == 1


@pytest.mark.parametrize("old, new, repeat, message", [
    ("falsch-falsch", "ein-neues-passwort", None, "stimmt nicht"),
    (PASSWORD, "kurz", None, "mindestens 10 Zeichen"),
    (PASSWORD, "ein-neues-passwort", "ein-anderes-passwort", "stimmen nicht überein"),
    (PASSWORD, "x" * 201, None, "mindestens 10 Zeichen"),
    ("", "ein-neues-passwort", None, "aktuelles Passwort"),
    (PASSWORD, "ein-neues\x00passwort", None, "Steuerzeichen"),
])
def test_bad_password_changes_are_400_and_change_nothing(app, client, anna, old, new, repeat, message):
    hash_before = db.session.get(User, anna.id).password_hash
    response = change_password(client, old, new, repeat)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, anna.id).password_hash == hash_before
    assert signed_in(client)


def test_sign_out_everywhere_keeps_only_this_session(app, client, anna):
    other = app.test_client()
    log_in(other, "anna@example.org")
    captured = session_cookie(client)
    forget_request_state()
    response = client.post("/konto/ueberall-abmelden", data={"csrf_token": token(client)})
    assert response.status_code == 302
    assert signed_in(client) and not signed_in(other)
    replay = app.test_client()
    replay.set_cookie("session", captured)
    assert not signed_in(replay)


def test_bad_account_input_is_400(app, client, anna):
    for overrides in ({"display_name": ""}, {"display_name": "x" * 121}, {"display_name": "A\x00"},
                      {"email": "keine-adresse"}, {"version": "abc"}, {"version": "1" * 40}):
        response = save_account(client, anna, **overrides)
        assert response.status_code == 400, overrides
    db.session.expire_all()
    assert db.session.get(User, anna.id).display_name == anna.display_name


def test_anonymous_visitors_are_sent_to_the_login(app, client):
    response = client.get("/konto/")
    assert response.status_code == 302 and "/anmelden" in response.headers["Location"]
    assert client.post("/konto/passwort", data={}).status_code == 400  # the CSRF token is checked first


@pytest.mark.parametrize("role", ["provider", "counsellor", "moderator", "admin"])
def test_every_role_has_the_account_page(app, client, login_as, role):
    user = login_as(role)
    html = client.get("/konto/").get_data(as_text=True)
    assert user.email in html and 'href="/konto/"' in html
    assert save_account(client, user, display_name=f"{role} neu").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).display_name == f"{role} neu"
