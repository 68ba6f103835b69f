"""The cache of public search answers: hits for the same anonymous request, never stale after
a change, never for signed-in users, and never a response that sets a cookie."""
from __future__ import annotations

import re

import pytest
from flask import g

from directory.extensions import db
from tests.factories import make_offer


@pytest.fixture
def cached_client(app, client):
    app.config["PAGE_CACHE"] = True
    return client


def _cache(app):
    return app.extensions["page_cache"]


def test_the_same_anonymous_search_is_answered_from_the_cache(app, cached_client):
    make_offer(title="Gartenprojekt")
    db.session.commit()
    first = cached_client.get("/?q=garten")
    g.pop("search_generation", None)  # the test client shares flask.g between requests
    hits = _cache(app).hits
    second = cached_client.get("/?q=garten")
    assert second.status_code == 200 and "Gartenprojekt" in second.get_data(as_text=True)
    assert _cache(app).hits == hits + 1
    assert second.get_data() == first.get_data()


def test_a_change_to_the_data_ends_the_cached_answer(app, cached_client):
    offer = make_offer(title="Gartenprojekt")
    db.session.commit()
    assert "Gartenprojekt" in cached_client.get("/api/v1/offers?q=garten").get_data(as_text=True)
    offer.title = "Gartenfest"
    db.session.commit()
    body = cached_client.get("/api/v1/offers?q=garten").get_data(as_text=True)
    assert "Gartenfest" in body and "Gartenprojekt" not in body


def test_other_languages_and_queries_are_separate_entries(app, cached_client):
    make_offer(title="Gartenprojekt")
    db.session.commit()
    german = cached_client.get("/?q=garten").get_data(as_text=True)
    english = cached_client.get("/en/?q=garten").get_data(as_text=True)
    assert german != english
    assert 'lang="en"' in english


def test_signed_in_users_are_never_served_from_the_cache(app, cached_client, login_as):
    make_offer(title="Gartenprojekt")
    db.session.commit()
    cached_client.get("/?q=garten")
    hits = _cache(app).hits
    login_as("moderator")
    cached_client.get("/?q=garten")
    assert _cache(app).hits == hits


def test_turned_off_nothing_is_stored(app, client):
    make_offer(title="Gartenprojekt")
    db.session.commit()
    client.get("/?q=garten")
    assert not _cache(app).entries


def test_a_cached_api_answer_still_honours_its_etag(app, cached_client):
    make_offer(title="Gartenprojekt")
    db.session.commit()
    first = cached_client.get("/api/v1/offers?q=garten")
    etag = first.headers.get("ETag")
    assert etag
    again = cached_client.get("/api/v1/offers?q=garten", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_a_cached_page_carries_the_nonce_of_its_own_policy(app, cached_client):
    make_offer(title="Gartenprojekt")
    db.session.commit()
    nonces = []
    for _ in range(2):
        g.pop("search_generation", None)
        g.pop("csp_nonce", None)  # the test client shares flask.g between requests
        response = cached_client.get("/?q=garten")
        policy = response.headers["Content-Security-Policy"]
        nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
        body = response.get_data(as_text=True)
        assert re.findall(r'nonce="([^"]+)"', body)  # the map's set-up script
        assert set(re.findall(r'nonce="([^"]+)"', body)) == {nonce}
        nonces.append(nonce)
    assert _cache(app).hits >= 1
    assert nonces[0] != nonces[1]
