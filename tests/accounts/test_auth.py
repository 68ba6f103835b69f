"""Signing in and out; role checks; CSRF; rate limit."""
import pytest

from directory.extensions import db
from tests.conftest import csrf_token
from tests.factories import make_org


@pytest.fixture
def provider(app):
    from directory.models import User
    user = User(email="anna@example.org", role="provider", display_name="Anna")
    user.set_password("richtig-langes-passwort")
    user.organizations = [make_org(name="Sportverein")]
    db.session.add(user)
    db.session.commit()
    return user


def test_login_and_logout(client, provider):
    token = csrf_token(client, "/anmelden")
    response = client.post("/anmelden", data={"csrf_token": token, "email": "ANNA@example.org",
                                              "password": "richtig-langes-passwort"})
    assert response.status_code == 302
    assert "Anna" in client.get("/").get_data(as_text=True)
    token = csrf_token(client, "/")
    assert client.post("/abmelden", data={"csrf_token": token}).status_code == 302
    assert 'href="/anmelden"' in client.get("/").get_data(as_text=True)


def test_wrong_password_is_401_with_a_message(client, provider):
    token = csrf_token(client, "/anmelden")
    response = client.post("/anmelden", data={"csrf_token": token, "email": "anna@example.org",
                                              "password": "falsch"})
    assert response.status_code == 401
    assert "E-Mail-Adresse oder Passwort ist falsch." in response.get_data(as_text=True)


def test_password_is_stored_as_scrypt_hash(provider):
    assert provider.password_hash.startswith("scrypt:")
    assert provider.check_password("richtig-langes-passwort")
    assert not provider.check_password("richtig-langes-passwort ")


def test_login_without_csrf_token_is_rejected(client, provider):
    response = client.post("/anmelden", data={"email": "anna@example.org", "password": "richtig-langes-passwort"})
    assert response.status_code == 400
    assert "Sicherheitstoken" in response.get_data(as_text=True)


def test_next_parameter_cannot_redirect_off_site(client, provider):
    token = csrf_token(client, "/anmelden")
    response = client.post("/anmelden?next=//evil.example/", data={
        "csrf_token": token, "email": "anna@example.org", "password": "richtig-langes-passwort"})
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]


def test_login_is_rate_limited(app, client, provider):
    app.config["RATELIMIT_LOGIN"] = "3 per minute"
    token = csrf_token(client, "/anmelden")
    codes = [client.post("/anmelden", data={"csrf_token": token, "email": "anna@example.org",
                                            "password": "falsch"}).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    assert "Zu viele Anfragen" in client.post("/anmelden", data={"csrf_token": token}).get_data(as_text=True)


def test_login_as_fixture_signs_in(client, login_as):
    login_as("moderator")
    assert "Moderator" in client.get("/").get_data(as_text=True)


def test_rate_limit_uses_redis_when_configured(databases, backend):
    """REDIS_URL → RATELIMIT_STORAGE_URI; Redis runs on 127.0.0.1:6379 on these machines."""
    import uuid

    from directory.extensions import limiter
    from tests.conftest import make_app

    app = make_app(databases.url(backend, "scratch"), RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15",
                   RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}", RATELIMIT_LOGIN="2 per minute")
    client = app.test_client()
    with app.app_context():
        assert type(limiter.storage).__name__ == "RedisStorage"
        token = csrf_token(client, "/anmelden")
        # a fresh client address per run, so runs within the same minute do not share a counter
        address = "10.%d.%d.%d" % tuple(uuid.uuid4().bytes[:3])
        codes = [client.post("/anmelden", data={"csrf_token": token, "email": "x@example.org",
                                                "password": "falsch"},
                             environ_base={"REMOTE_ADDR": address}).status_code for _ in range(3)]
        db.session.remove()
        db.engine.dispose()
    assert codes == [401, 401, 429]


def test_redis_url_selects_redis_storage_and_the_database_otherwise(monkeypatch):
    from directory import config

    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    assert config.from_environment("/tmp")["RATELIMIT_STORAGE_URI"] == "wegweiser+db://"
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert config.from_environment("/tmp")["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
