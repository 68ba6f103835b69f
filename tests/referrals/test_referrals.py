"""Referral model rules, aggregated outcomes and the retention command."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from directory.extensions import db
from directory.models import (
    InvalidTransition,
    Referral,
    ReferralEvent,
    ReferralOffer,
    User,
    new_reference_code,
    utcnow,
)
from directory.referrals import stats as referral_stats
from directory.referrals.retention import apply_retention
from tests.factories import make_offer, make_org


@pytest.fixture
def setup(app):
    counselling = make_org(name="Beratung")
    provider = make_org(name="Anbieter")
    user = User(email="c@example.org", role="counsellor", organizations=[counselling])
    db.session.add(user)
    a = make_offer(organization=provider, title="A")
    b = make_offer(organization=provider, title="B")
    db.session.commit()
    return counselling, user, a, b


def referral(counselling, user, offers, days_ago=0, language="fa"):
    r = Referral.create(counselling, offers, user, language)
    r.created_at = utcnow() - dt.timedelta(days=days_ago)
    db.session.flush()
    return r


def test_reference_codes_are_random_and_readable():
    codes = {new_reference_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 12 and not set(c[3:]) & set("01OIL") for c in codes)


def test_transitions(setup):
    counselling, user, a, _b = setup
    item = referral(counselling, user, [a]).items[0]
    with pytest.raises(InvalidTransition):
        item.change("completed", "provider")
    item.change("contacted", "provider")
    item.change("started", "provider", reason="full", note="ignored")  # reasons only for declines
    assert (item.reason, item.note) == (None, None)
    with pytest.raises(InvalidTransition):
        item.change("no_capacity", "provider")  # started → only completed or declined
    item.change("declined", "counsellor", user, reason="client_declined", note="  verzogen  ")
    assert (item.status, item.reason, item.note) == ("declined", "client_declined", "verzogen")
    assert [e.status for e in item.events] == ["sent", "contacted", "started", "declined"]
    assert item.next_statuses == []


def test_aggregated_outcomes(setup):
    counselling, user, a, b = setup
    r1 = referral(counselling, user, [a, b])
    r2 = referral(counselling, user, [a], days_ago=40)
    r3 = referral(counselling, user, [a])
    r1.items[0].change("started", "provider")
    r1.items[1].change("no_capacity", "provider", reason="full")
    r2.items[0].change("declined", "provider", reason="not_suitable")
    r3.items[0].change("contacted", "provider")
    r3.items[0].change("started", "provider")
    r3.items[0].change("completed", "counsellor")
    db.session.commit()

    outcomes = referral_stats.outcomes_per_offer()
    assert [(o.title, o.referrals) for o in outcomes] == [("A", 3), ("B", 1)]
    first = outcomes[0]
    assert first.counts["started"] == 1 and first.counts["completed"] == 1 and first.counts["declined"] == 1
    assert first.started == 2 and first.share_started == pytest.approx(2 / 3)
    assert referral_stats.decline_reasons() == {"full": 1, "not_suitable": 1}
    totals = referral_stats.totals()
    assert totals["referrals"] == 3 and totals["referred_offers"] == 4
    assert totals["share_started"] == pytest.approx(2 / 4)
    since = (utcnow() - dt.timedelta(days=10)).date()
    assert referral_stats.totals(since)["referrals"] == 2
    assert referral_stats.decline_reasons(since) == {"full": 1}
    assert sum(referral_stats.per_month().values()) == 3
    assert referral_stats.outcomes_per_offer(organization_id=a.organization_id)[0].title == "A"
    # nothing in the aggregates names a referral, an organisation that referred or a user
    assert "Beratung" not in repr(outcomes) + repr(totals)
    assert r1.code not in repr(outcomes) + repr(totals)


def test_retention_anonymises_old_referrals_once(setup, app):
    counselling, user, a, b = setup
    old = referral(counselling, user, [a, b], days_ago=400)
    old.items[0].change("declined", "provider", reason="not_suitable", note="keine Zeit")
    recent = referral(counselling, user, [a], days_ago=10)
    db.session.commit()
    old_id, recent_code = old.id, recent.code

    report = apply_retention(365)
    db.session.commit()
    assert report.anonymised == 1
    db.session.expire_all()
    old = db.session.get(Referral, old_id)
    assert old.code is None and old.organization_id is None and old.created_by_id is None
    assert old.language_code is None and old.anonymised_at is not None
    assert old.created_at.day == 1 and old.created_at.hour == 0
    assert [i.note for i in old.items] == [None, None]
    assert db.session.scalar(select(func.count(ReferralEvent.id)).join(ReferralOffer).where(
        ReferralOffer.referral_id == old_id)) == 0
    # the outcome still counts, the recent referral is untouched
    assert referral_stats.decline_reasons() == {"not_suitable": 1}
    assert db.session.scalar(select(Referral).where(Referral.code == recent_code)).anonymised_at is None

    assert apply_retention(365).anonymised == 0  # idempotent


def test_retention_cli(setup, app):
    counselling, user, a, _b = setup
    referral(counselling, user, [a], days_ago=40)
    referral(counselling, user, [a], days_ago=5)
    db.session.commit()
    runner = app.test_cli_runner()
    out = runner.invoke(args=["referrals-retention", "--days", "30", "--dry-run"])
    assert out.exit_code == 0 and "1 referrals older than 30 days" in out.output and "would be anonymised" in out.output
    assert db.session.scalar(select(func.count(Referral.id)).where(Referral.anonymised_at.is_not(None))) == 0
    app.config["REFERRAL_RETENTION_DAYS"] = 30
    out = runner.invoke(args=["referrals-retention"])
    assert out.exit_code == 0 and "1 referrals older than 30 days" in out.output
    out = runner.invoke(args=["referrals-retention"])
    assert "0 referrals" in out.output
    out = runner.invoke(args=["referrals-retention", "--days", "1", "--delete"])
    assert out.exit_code == 0 and "2 referrals older than 1 days" in out.output and "deleted" in out.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Referral.id))) == 0
    assert db.session.scalar(select(func.count(ReferralOffer.id))) == 0
    assert runner.invoke(args=["referrals-retention", "--days", "0"]).exit_code != 0
