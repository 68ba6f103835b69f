"""The rules of editing offers (directory/offer_editing.py): drafts, moderation, direct
publishing, optimistic locking, history, archive, confirm."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from directory.extensions import db
from directory.models import ChangeRecord, Offer, OfferRevision, OutboxMessage
from directory.offers import editing
from directory.offers.visibility import visible_clause
from tests.factories import make_location, make_offer, make_org
from tests.workflow_support import make_user

TODAY = dt.date.today()


def data(**overrides) -> dict:
    d = editing.empty_data()
    d.update(title="Sprachcafé", summary="Deutsch sprechen", category_code="meeting", languages=["de"],
             target_groups=["all"], challenges=["Z1"])
    d.update(overrides)
    return d


def visible(offer: Offer) -> bool:
    return db.session.scalar(select(func.count()).where(Offer.id == offer.id, visible_clause(TODAY))) == 1


# --- pure parts ---------------------------------------------------------------------------------

@pytest.mark.parametrize("old, new, fields", [
    ({}, {}, []),
    ({"title": "A"}, {"title": "A "}, []),                       # stripped
    ({"cost": ""}, {"cost": None}, []),                          # empty optional = None
    ({"languages": ["de", "ar"]}, {"languages": ["ar", "de"]}, []),  # order does not matter
    ({"title": "A"}, {"title": "B"}, ["title"]),
    ({"is_free": True}, {"is_free": False}, ["is_free"]),
    ({"schedules": []}, {"schedules": [{"weekday": 1, "opens_at": "09:00", "closes_at": "10:00"}]}, ["schedules"]),
    ({"schedules": [{"weekday": 1, "opens_at": "09:00:00", "closes_at": "10:00"}]},
     {"schedules": [{"weekday": 1, "opens_at": "09:00", "closes_at": "10:00"}]}, []),
    ({"valid_to": dt.date(2027, 1, 1)}, {"valid_to": "2027-01-01"}, []),
    ({"locations": [2, 1]}, {"locations": ["1", "2"]}, []),
])
def test_diff_compares_normalised_values(old, new, fields):
    assert sorted(editing.diff(old, new)) == sorted(fields)


def test_diff_records_old_and_new_values():
    assert editing.diff({"title": "Alt"}, {"title": "Neu"}) == {"title": ["Alt", "Neu"]}


def test_one_off_slot_ignores_weekday():
    assert editing.slot_dict({"weekday": 3, "date": "2026-12-05", "opens_at": "10:00", "closes_at": "12:00"})["weekday"] is None


# --- drafts and moderation ------------------------------------------------------------------------

def test_new_offer_is_saved_as_draft_and_recorded(app):
    org = make_org()
    user = make_user("provider", [org])
    outcome = editing.save_offer(None, org, data(), user, submit=False)
    db.session.commit()
    offer = outcome.offer
    assert outcome.result == "saved_draft" and offer.status == "draft" and offer.version == 1
    assert not visible(offer)
    entry = db.session.scalar(select(ChangeRecord).where(ChangeRecord.offer_id == offer.id))
    assert entry.action == "created" and entry.user_id == user.id and entry.changes["title"] == ["", "Sprachcafé"]


def test_submitted_offer_waits_for_a_moderator_then_is_published(app):
    org = make_org()
    provider = make_user("provider", [org])
    moderator = make_user("moderator")
    offer = editing.save_offer(None, org, data(), provider, submit=True).offer
    db.session.commit()
    revision = editing.open_revision(offer)
    assert revision.state == "pending" and offer.status == "draft" and not visible(offer)
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == moderator.email)) is not None

    editing.approve(revision, moderator)
    db.session.commit()
    assert offer.status == "published" and offer.last_confirmed == TODAY and visible(offer)
    assert revision.state == "approved" and revision.decided_by_id == moderator.id
    assert "ist jetzt veröffentlicht" in db.session.scalar(
        select(OutboxMessage.body).where(OutboxMessage.recipient == provider.email))


def test_send_back_needs_a_reason_which_the_provider_sees(app):
    org = make_org()
    provider, moderator = make_user("provider", [org]), make_user("moderator")
    offer = editing.save_offer(None, org, data(), provider, submit=True).offer
    revision = editing.open_revision(offer)
    with pytest.raises(editing.WorkflowError):
        editing.send_back(revision, moderator, "  ")
    editing.send_back(revision, moderator, "Bitte die Uhrzeit ergänzen.")
    db.session.commit()
    assert editing.open_revision(offer).state == "returned"
    assert editing.open_revision(offer).reason == "Bitte die Uhrzeit ergänzen."
    assert "Bitte die Uhrzeit ergänzen." in db.session.scalar(
        select(OutboxMessage.body).where(OutboxMessage.recipient == provider.email))


def test_offers_of_an_unapproved_organisation_cannot_be_approved(app):
    org = make_org(approved=False)
    provider, moderator = make_user("provider", [org]), make_user("moderator")
    offer = editing.save_offer(None, org, data(), provider, submit=True).offer
    with pytest.raises(editing.WorkflowError, match="Organisation"):
        editing.approve(editing.open_revision(offer), moderator)
    editing.approve_organization(org, moderator)
    editing.approve(editing.open_revision(offer), moderator)
    assert offer.status == "published"


@pytest.mark.parametrize("trusted, setting, expected", [
    (True, True, "published"), (True, False, "submitted"), (False, True, "submitted")])
def test_trusted_organisations_publish_directly_if_configured(app, trusted, setting, expected):
    app.config["TRUSTED_PUBLISH_DIRECTLY"] = setting
    org = make_org(trusted=trusted)
    outcome = editing.save_offer(None, org, data(), make_user("provider", [org]), submit=True)
    assert outcome.result == expected


def test_moderators_publish_directly(app):
    org = make_org()
    outcome = editing.save_offer(None, org, data(), make_user("moderator"), submit=True)
    assert outcome.result == "published" and outcome.offer.is_published


def test_change_to_a_published_offer_keeps_the_live_version_until_approved(app):
    org = make_org()
    offer = make_offer(organization=org, title="Alter Titel", version=1)
    db.session.commit()
    provider, moderator = make_user("provider", [org]), make_user("moderator")
    before = editing.data_from_offer(offer)
    changed = dict(before, title="Neuer Titel", languages=["de", "uk"])

    outcome = editing.save_offer(offer, org, changed, provider, submit=True, expected_version=1)
    db.session.commit()
    assert outcome.result == "submitted"
    db.session.refresh(offer)
    assert offer.title == "Alter Titel" and visible(offer)          # the public still sees the old one
    data_shown, version, revision = editing.editor_state(offer)
    assert data_shown["title"] == "Neuer Titel" and revision.state == "pending"  # the editor shows the proposal

    editing.approve(revision, moderator)
    db.session.commit()
    assert offer.title == "Neuer Titel" and [lang.code for lang in offer.languages] == ["de", "uk"]
    approved = db.session.scalar(select(ChangeRecord).where(ChangeRecord.offer_id == offer.id,
                                                            ChangeRecord.action == "approved"))
    assert approved.changes["title"] == ["Alter Titel", "Neuer Titel"]
    assert approved.changes["languages"] == [["de"], ["de", "uk"]]
    assert approved.user_id == moderator.id


def test_saving_a_draft_withdraws_a_pending_submission(app):
    org = make_org()
    provider = make_user("provider", [org])
    offer = editing.save_offer(None, org, data(), provider, submit=True).offer
    outcome = editing.save_offer(offer, org, data(title="Noch besser"), provider, submit=False, expected_version=offer.version)
    assert outcome.withdrawn and editing.open_revision(offer).state == "draft"
    assert editing.pending_revisions() == []


# --- optimistic locking ---------------------------------------------------------------------------

def test_second_save_with_the_same_version_is_a_conflict_and_writes_nothing(app):
    org = make_org(trusted=True)
    offer = make_offer(organization=org, title="Start", version=1)
    db.session.commit()
    anna, ben = make_user("provider", [org]), make_user("provider", [org])
    base = editing.data_from_offer(offer)
    editing.save_offer(offer, org, dict(base, title="Von Anna"), anna, submit=True, expected_version=1)
    db.session.commit()
    assert offer.version == 2
    with pytest.raises(editing.VersionConflict) as exc:
        editing.save_offer(offer, org, dict(base, title="Von Ben"), ben, submit=True, expected_version=1,
                           new_locations=[{"name": "Neu", "lat": 52.3, "lon": 8.9}])
    db.session.rollback()
    assert exc.value.current_version == 2
    db.session.refresh(offer)
    assert offer.title == "Von Anna" and offer.version == 2
    assert len(offer.locations) == 1  # the new location of the rejected save was not created


# --- archive, confirm, locations -------------------------------------------------------------------

def test_archive_hides_the_offer_but_keeps_its_history_and_restore_makes_a_draft(app):
    org = make_org()
    offer = make_offer(organization=org)
    user = make_user("provider", [org])
    editing.confirm(offer, user, today=TODAY - dt.timedelta(days=1))
    editing.archive(offer, user)
    db.session.commit()
    assert not visible(offer) and db.session.get(Offer, offer.id) is not None
    actions = [e.action for e in editing.history(offer)]
    assert actions[:2] == ["archived", "confirmed"]
    with pytest.raises(editing.WorkflowError):
        editing.save_offer(offer, org, editing.data_from_offer(offer), user, submit=False, expected_version=offer.version)
    editing.restore(offer, user)
    assert offer.status == "draft" and not visible(offer)


def test_confirm_sets_today_and_is_recorded_once_per_day(app):
    offer = make_offer(last_confirmed=TODAY - dt.timedelta(days=300))
    assert editing.confirm(offer, None)
    assert editing.confirm(offer, None)
    db.session.commit()
    assert offer.last_confirmed == TODAY
    assert [e.action for e in editing.history(offer)] == ["confirmed"]


def test_new_location_gets_its_district_from_the_point(app):
    org = make_org()
    loc = editing.create_location(org, {"name": "Kita", "address": "", "lat": 52.2869, "lon": 8.916}, make_user("provider", [org]))
    assert loc.district_code == "innenstadt" and loc.organization_id == org.id


def test_organisation_locations_include_unowned_ones_its_offers_use(app):
    org, other = make_org(), make_org()
    shared = make_location(organization=None)
    own = make_location(organization=org)
    make_location(organization=other)
    make_offer(organization=org, locations=[shared])
    assert {loc.id for loc in editing.organization_locations(org)} == {shared.id, own.id}


def test_preview_is_not_an_orm_object_and_writes_nothing(app):
    org = make_org()
    loc = make_location(organization=org)
    db.session.commit()
    from directory.offers import vocabulary

    p = editing.preview(data(locations=[loc.id], schedules=[{"weekday": 1, "opens_at": "09:00", "closes_at": "10:00"}]),
                        org, vocabulary.load("de"), "de")
    assert p.title == "Sprachcafé" and p.locations[0].name == loc.name and p.slots
    db.session.commit()
    assert db.session.scalar(select(func.count(Offer.id))) == 0
    assert db.session.scalar(select(func.count(OfferRevision.id))) == 0
