"""Every command-line command (`flask --app wsgi <command>`), registered in one place."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import func, select
from tqdm import tqdm

from directory.core.geo import app_geocoder
from directory.core.mail import outbox
from directory.extensions import db
from directory.models import Organization, User
from directory.offers import freshness, hsds_import, import_jobs, importer
from directory.referrals import retention
from directory.search import fulltext
from directory.seeding import demo_accounts
from directory.seeding import loader as seeding


def register(app: Flask) -> None:
    @app.cli.command("seed")
    @click.option("--demo/--no-demo", default=True, show_default=True,
                  help="Also load the demo organisations and offers.")
    def seed(demo: bool) -> None:
        """Load the taxonomy, vocabularies, districts and (by default) demo data. Idempotent."""
        seeding.load_reference_data()
        db.session.commit()
        click.echo("Reference data: 4 fields of action, 18 challenges, vocabularies, districts.")
        if demo:
            data = seeding.read_yaml("demo_offers.yaml")
            counts = seeding.load_demo(
                data, progress=lambda it: tqdm(it, desc="Demo offers", unit="offer", total=len(data["offers"]))
            )
            db.session.commit()
            click.echo(
                f"Demo data: {counts['organizations']} organisations, "
                f"{counts['locations']} locations, {counts['offers']} offers."
            )
            n = demo_accounts.load()
            db.session.commit()
            click.echo(f"Demo accounts: {n} created (password {demo_accounts.DEMO_PASSWORD!r}, local demo only).")

    @app.cli.command("districts-import")
    @click.argument("geojson_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--approximate/--official", default=False, show_default=True,
                  help="Label the boundaries as approximate or as official data.")
    @click.option("--source", default=None, help="Where the boundaries come from (shown on the map).")
    def districts_import(geojson_file: Path, approximate: bool, source: str | None) -> None:
        """Replace district boundaries with a GeoJSON FeatureCollection (properties: name[, code])."""
        try:
            data = json.loads(geojson_file.read_text(encoding="utf-8"))
            n = seeding.load_districts(data, approximate=approximate, source=source or geojson_file.name)
        except (ValueError, KeyError, TypeError) as exc:
            db.session.rollback()
            raise click.ClickException(f"{geojson_file}: {exc}") from None
        db.session.commit()
        click.echo(f"{n} districts updated from {geojson_file}.")

    @app.cli.command("reindex")
    def reindex() -> None:
        """Re-create the full-text index (e.g. after a SQLite batch migration of `offer`)."""
        with db.engine.begin() as conn:
            fulltext.uninstall(conn)
            fulltext.install(conn)
        click.echo("Full-text index rebuilt.")

    @app.cli.command("import-offers")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Check every row and report, but write nothing.")
    @click.option("--source", default="", help="Name of the list's source; its remembered column mapping is used.")
    @click.option("--approve-organizations", is_flag=True, help="Approve organisations the import creates.")
    def import_offers(file: Path, dry_run: bool, source: str, approve_organizations: bool) -> None:
        """Import offers from a CSV/XLSX file (columns proposed from the headers; README)."""
        try:
            if dry_run:
                table = importer.read_table(file.read_bytes(), file.name)
                mapping = importer.proposal(table, importer.source_named(source))
                problems = importer.mapping_problems(mapping)
                if problems:
                    raise importer.ImportFileError(" ".join(problems))
                report = importer.preview(importer.mapped_rows(table, mapping), app_geocoder(), source)
                db.session.rollback()
            else:
                report = importer.import_file(file.read_bytes(), file.name, app_geocoder(), source_name=source,
                                              approve_organizations=approve_organizations)
        except importer.ImportFileError as exc:
            db.session.rollback()
            raise click.ClickException(f"{file}: {exc}") from None
        for note in report.notes:
            click.echo(f"Note: {note}")
        for row in report.rows:
            line = f"row {row.row:>4}  {row.status:<9}  {row.external_id or '-'}"
            if row.title:
                line += f"  {row.title}"
            click.echo(line)
            for message in row.messages:
                click.echo(f"            - {message}")
            for warning in row.warnings:
                click.echo(f"            ! {warning['message']}")
        c = report.counts
        if dry_run:
            click.echo(f"{c['created']} new, {c['updated']} existing, {c['rejected']} rejected, "
                       f"{report.flagged} with warnings (dry run: nothing written).")
        else:
            click.echo(f"{c['created']} created, {c['updated']} updated, {c['unchanged']} unchanged, "
                       f"{c['rejected']} rejected, {report.flagged} with warnings (drafts).")

    @app.cli.command("import-hsds")
    @click.argument("location")
    @click.option("--name", default="", help="Name of the source shown on its offers (default: the location).")
    @click.option("--approve-organizations", is_flag=True, help="Approve organisations the import creates.")
    @click.option("--keep-missing", is_flag=True, help="Do not archive offers the source no longer lists.")
    def import_hsds(location: str, name: str, approve_organizations: bool, keep_missing: bool) -> None:
        """Import or follow HSDS 3.0 data: a data package (folder, zip, JSON) or an HSDS API URL."""
        try:
            report = hsds_import.run(location, name=name, approve_organizations=approve_organizations,
                                     archive_missing=not keep_missing)
        except hsds_import.HsdsError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from None
        for service_id, reason in report.rejected:
            click.echo(f"rejected {service_id}: {reason}")
        for service_id, messages in report.warnings.items():
            for message in messages:
                click.echo(f"warning {service_id}: {message}")
        click.echo(f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
                   f"{report.archived} archived, {len(report.rejected)} rejected.")

    @app.cli.command("import-worker")
    @click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
    def import_worker(burst: bool) -> None:
        """Work the import queue (needs REDIS_URL; without it imports run in the request)."""
        if not app.config.get("REDIS_URL"):
            raise click.ClickException("REDIS_URL is not set: imports run inline, no worker needed.")
        import_jobs.work(burst=burst)

    @app.cli.command("confirm-reminders")
    @click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                  help="Pretend today is this date (for trying the periods out).")
    def confirm_reminders(today) -> None:
        """Send reminders to confirm offers; notify and list offers hidden as stale. Idempotent."""
        day = today.date() if today else dt.date.today()
        report = freshness.run(today=day, now=today if today else None)
        db.session.commit()
        click.echo(f"{report.reminded_offers} offers reminded, {report.hidden_offers} newly hidden "
                   f"(not confirmed for {app.config['STALE_HIDE_AFTER_DAYS']} days), {report.mails} mails.")
        if report.without_recipient:
            click.echo("No address to remind for offers: " + ", ".join(map(str, report.without_recipient)))

    @app.cli.command("outbox")
    @click.option("--limit", default=10, show_default=True)
    @click.option("--to", "recipient", default=None, help="Only mails to this address.")
    def show_outbox(limit: int, recipient: str | None) -> None:
        """Print the newest mails of the outbox (MAIL_BACKEND=outbox, or undelivered SMTP mail)."""
        messages = outbox(limit=limit, recipient=recipient)
        if not messages:
            click.echo("The outbox is empty.")
        for m in reversed(messages):
            click.echo(f"--- #{m.id} {m.created_at:%Y-%m-%d %H:%M} UTC  to {m.recipient}  [{m.kind}]"
                       + (f"  NOT DELIVERED: {m.error}" if m.error else ""))
            click.echo(f"Subject: {m.subject}\n\n{m.body}")

    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--role", type=click.Choice(["provider", "moderator", "counsellor", "admin"]), default="moderator",
                  show_default=True)
    @click.option("--name", default="", help="Display name.")
    @click.option("--organization", "organization_id", type=int, default=None,
                  help="Id of the organisation a provider belongs to.")
    @click.password_option(help="Asked for when not given.")
    def create_user(email: str, role: str, name: str, organization_id: int | None, password: str) -> None:
        """Create a user (e.g. the first admin), or set a new password and role for an existing one."""
        if len(password) < 10:
            raise click.ClickException("The password needs at least 10 characters.")
        user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
        created = user is None
        if user is None:
            user = User(email=email.strip())
            db.session.add(user)
        user.role, user.display_name, user.active = role, name or user.display_name or "", True
        user.set_password(password)
        if organization_id is not None:
            org = db.session.get(Organization, organization_id)
            if org is None:
                raise click.ClickException(f"No organisation with id {organization_id}.")
            if org not in user.organizations:
                user.organizations.append(org)
        db.session.commit()
        click.echo(f"{'Created' if created else 'Updated'} {role} {user.email}.")

    @app.cli.command("referrals-retention")
    @click.option("--days", type=click.IntRange(min=1), default=None,
                  help="Override REFERRAL_RETENTION_DAYS for this run.")
    @click.option("--delete", "delete_all", is_flag=True,
                  help="Delete old referrals completely (they then disappear from the statistics too).")
    @click.option("--dry-run", is_flag=True, help="Only count what would change.")
    def referrals_retention(days: int | None, delete_all: bool, dry_run: bool) -> None:
        """Anonymise (or delete) referrals older than the retention period. Idempotent."""
        days = days or app.config["REFERRAL_RETENTION_DAYS"]
        report = retention.apply_retention(days, delete_all=delete_all, dry_run=dry_run)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        what = "deleted" if delete_all else "anonymised"
        n = report.deleted if delete_all else report.anonymised
        prefix = "would be " if dry_run else ""
        click.echo(f"{n} referrals older than {days} days (before {report.cutoff:%Y-%m-%d}) {prefix}{what}.")
