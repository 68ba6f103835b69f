"""The relevance benchmark (bench/relevance.py) on the demo data: the aim holds in every group."""
from __future__ import annotations

from bench import relevance


def test_hit_at_5_reaches_the_aim_in_every_group(demo_app):
    outcomes = relevance.run_queries()
    assert len(outcomes) >= 60
    assert {"exact", "typo", "spelling", "plural_compound", "synonym",
            "en", "ar", "uk", "tr", "ru", "fa"} <= set(relevance.GROUPS)
    rates = relevance.hit_rates(outcomes)
    misses = [(o.group, o.query, o.top) for o in outcomes if not o.hit]
    assert all(hits / n >= relevance.AIM for hits, n in rates.values()), misses


def test_a_miss_is_counted_as_a_miss(demo_app):
    # a query whose expected offer cannot be among the results
    outcomes = relevance.run_queries([("exact", "Mietführerschein", ["naehwerkstatt-frauen"])])
    assert not outcomes[0].hit
    assert relevance.hit_rates(outcomes) == {"exact": (0, 1)}
