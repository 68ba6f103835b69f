"""Every form rejects a missing CSRF token: all POST routes of the app, found in its url_map."""
from __future__ import annotations

from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from directory.extensions import csrf, db
from directory.models import ChangeRecord, Offer, OutboxMessage
from tests.factories import make_offer


def _exempt(app, rule) -> bool:
    view = app.view_functions[rule.endpoint]
    return (f"{view.__module__}.{view.__name__}" in csrf._exempt_views
            or rule.endpoint.split(".")[0] in csrf._exempt_blueprints)


def post_rules(app):
    """(rule, a URL for it) for every POST route that is not CSRF-exempt."""
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()) or _exempt(app, rule):
            continue
        values = {arg: 1 if isinstance(conv, IntegerConverter) else "x" for arg, conv in rule._converters.items()}
        yield rule.rule, adapter.build(rule.endpoint, values, method="POST")


def test_every_post_route_rejects_a_missing_csrf_token(app, client, login_as):
    make_offer()  # offer 1 exists, so routes with ids get past "not found" if CSRF were not checked first
    db.session.commit()
    login_as("admin")  # signed in with every right: only the token is missing
    before = (db.session.scalar(select(func.count(ChangeRecord.id))), db.session.scalar(select(func.count(OutboxMessage.id))))
    checked = []
    for rule, path in post_rules(app):
        response = client.post(path, data={"email": "a@example.org", "title": "x", "reason": "x"})
        assert response.status_code == 400, f"{rule} answered {response.status_code} without a CSRF token"
        assert "Sicherheitstoken" in response.get_data(as_text=True) or response.is_json, rule
        checked.append(rule)
    # the walk is not empty: it covers the areas' forms
    for rule in ("/anmelden", "/abmelden", "/registrieren", "/anbieter/angebote/neu", "/anbieter/angebote/<int:offer_id>",
                 "/moderation/vorschlaege/<int:revision_id>/freigeben", "/moderation/import",
                 "/angebot-bestaetigen/<token>", "/passwort-neu/<token>", "/anbieter/organisationen/<int:organization_id>",
                 "/konto/", "/konto/passwort", "/konto/ueberall-abmelden", "/moderation/konten/<int:user_id>"):
        assert rule in checked, rule
    after = (db.session.scalar(select(func.count(ChangeRecord.id))), db.session.scalar(select(func.count(OutboxMessage.id))))
    assert after == before
    assert db.session.scalar(select(Offer.title)) != "x"


def test_no_html_form_route_is_exempt_from_csrf(app):
    """Exemptions are allowed only for the read-only JSON API (it has no cookies)."""
    for rule in app.url_map.iter_rules():
        if _exempt(app, rule):
            assert rule.rule.startswith("/api/"), rule.rule
