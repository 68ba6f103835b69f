"""Demo accounts, loaded by `flask seed` together with the demo data (never with --no-demo).

The passwords are printed in the README for trying Wegweiser out locally; they must never
exist on a public server, which is why they come only with the (fictional) demo data.
"""
from __future__ import annotations

from sqlalchemy import func, select

from directory.extensions import db
from directory.models import Organization, User
from directory.seeding.common import DEMO_PREFIX

DEMO_PASSWORD = "demo-wegweiser"
DEMO_ACCOUNTS = (
    # email, display name, role, demo organisation keys
    ("admin@wegweiser.example", "Demo-Admin", "admin", ()),
    ("moderation@wegweiser.example", "Demo-Moderation (Stadt Minden)", "moderator", ()),
    ("beratung@wegweiser.example", "Demo-Beratung", "counsellor", ("caritas",)),  # refers as Migrationsberatung
    ("familienzentrum@wegweiser.example", "Demo-Anbieterin Familienzentrum", "provider", ("fz-baerenkaempen",)),
    ("sportverein@wegweiser.example", "Demo-Anbieter SV Weserufer", "provider", ("sv-weserufer",)),
)


def load() -> int:
    """Create the demo accounts that are missing (existing ones are left alone). Idempotent."""
    created = 0
    for email, name, role, org_keys in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is not None:
            continue
        user = User(email=email, display_name=name, role=role)
        user.set_password(DEMO_PASSWORD)
        user.organizations = list(db.session.scalars(
            select(Organization).where(Organization.external_id.in_([DEMO_PREFIX + k for k in org_keys]))))
        db.session.add(user)
        created += 1
    return created
