"""Freshness: the "not confirmed since" note, hiding after 12 months (search, offer page, API),
and the idempotent reminder command."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.models import ChangeRecord, ConfirmReminder
from directory.offers import freshness
from tests.conftest import csrf_token
from tests.factories import make_offer, make_org
from tests.workflow_support import link_in, mails, make_user

TODAY = dt.date.today()


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


@pytest.mark.parametrize("age, in_search, note", [
    (10, True, False),
    (200, True, True),     # after STALE_AFTER_DAYS: a note
    (365, True, True),
    (366, False, False),   # after STALE_HIDE_AFTER_DAYS: gone
])
def test_stale_offers_get_a_note_then_disappear_on_time(client, age, in_search, note):
    offer = make_offer(title="Boule am Glacis", last_confirmed=days_ago(age))
    db.session.commit()
    html = client.get("/?q=Boule").get_data(as_text=True)
    assert ("Boule am Glacis" in html) is in_search
    assert ("Nicht bestätigt seit" in html) is note
    assert client.get(f"/angebote/{offer.id}").status_code == (200 if in_search else 404)
    api = client.get("/api/v1/offers?q=Boule").get_json()
    assert (api["meta"]["total"] == 1) is in_search


def test_hiding_period_is_configurable_and_can_be_switched_off(app, client):
    offer = make_offer(last_confirmed=days_ago(100))
    db.session.commit()
    app.config["STALE_HIDE_AFTER_DAYS"] = 90
    assert client.get(f"/angebote/{offer.id}").status_code == 404
    app.config["STALE_HIDE_AFTER_DAYS"] = 0
    assert client.get(f"/angebote/{offer.id}").status_code == 200


def test_confirming_brings_a_hidden_offer_back(client, login_as):
    org = make_org()
    offer = make_offer(organization=org, last_confirmed=days_ago(400))
    db.session.commit()
    login_as("provider", organizations=[org])
    assert client.get(f"/angebote/{offer.id}").status_code == 404
    html = client.get("/anbieter/").get_data(as_text=True)
    assert "nicht in der Suche: bitte bestätigen" in html
    client.post(f"/anbieter/angebote/{offer.id}/bestaetigen", data={"csrf_token": csrf_token(client, "/anbieter/")})
    assert client.get(f"/angebote/{offer.id}").status_code == 200


def test_reminders_are_sent_once_per_period_and_the_link_confirms(app, client):
    org = make_org(name="Schachfreunde")
    provider = make_user("provider", [org], email="schach@example.org")
    due = make_offer(organization=org, title="Schach für alle", last_confirmed=days_ago(160))
    make_offer(organization=org, title="Frisch bestätigt", last_confirmed=days_ago(20))
    db.session.commit()

    report = freshness.run()
    db.session.commit()
    assert (report.reminded_offers, report.hidden_offers, report.mails) == (1, 0, 1)
    (mail,) = mails(to=provider.email, kind="reminder")
    assert "Schach für alle" in mail.body and "Frisch bestätigt" not in mail.body

    again = freshness.run()  # idempotent: nothing twice within the period
    db.session.commit()
    assert (again.reminded_offers, again.mails) == (0, 0)
    later = freshness.run(now=dt.datetime.now() + dt.timedelta(days=31))
    assert later.reminded_offers == 1
    db.session.rollback()

    path = link_in(mail.body, "/angebot-bestaetigen/")
    client.post(path, data={"csrf_token": csrf_token(client, path)})
    db.session.refresh(due)
    assert due.last_confirmed == TODAY


def test_hidden_offers_are_notified_once_recorded_and_listed(app):
    org = make_org(email="verein@example.org")  # no members: the organisation's address is used
    offer = make_offer(organization=org, title="Altes Angebot", last_confirmed=days_ago(400))
    db.session.commit()
    report = freshness.run()
    db.session.commit()
    assert report.hidden_offers == 1 and report.reminded_offers == 0
    (mail,) = mails(to="verein@example.org")
    assert "NICHT in der Suche" in mail.body
    assert db.session.scalar(select(ChangeRecord.action).where(ChangeRecord.offer_id == offer.id)) == "hidden_stale"
    assert freshness.run(now=dt.datetime.now() + dt.timedelta(days=90)).hidden_offers == 0
    assert [o.id for o in db.session.scalars(freshness.hidden_offers())] == [offer.id]


def test_offers_without_any_address_are_reported(app):
    offer = make_offer(last_confirmed=days_ago(170))
    db.session.commit()
    report = freshness.run()
    assert report.without_recipient == [offer.id]


def test_cli_confirm_reminders_is_idempotent(app):
    org = make_org()
    make_user("provider", [org])
    make_offer(organization=org, last_confirmed=days_ago(170))
    db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["confirm-reminders"])
    second = runner.invoke(args=["confirm-reminders"])
    assert first.exit_code == 0 and "1 offers reminded" in first.output
    assert second.exit_code == 0 and "0 offers reminded" in second.output and "0 mails" in second.output
    assert db.session.scalar(select(ConfirmReminder.kind)) == "reminder"
