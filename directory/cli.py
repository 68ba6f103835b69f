"""Command-line interface: `flask seed`, `flask districts-import`, `flask reindex`."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask
from tqdm import tqdm

from . import fulltext, seeding
from .extensions import db


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
            from . import demo_accounts  # issue 4: demo logins (README "Trying it out")

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
