"""Data protection for referrals: after ``REFERRAL_RETENTION_DAYS`` they are anonymised (or,
with ``--delete``, deleted) by ``flask --app wsgi referrals-retention``; run it daily (cron).

Anonymising removes everything that links a referral to a person or a sheet: the reference
code, the referring organisation and user, the sheet language, the notes and the status history
(with its timestamps and users); the date is coarsened to the first of its month. What stays
is "an offer was referred in that month and the outcome was …" – the aggregated statistics
(:mod:`directory.referral_stats`). The command is idempotent: a second run changes nothing.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from directory.extensions import db
from directory.models import Referral, ReferralEvent, ReferralOffer, utcnow

BATCH = 500


@dataclass
class RetentionReport:
    cutoff: dt.datetime
    anonymised: int = 0
    deleted: int = 0


def apply_retention(days: int, now: dt.datetime | None = None, delete_all: bool = False,
                    dry_run: bool = False) -> RetentionReport:
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=days)
    report = RetentionReport(cutoff)
    if delete_all:
        ids = list(db.session.scalars(select(Referral.id).where(Referral.created_at < cutoff)))
        report.deleted = len(ids)
        if not dry_run:
            for start in range(0, len(ids), BATCH):
                chunk = ids[start:start + BATCH]
                items = select(ReferralOffer.id).where(ReferralOffer.referral_id.in_(chunk))
                db.session.execute(delete(ReferralEvent).where(ReferralEvent.item_id.in_(items)))
                db.session.execute(delete(ReferralOffer).where(ReferralOffer.referral_id.in_(chunk)))
                db.session.execute(delete(Referral).where(Referral.id.in_(chunk)))
        return report
    if dry_run:
        pending = select(Referral.id).where(Referral.created_at < cutoff, Referral.anonymised_at.is_(None))
        report.anonymised = db.session.scalar(select(func.count()).select_from(pending.subquery())) or 0
        return report
    while True:
        batch = list(db.session.scalars(
            select(Referral)
            .where(Referral.created_at < cutoff, Referral.anonymised_at.is_(None))
            .order_by(Referral.id)
            .limit(BATCH)
        ))
        if not batch:
            break
        for referral in batch:
            anonymise(referral, now)
        report.anonymised += len(batch)
        db.session.flush()
    return report


def anonymise(referral: Referral, now: dt.datetime) -> None:
    referral.code = None
    referral.organization_id = None
    referral.created_by_id = None
    referral.language_code = None
    referral.created_at = referral.created_at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    referral.anonymised_at = now
    for item in referral.items:
        item.note = None
        item.events.clear()  # delete-orphan: the history goes
