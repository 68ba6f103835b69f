"""No request makes a 5xx: hypothesis over every GET route and every form POST of the app.

The routes come from ``app.url_map``; each is requested with generated path values (existing
ids, random and huge integers, NUL bytes, CRLF, unicode) and query parameters or form fields
(names the app uses, values of the same kinds). Logged-in areas are requested as their role
(/anbieter and /konto as a provider of the organisation that owns the data, /beratung as a
counsellor, /moderation, /auswertung and /statistik as a moderator, the outbox and the user
accounts as an admin); POSTs carry a
valid CSRF token, so they get past the token check into the views. Deterministic
(``derandomize``) and bounded: a few examples per route, no shrinking, on SQLite and PostgreSQL.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from urllib.parse import quote

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from itsdangerous import URLSafeTimedSerializer
from werkzeug.datastructures import MultiDict

from directory.extensions import db
from directory.models import Referral
from tests.conftest import csrf_token
from tests.factories import make_location, make_offer, make_org, slot
from tests.workflow_support import make_user

GET_EXAMPLES = 6
POST_EXAMPLES = 6
HUGE = ["0", "-1", "2147483647", "2147483648", "4294967296", "9223372036854775807",
        "9223372036854775808", "99999999999999999999", "1" * 5000, "1e9", "0x10", "²"]
NASTY = ["", " ", "\x00", "a\x00b", "%00", "\r\n", "x\r\nSet-Cookie: a=b", "/\\evil.example",
         "//evil.example/", "\t/evil.example", "\x1b[0m", "\x7f", "\ufffe", "ä€😀", "\u202e",
         "' OR 1=1 --", "<script>alert(1)</script>", "x" * 300, "52.3,8.9", "91,200", "nan",
         "inf", "-0", "de", "ar", "innenstadt", "Z1", "B4", "women_girls", "mon:morning",
         "published", "draft", "declined", "not_suitable", "on", "1", "sent", "contacted"]
PARAM_NAMES = ["q", "near", "district", "language", "target", "challenge", "category", "free",
               "day", "time", "radius", "sort", "page", "per_page", "lang", "simple", "next",
               "status", "code", "organization", "organisation", "limit", "accent", "title",
               "widget_lang", "days", "table", "offer", "item"]
ROLES = (("/moderation/postausgang", "admin"), ("/moderation/konten", "admin"), ("/anbieter", "provider"),
         ("/konto", "provider"), ("/beratung", "counsellor"), ("/moderation", "moderator"),
         ("/auswertung", "moderator"), ("/statistik", "moderator"))
SKIP_POST = {"/abmelden"}  # ends the session the next examples need (it has no fields to fuzz)
PLACEHOLDER = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")


class World:
    """The data the fuzzed requests refer to, the users per role and a valid CSRF token."""

    def __init__(self, app):
        org = make_org(name="Fuzz-Verein", approved=True)
        counselling = make_org(name="Fuzz-Beratung", approved=True)
        place = make_location(organization=org)
        offer = make_offer(organization=org, locations=[place], title="Sprachcafé\nZweite Zeile",
                           schedules=[slot("tue", "09:30", "11:30"),
                                      slot("fri", "10:00", "12:00", date=dt.date.today() + dt.timedelta(days=3))])
        draft = make_offer(organization=org, locations=[place], status="draft", title="Entwurf")
        db.session.commit()
        self.users = {
            "provider": make_user("provider", [org]),
            "counsellor": make_user("counsellor", [counselling]),
            "moderator": make_user("moderator"),
            "admin": make_user("admin"),
        }
        referral = Referral.create(counselling, [offer], self.users["counsellor"], "ar")
        db.session.commit()
        self.offer_id, self.location_id = str(offer.id), str(place.id)
        self.org_id, self.item_id = str(org.id), str(referral.items[0].id)
        self.ids = sorted({str(i) for i in (offer.id, draft.id, org.id, counselling.id, place.id,
                                            referral.items[0].id, *(u.id for u in self.users.values()))})
        self.codes = [referral.code]
        raw = hashlib.sha1(b"fuzz").hexdigest()
        self.csrf_raw = raw
        self.csrf_token = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)


    def valid_url(self, rule: str) -> str:
        """The rule with every placeholder filled in with something that exists."""
        values = {"offer_id": self.offer_id, "location_id": self.location_id, "organization_id": self.org_id,
                  "item_id": self.item_id, "code": self.codes[0], "lang": "en", "table": "coverage",
                  "user_id": str(self.users["provider"].id)}
        return PLACEHOLDER.sub(lambda m: values.get(m.group(3), "1"), rule)


def role_for(path: str) -> str | None:
    return next((role for prefix, role in ROLES if path.startswith(prefix)), None)


def sign_in(client, world: World, role: str | None) -> None:
    with client.session_transaction() as session:
        session.clear()
        session["csrf_token"] = world.csrf_raw
        if role:
            session["_user_id"] = world.users[role].get_id()
            session["_fresh"] = True
    from flask import g
    g.pop("_login_user", None)


def text_values():
    return st.one_of(st.sampled_from(NASTY), st.sampled_from(HUGE),
                     st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
                     st.integers(min_value=-2**70, max_value=2**70).map(str))


def path_value(world: World, converter: str | None, args: str | None):
    if converter == "int":
        return st.one_of(st.sampled_from(world.ids), st.sampled_from(HUGE[1:8]),
                         st.integers(min_value=0, max_value=2**70).map(str))
    if converter == "any":
        return st.sampled_from([a.strip() for a in args.split(",")] + ["nothing"])
    return st.one_of(st.sampled_from(world.codes + ["en", "ar", "xx", "innenstadt"]),
                     st.sampled_from(NASTY).filter(lambda v: v.strip() and "/" not in v),
                     st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30))


def urls(world: World, rule: str):
    """A strategy for URLs of a rule, each placeholder filled in (quoted)."""
    pieces = PLACEHOLDER.split(rule)
    # split gives: text, converter, converter args, name, text, …
    parts = []
    for i in range(0, len(pieces), 4):
        parts.append(st.just(pieces[i]))
        if i + 3 < len(pieces):
            parts.append(path_value(world, pieces[i + 1], pieces[i + 2]).map(lambda v: quote(v, safe="")))
    return st.tuples(*parts).map("".join)


def pairs(names):
    return st.lists(st.tuples(st.sampled_from(names), text_values()), max_size=6)


def form_field_names(client, world: World, app) -> tuple[list[str], list[str]]:
    """Field names and button values (``action``) of every form the app shows (for POSTs)."""
    names, actions = set(), set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments - {"offer_id", "location_id", "code", "lang",
                                                          "organization_id", "user_id"}:
            continue
        path = rule.rule.replace("<int:offer_id>", world.offer_id).replace("<code>", world.codes[0])
        path = path.replace("<lang>", "en").replace("<int:location_id>", world.location_id)
        path = path.replace("<int:organization_id>", world.org_id)
        path = path.replace("<int:user_id>", str(world.users["provider"].id))
        if "<" in path or path.startswith("/api/") or path.endswith((".csv", ".pdf")):
            continue
        sign_in(client, world, role_for(path))
        response = client.get(path)
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        names.update(re.findall(r'name="([^"]+)"', html))
        actions.update(re.findall(r'name="action" value="([^"]+)"', html))
    names.discard("csrf_token")
    return sorted(names), sorted(actions)


def test_no_request_makes_a_server_error(app, client, caplog):
    world = World(app)
    field_names, actions = form_field_names(client, world, app)
    assert {"title", "district", "language-0", "email", "reason", "phone", "old_password", "role"} <= set(field_names)
    caplog.set_level(logging.ERROR)
    failures: list[str] = []
    rules = sorted((r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.rule)
    checked = {"GET": 0, "POST": 0}
    sent = []

    def run(method, role, url_strategy, data_strategy, explicit):
        def request(url, items):
            sign_in(client, world, role)
            sent.append(url)
            caplog.clear()
            if method == "GET":
                response = client.get(url, query_string=MultiDict(items))
            else:
                response = client.post(url, data=MultiDict(items + [("csrf_token", world.csrf_token)]))
            if response.status_code >= 500:
                errors = [repr(r.exc_info[1])[:300] for r in caplog.records if r.exc_info]
                failures.append(f"{method} {url} {items!r} → {response.status_code} {errors}")
            db.session.rollback()

        for url, items in explicit:
            request = example(url=url, items=items)(request)
        request = given(url=url_strategy, items=data_strategy)(request)
        settings(max_examples=GET_EXAMPLES if method == "GET" else POST_EXAMPLES, derandomize=True,
                 database=None, deadline=None, phases=[Phase.explicit, Phase.generate],
                 suppress_health_check=list(HealthCheck))(request)()

    for rule in rules:
        for method in ("GET", "POST"):
            if method not in rule.methods or (method == "POST" and rule.rule in SKIP_POST):
                continue
            checked[method] += 1
            role = role_for(rule.rule)
            if method == "GET":
                data = pairs(PARAM_NAMES)
            else:
                data = st.lists(st.one_of(st.tuples(st.sampled_from(field_names), text_values()),
                                          st.tuples(st.just("action"), st.sampled_from(actions))), max_size=10)

            url = world.valid_url(rule.rule)
            explicit = [(url, []), (url, [("next", "/x\r\nSet-Cookie: a=b")]), (url, [("page", HUGE[5])]),
                        (url, [("q", "a\x00b"), ("title", "a\x00b")])]
            if method == "POST" and "GET" in rule.methods:
                explicit += [(url, [("action", a), ("next", "/\r\n")]) for a in actions]
            run(method, role, urls(world, rule.rule), data, explicit)

    assert checked["GET"] >= 50 and checked["POST"] >= 20 and len(sent) >= 800, (checked, len(sent))
    assert not failures, "\n".join(failures[:40])


def test_control_characters_in_next_are_refused_before_the_redirect(app, client):
    """A successful login would put ``next`` into the Location header: CR/LF there is a 400."""
    user = make_user("provider")
    token = csrf_token(client, "/anmelden")
    for target in ("/x%0d%0aSet-Cookie:%20a=b", "/x%0ab", "/%09/evil.example"):
        response = client.post("/anmelden?next=" + target,
                               data={"email": user.email, "password": "ein-langes-passwort", "csrf_token": token})
        assert response.status_code == 400, target
        assert "Steuerzeichen" in response.get_data(as_text=True)
        assert "Set-Cookie: a=b" not in str(response.headers)
    ok = client.post("/anmelden?next=/anbieter/", data={"email": user.email, "password": "ein-langes-passwort",
                                                        "csrf_token": token})
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/anbieter/")


def test_a_title_with_a_line_break_does_not_break_the_calendar(app, client):
    offer = make_offer(title="Zeile eins\nZeile zwei", schedules=[slot("tue", "09:30", "11:30")])
    db.session.commit()
    response = client.get(f"/api/v1/offers/{offer.id}.ics")
    assert response.status_code == 200
    assert b"X-WR-CALNAME:Zeile eins Zeile zwei" in response.data
    assert client.get("/api/v1/offers.ics?q=Zeile%0Aeins").status_code == 200


def test_ids_beyond_the_integer_column_are_404(app, client, login_as):
    login_as("admin")
    for url in ("/angebote/2147483648", "/angebote/99999999999999999999", "/anbieter/angebote/2147483648",
                "/anbieter/orte/9223372036854775808", "/anbieter/organisationen/2147483648",
                "/moderation/konten/4294967296", "/moderation/vorschlaege/2147483648",
                "/moderation/angebote/4294967296/verlauf", "/moderation/import/2147483648",
                "/api/v1/offers/2147483648.ics"):
        assert client.get(url).status_code == 404, url
    assert client.get("/angebote/2147483647").status_code == 404  # the largest id is still looked up


def test_nul_bytes_and_huge_pages_are_400_with_a_message(app, client, login_as):
    login_as("admin")
    assert 'data-param="page"' in client.get("/?page=9223372036854775807").get_data(as_text=True)
    for url in ("/?q=a%00b", "/moderation/angebote?q=a%00b", "/api/v1/offers?q=%01",
                "/moderation/angebote?page=9223372036854775807",
                "/beratung/vermittlungen?page=9223372036854775807", "/api/v1/organizations?page=" + "9" * 5000):
        response = client.get(url, headers={"Accept": "application/json"})
        assert response.status_code == 400, url
        assert response.get_json()["error"]["message"], url
    token = csrf_token(client, "/anbieter/angebote/neu")
    response = client.post("/anbieter/angebote/neu", data={"csrf_token": token, "title": "Kurs\x00"})
    assert response.status_code == 400 and "Steuerzeichen" in response.get_data(as_text=True)
