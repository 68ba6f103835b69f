"""Fixtures: every database test runs on SQLite and on PostgreSQL.

Two databases per backend, both built by the real Alembic migrations:
* "scratch": reference data only.
  - ``app``/``client``: each test runs inside one transaction on one connection that is
    rolled back afterwards; the app's and the test's commits become savepoints.
  - ``committed_app``: real commits (for a live server thread or anything else that reads
    through its own connection); the test's offers, organisations, locations ... are deleted
    and the reference data reloaded afterwards.
* "demo" (fixtures ``demo_app``/``demo_client``): reference data plus the demo data set,
  loaded once per session; tests using it must not write.

PostgreSQL: TEST_DATABASE_URL (default postgres@127.0.0.1:5432/test), one schema per test
process. If PostgreSQL is unreachable the PostgreSQL tests fail; they never skip.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from flask_sqlalchemy.session import Session as FlaskSession
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, delete, event, text
from werkzeug.security import check_password_hash as _check_password_hash
from werkzeug.security import generate_password_hash as _generate_password_hash

from directory import create_app
from directory.extensions import db
from directory.models import (
    Location,
    Offer,
    OfferTranslation,
    Organization,
    Referral,
    ReferralEvent,
    ReferralOffer,
    Schedule,
    User,
    membership,
    offer_challenge,
    offer_language,
    offer_location,
    offer_target_group,
)
from directory.seeding import loader as seeding

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = os.environ.get("TEST_BACKENDS", "sqlite,postgresql").split(",")
# Deleted after each ``committed_app`` test on the scratch database, in this order. Areas add their tables here.
CONTENT_TABLES = [offer_challenge, offer_language, offer_location, offer_target_group, membership]
CONTENT_MODELS = [Schedule, OfferTranslation, Offer, Location, User, Organization]
CONTENT_MODELS[:0] = [ReferralEvent, ReferralOffer, Referral]  # before offers and users
# revisions, history, invitations, reminders, imports, outbox (before offers and users)
from directory.models import (  # noqa: E402
    ChangeRecord,
    ConfirmReminder,
    ImportRun,
    Invitation,
    OfferRevision,
    OutboxMessage,
)

CONTENT_MODELS[:0] = [ChangeRecord, OfferRevision, ConfirmReminder, Invitation, ImportRun, OutboxMessage]
from directory.models import ImportSource  # noqa: E402  (import sources, after runs, offers and organisations)

CONTENT_MODELS.append(ImportSource)
from directory.models import SearchDemand  # noqa: E402  (aggregated search demand)

CONTENT_MODELS.append(SearchDemand)
from directory.models import InfoReport  # noqa: E402  (visitors' reports, before offers)

CONTENT_MODELS.insert(0, InfoReport)


class Databases:
    """Creates and remembers migrated databases for one test session."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.urls: dict[tuple[str, str], str] = {}
        self.schemas: list[str] = []
        self.token = uuid.uuid4().hex[:8]

    def url(self, backend: str, name: str) -> str:
        key = (backend, name)
        if key not in self.urls:
            url = self._create(backend, name)
            app = make_app(url)
            with app.app_context():
                from flask_migrate import upgrade

                upgrade()
                seeding.load_reference_data()
                if name == "demo":
                    seeding.load_demo()
                db.session.commit()
                db.engine.dispose()
            self.urls[key] = url
        return self.urls[key]

    def _create(self, backend: str, name: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{self.tmp / (name + '.sqlite')}"
        schema = f"wegweiser_test_{name}_{self.token}"
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
        self.schemas.append(schema)
        sep = "&" if "?" in PG_URL else "?"
        return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"

    def drop(self) -> None:
        if not self.schemas:
            return
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            for schema in self.schemas:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


class SharedBytecodeCache(BytecodeCache):
    """Compiled templates kept in memory for every app of the test session.

    Each test makes its own app and so its own Jinja environment; without this, every test
    would compile each template it renders again. Jinja checks the source checksum on load.
    """

    def __init__(self):
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = SharedBytecodeCache()


def make_app(url: str, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": True,
        "MAP_TILE_URL": "",
        "GEOCODER": "gazetteer",
        "SERVER_NAME": None,
        "RATELIMIT_LOGIN": "1000 per minute",
        "RATELIMIT_ACCOUNT": "1000 per minute",
        "PAGE_CACHE": False,
        # the index follows each change within the request, however slow a loaded machine is
        "SEARCH_INDEX_SYNC_SECONDS": 3600,
    }
    config.update(overrides)
    app = create_app(config)
    app.jinja_env.bytecode_cache = TEMPLATES
    return app


class RememberedHashes:
    """werkzeug's scrypt, computed once per (password, method) and per (hash, password).

    A real scrypt hash costs 0.15 s; the suite signs in hundreds of times with a few
    passwords. Hashes stay real scrypt hashes (same salt within one test process).
    """

    def __init__(self):
        self.made: dict[tuple, str] = {}
        self.checked: dict[tuple, bool] = {}

    def generate(self, password: str, method: str = "scrypt", salt_length: int = 16) -> str:
        key = (password, method, salt_length)
        if key not in self.made:
            self.made[key] = _generate_password_hash(password, method=method, salt_length=salt_length)
        return self.made[key]

    def check(self, pwhash: str, password: str) -> bool:
        key = (pwhash, password)
        if key not in self.checked:
            self.checked[key] = _check_password_hash(pwhash, password)
        return self.checked[key]


@pytest.fixture(scope="session", autouse=True)
def remembered_password_hashes():
    from importlib import import_module

    modules = [import_module(name) for name in
               ("directory.models.accounts", "directory.accounts.auth", "directory.accounts.views")]
    hashes = RememberedHashes()
    patch = pytest.MonkeyPatch()
    for module in modules:
        if hasattr(module, "generate_password_hash"):
            patch.setattr(module, "generate_password_hash", hashes.generate)
        if hasattr(module, "check_password_hash"):
            patch.setattr(module, "check_password_hash", hashes.check)
    yield hashes
    patch.undo()


@pytest.fixture(scope="session", autouse=True)
def remembered_url_builders():
    """werkzeug compiles two URL builder functions per rule for every new app; each test makes
    an app with the same ~100 rules. The builders are plain functions of the rule's parts, so
    one compiled builder serves every rule with the same parts."""
    from werkzeug.routing.rules import Rule

    original = Rule._compile_builder
    compiled: dict[tuple, object] = {}

    def compile_builder(rule, append_unknown=True):
        defaults = rule.defaults or {}
        key = (rule.rule, tuple(rule._trace), append_unknown,
               tuple(sorted((k, repr(v), type(rule._converters.get(k)).__name__) for k, v in defaults.items())))
        if key not in compiled:
            compiled[key] = original(rule, append_unknown)
        return compiled[key]

    patch = pytest.MonkeyPatch()
    patch.setattr(Rule, "_compile_builder", compile_builder)
    yield
    patch.undo()


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    dbs = Databases(tmp_path_factory.mktemp("db"))
    yield dbs
    dbs.drop()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


class ConnectionSession(FlaskSession):
    """``db.session`` on one given connection for every table.

    Flask-SQLAlchemy's ``Session.get_bind`` picks the app's engine and ignores a
    session-level ``bind``; this one uses the bind it was made with.
    """

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return bind if bind is not None else self.bind


def sqlite_savepoints(engine) -> None:
    """Let SQLAlchemy emit BEGIN on SQLite (pysqlite's own BEGIN handling breaks SAVEPOINT)."""

    @event.listens_for(engine, "connect")
    def no_driver_transactions(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def begin(connection):
        connection.exec_driver_sql("BEGIN")


@pytest.fixture
def app(databases, backend):
    """The app on the scratch database, its test inside one transaction that is rolled back.

    One connection with an open transaction; ``db.session`` (the test's and, because requests
    of the test client share the fixture's app context, every request's) is bound to it with
    ``join_transaction_mode="create_savepoint"``: ``commit()`` releases a savepoint and
    ``rollback()`` returns to it, and nothing reaches the database for other connections.
    """
    app = make_app(databases.url(backend, "scratch"))
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            sqlite_savepoints(engine)
        connection = engine.connect()
        transaction = connection.begin()
        app_session = db.session
        db.session = db._make_scoped_session({
            "class_": ConnectionSession, "bind": connection,
            "join_transaction_mode": "create_savepoint",
        })
        try:
            yield app
        finally:
            db.session.remove()
            db.session = app_session
            transaction.rollback()
            connection.close()
            engine.dispose()


@pytest.fixture
def committed_app(databases, backend):
    """The app on the scratch database with real commits, cleaned afterwards.

    For tests whose data must be seen through other connections: a live server thread,
    other threads or processes. Slower than ``app``: deletes the content tables and
    reloads the reference data after each test.
    """
    app = make_app(databases.url(backend, "scratch"))
    with app.app_context():
        yield app
        db.session.rollback()
        for table in CONTENT_TABLES:
            db.session.execute(table.delete())
        for model in CONTENT_MODELS:
            db.session.execute(delete(model))
        seeding.load_reference_data()  # undo changes a test made to districts etc.
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def demo_app(databases, backend):
    app = make_app(databases.url(backend, "demo"))
    with app.app_context():
        yield app
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def demo_client(demo_app):
    return demo_app.test_client()


@pytest.fixture
def login_as(app, client):
    """Create a user with a role (and organisations) and sign the test client in as them."""
    def login(role: str = "provider", organizations=(), email: str | None = None,
              password: str = "ein-langes-passwort") -> User:
        user = User(email=email or f"{role}-{uuid.uuid4().hex[:8]}@example.org", role=role,
                    display_name=role.title())
        user.set_password(password)
        user.organizations = list(organizations)
        db.session.add(user)
        db.session.commit()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        # requests share the fixture's app context (and so flask.g): forget the user
        # Flask-Login cached there, so that switching users within a test takes effect
        from flask import g
        g.pop("_login_user", None)
        return user
    return login


def csrf_token(client, url: str) -> str:
    """The CSRF token of the form on a page (for POSTs in tests)."""
    import re

    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {url}"
    return match.group(1)
