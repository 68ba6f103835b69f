"""The in-process search index agrees with the SQL definition of every filter, and follows
changes to the database."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from directory.extensions import db
from directory.models import Offer, OfferStatus, SearchChange
from directory.offers import vocabulary
from directory.search import engine as search
from directory.search import index as search_index
from tests.factories import make_location, make_offer, make_org, slot

QUERIES = [
    {},
    {"q": "deutsch"},
    {"q": "beratung"},
    {"language": "ar"},
    {"language": ["ar", "fa"], "target": "women_girls"},
    {"district": "baerenkaempen"},
    {"district": ["innenstadt", "baerenkaempen"], "free": "1"},
    {"category": "sport", "day": "tue"},
    {"day": ["mon", "wed"], "time": "afternoon"},
    {"time": "evening"},
    {"challenge": ["Z1", "Z2"], "language": "de"},
    {"near": "52.29,8.92", "radius": "5"},
    {"near": "52.29,8.92", "radius": "2", "sort": "distance"},
    {"near": "52.30,8.90", "sort": "distance", "target": "youth"},
    {"sort": "updated"},
    {"q": "café", "sort": "updated"},
    {"when": "today"},
    {"when": "week", "time": "evening"},
    {"when": ["weekend", "tomorrow"], "language": "ar"},
    {"when": (dt.date.today() + dt.timedelta(days=9)).isoformat()},
]


def _args(params):
    args = MultiDict()
    for key, value in params.items():
        for v in value if isinstance(value, list) else [value]:
            args.add(key, v)
    return args


def _sql_ids(query, exclude=None):
    return [oid for oid in db.session.scalars(search.ordered(search.matching_ids(query, exclude), query))]


@pytest.mark.parametrize("params", QUERIES, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()) or "all")
def test_index_gives_the_same_results_order_and_counts_as_sql(demo_app, params):
    vocab = vocabulary.load("de")
    query = search.parse(_args(params), vocab, None)
    query.per_page = 500
    result = search.run(query, vocab, lambda p, v: "")
    expected = _sql_ids(query)
    assert result.total == len(expected)
    assert [o.id for o in result.offers] == expected[:500]
    for facet in search.FACETS:
        if facet.param == "radius" and query.near is None:
            continue
        sql_counts = facet.counts(query, search.matching_ids(query, exclude=facet.param))
        index_counts = search.facet_counts(query)[facet.param]
        assert {k: v for k, v in index_counts.items() if v} == {k: v for k, v in sql_counts.items() if v}, facet.param


def test_paging_walks_the_whole_result_set_in_order(demo_app):
    vocab = vocabulary.load("de")
    query = search.parse(MultiDict(), vocab, None)
    expected = _sql_ids(query)
    seen = []
    for page in itertools.count(1):
        query.page = page
        offers = search.run(query, vocab, lambda p, v: "").offers
        if not offers:
            break
        seen += [o.id for o in offers]
    assert seen == expected


def test_every_write_to_searchable_data_is_logged(app):
    before = db.session.scalar(select(func.count(SearchChange.id)))
    org = make_org()
    make_offer(title="Neu", organization=org)
    after_create = db.session.scalar(select(func.count(SearchChange.id)))
    assert after_create > before
    offer = db.session.scalar(select(Offer).where(Offer.title == "Neu"))
    offer.summary = "geändert"
    db.session.commit()
    assert db.session.scalar(select(func.count(SearchChange.id))) > after_create


def test_the_index_follows_a_published_edited_and_archived_offer(app):
    vocab = vocabulary.load("de")

    def found(q):
        query = search.parse(MultiDict({"q": q}), vocab, None)
        return [o.title for o in search.run(query, vocab, lambda p, v: "").offers]

    loc = make_location(district_code="innenstadt", lat=52.29, lon=8.92)
    offer = make_offer(title="Schachtreff", summary="Schach für alle", locations=[loc], schedules=[slot("tue", "10:00", "12:00")])
    assert found("schach") == ["Schachtreff"]
    offer.title, offer.summary = "Brettspieltreff", "Brettspiele für alle"
    db.session.commit()
    assert found("schach") == []
    assert found("brettspiele") == ["Brettspieltreff"]
    offer.status = OfferStatus.archived.value
    db.session.commit()
    assert found("brettspiele") == []


def test_a_language_added_to_an_offer_changes_the_facet_count(app):
    vocab = vocabulary.load("de")
    offer = make_offer(title="Nähcafé", languages=["de"])
    query = search.parse(MultiDict(), vocab, None)
    assert search.facet_counts(query)["language"].get("uk", 0) == 0
    make_offer(title="Ukrainisch", languages=["uk"])
    assert search.facet_counts(query)["language"]["uk"] == 1
    assert offer.id in [o.id for o in search.run(query, vocab, lambda p, v: "").offers]


def test_hidden_and_expired_offers_are_not_in_the_index_result(app):
    vocab = vocabulary.load("de")
    today = dt.date.today()
    make_offer(title="Frisch", last_confirmed=today)
    make_offer(title="Alt", last_confirmed=today - dt.timedelta(days=400))
    make_offer(title="Abgelaufen", valid_to=today - dt.timedelta(days=1))
    make_offer(title="Entwurf", status=OfferStatus.draft.value)
    result = search.run(search.parse(MultiDict(), vocab, None), vocab, lambda p, v: "")
    assert [o.title for o in result.offers] == ["Frisch"]


def test_scores_lookup_gives_infinity_for_unknown_ids():
    import numpy as np

    scores = search_index.Scores(np.array([2, 5, 9]), np.array([0.5, 0.1, 0.7]))
    assert scores.lookup(np.array([5, 3, 9, 11])).tolist() == [[0.1], [float("inf")], [0.7], [float("inf")]]
    assert search_index.Scores.empty(2).lookup(np.array([1])).tolist() == [[float("inf"), float("inf")]]
