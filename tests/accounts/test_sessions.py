"""Sessions end at logout and at a password change – also copies of the cookie; login does
the same work for known and unknown addresses; ``next=`` stays on this site; login limits are
shared by every app instance on the database; security headers and Secure cookies."""
from __future__ import annotations

import uuid

import pytest
from flask import g

from directory.accounts import auth
from directory.accounts.auth import safe_next
from directory.extensions import db
from directory.models import User
from tests.conftest import csrf_token, make_app
from tests.workflow_support import link_in, mails, make_user

PASSWORD = "ein-langes-passwort"


def forget_request_state():
    """The test's app context (and so flask.g) outlives requests: forget the user and the CSRF
    token that the previous request – perhaps of another client – left there."""
    for name in list(vars(g)):
        g.pop(name, None)


def log_in(client, email, password=PASSWORD, next_=None):
    forget_request_state()
    url = "/anmelden" + (f"?next={next_}" if next_ else "")
    return client.post(url, data={"csrf_token": csrf_token(client, "/anmelden"), "email": email,
                                  "password": password})


def signed_in(client) -> bool:
    forget_request_state()
    return client.get("/anbieter/").status_code == 200


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_cookie_captured_before_logout_is_refused_afterwards(app, client):
    make_user("provider", email="anna@example.org")
    assert log_in(client, "anna@example.org").status_code == 302
    captured = session_cookie(client)
    assert signed_in(client)
    forget_request_state()
    client.post("/abmelden", data={"csrf_token": csrf_token(client, "/anbieter/")})
    assert not signed_in(client)

    replay = app.test_client()
    replay.set_cookie("session", captured)
    assert not signed_in(replay)


def test_logout_on_one_device_ends_the_session_on_the_other(app, client):
    make_user("provider", email="anna@example.org")
    laptop, phone = client, app.test_client()
    log_in(laptop, "anna@example.org")
    log_in(phone, "anna@example.org")
    assert signed_in(laptop) and signed_in(phone)
    forget_request_state()
    phone.post("/abmelden", data={"csrf_token": csrf_token(phone, "/anbieter/")})
    assert not signed_in(laptop)


def test_password_reset_ends_existing_sessions(app, client):
    make_user("provider", email="anna@example.org")
    log_in(client, "anna@example.org")
    assert signed_in(client)
    other = app.test_client()
    forget_request_state()
    other.post("/passwort-vergessen", data={"csrf_token": csrf_token(other, "/passwort-vergessen"),
                                            "email": "anna@example.org"})
    path = link_in(mails(to="anna@example.org", kind="password_reset")[0].body, "/passwort-neu/")
    forget_request_state()
    response = other.post(path, data={"csrf_token": csrf_token(other, path), "password": "ein-neues-passwort",
                                      "password2": "ein-neues-passwort"})
    assert response.status_code == 302
    assert not signed_in(client)
    assert log_in(client, "anna@example.org", "ein-neues-passwort").status_code == 302


def test_a_session_id_without_the_current_token_is_not_signed_in(app, client):
    user = make_user("provider", email="anna@example.org")
    for forged in (str(user.id), f"{user.id}:", f"{user.id}:guessed", "x:y", "99999999999999999999:a"):
        with client.session_transaction() as session:
            session["_user_id"] = forged
        assert not signed_in(client), forged


def test_unknown_email_costs_a_password_hash_like_a_known_one(app, client, monkeypatch):
    make_user("provider", email="anna@example.org")
    checked = []
    original = auth.check_password_hash
    monkeypatch.setattr(auth, "check_password_hash", lambda h, p: checked.append(h) or original(h, p))
    unknown = log_in(client, "niemand@example.org", "falsch-falsch")
    known = log_in(client, "anna@example.org", "falsch-falsch")
    assert unknown.status_code == known.status_code == 401
    assert checked and checked[0].startswith("scrypt:")  # the dummy hash, as costly as a real one
    # the same answer for both
    assert "E-Mail-Adresse oder Passwort ist falsch." in unknown.get_data(as_text=True)
    assert "E-Mail-Adresse oder Passwort ist falsch." in known.get_data(as_text=True)


@pytest.mark.parametrize("target", [
    "//evil.example/", "/\t/evil.example", "/\\evil.example", "\\\\evil.example", "https://evil.example/",
    "javascript:alert(1)", "/ok\r\nLocation: //evil.example", "/\x00", "evil.example",
    "/\u2028x", "", None,
])
def test_next_only_to_this_site(target):
    assert safe_next(target) is None


def test_next_keeps_local_paths():
    assert safe_next("/anbieter/angebote/3?x=1#a") == "/anbieter/angebote/3?x=1#a"


def test_login_follows_only_local_next(client):
    make_user("provider", email="anna@example.org")
    response = log_in(client, "anna@example.org", next_="/%09/evil.example")
    # a control character in next= is refused outright (400); otherwise the redirect stays here
    assert response.status_code in (302, 400) and "evil.example" not in response.headers.get("Location", "")


def test_provider_form_next_cannot_leave_the_site(client, login_as):
    from tests.factories import make_offer, make_org

    org = make_org()
    offer = make_offer(organization=org)
    db.session.commit()
    login_as("provider", organizations=[org])
    token = csrf_token(client, "/anbieter/")
    for target in ("/\t/evil.example", "//evil.example", "/\\evil.example"):
        response = client.post(f"/anbieter/angebote/{offer.id}/bestaetigen",
                               data={"csrf_token": token, "next": target})
        assert response.status_code in (302, 400) and "evil.example" not in response.headers.get("Location", ""), target


def test_login_limit_is_shared_by_app_instances_on_one_database(databases, backend):
    """Two app instances (two workers or servers) count the same tries in the database."""
    key_prefix = f"t{uuid.uuid4().hex[:8]}"
    url = databases.url(backend, "scratch")
    apps = [make_app(url, RATELIMIT_STORAGE_URI="wegweiser+db://", RATELIMIT_KEY_PREFIX=key_prefix,
                     RATELIMIT_LOGIN="3 per minute") for _ in range(2)]
    codes = []
    for i in range(4):
        instance = apps[i % 2]
        with instance.app_context():
            client = instance.test_client()
            codes.append(client.post("/anmelden", data={"csrf_token": csrf_token(client, "/anmelden"),
                                                        "email": "x@example.org", "password": "y"}).status_code)
            db.session.remove()
    for instance in apps:
        with instance.app_context():
            db.engine.dispose()
    assert codes == [401, 401, 401, 429]


def test_security_headers_on_pages_and_a_frameable_widget(client):
    page = client.get("/")
    csp = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp and "'nonce-" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert page.headers["X-Frame-Options"] == "DENY"
    provider_area = client.get("/anbieter/")
    assert "frame-ancestors 'none'" in provider_area.headers["Content-Security-Policy"]
    widget = client.get("/widget")
    assert "frame-ancestors *" in widget.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in widget.headers


def test_cookies_are_secure_in_production_only(databases, backend, monkeypatch):
    from directory import create_app
    from directory.core.observability import log

    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    monkeypatch.setattr(log, "handlers", [])  # the production app adds its JSON handler: not for the rest of the run
    monkeypatch.setattr(log, "propagate", True)
    production = create_app({"SQLALCHEMY_DATABASE_URI": databases.url(backend, "scratch"),
                             "RATELIMIT_STORAGE_URI": "memory://"})
    assert production.config["SESSION_COOKIE_SECURE"] is True
    with production.app_context():
        response = production.test_client().get("/anmelden")
        assert "Secure" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
        db.engine.dispose()
    testing = make_app(databases.url(backend, "scratch"))
    assert testing.config["SESSION_COOKIE_SECURE"] is False


def test_request_id_is_taken_or_made_and_returned(client):
    assert client.get("/", headers={"X-Request-ID": "lb-42.a_b"}).headers["X-Request-ID"] == "lb-42.a_b"
    made = client.get("/", headers={"X-Request-ID": "bad id!"}).headers["X-Request-ID"]
    assert made != "bad id!" and len(made) == 32


def test_healthz_reports_database_and_migrations(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json["status"] == "ok"
    from directory.core.observability import _migration_heads

    assert response.json["checks"]["migrations"] == {"ok": True, "revision": ",".join(sorted(_migration_heads()))}
    assert "Set-Cookie" not in response.headers


def test_healthz_is_503_when_redis_is_unreachable(app, client):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json["checks"]["redis"]["ok"] is False


def test_user_model_session_token_changes_with_the_password(app):
    user = User(email="a@example.org")
    user.set_password("ein-langes-passwort")
    first = user.session_token
    user.set_password("ein-anderes-passwort")
    assert first and user.session_token != first


def test_pages_after_the_login_form_leave_the_session_cookie_alone(client):
    """Only a change writes the cookie: a page loaded while the visitor signs in (another tab,
    the service worker) must not answer with an older cookie that undoes the sign-in."""
    first = client.get("/anmelden")
    assert any(h.startswith("session=") for h in first.headers.getlist("Set-Cookie"))
    for url in ("/offline", "/", "/ueber", "/anmelden"):
        response = client.get(url)
        assert response.status_code == 200
        assert not any(h.startswith("session=") for h in response.headers.getlist("Set-Cookie")), url
