"""Open-data pages: the overview of formats and downloads, and the API reference.

The API reference is rendered on the server from the same OpenAPI document that
/api/v1/openapi.json serves (no Swagger UI, no CDN).
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import urlencode

import click
from flask import Blueprint, render_template, request, url_for

from directory.core.i18n import current_language
from directory.offers import vocabulary
from directory.opendata import hsds, openapi
from directory.search import engine as search

bp = Blueprint("opendata", __name__, url_prefix="/daten", cli_group=None)


def _schema_text(schema: dict) -> str:
    """A short type description of a JSON schema for the reference tables."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(_schema_text(s) for s in schema["anyOf"])
    if "allOf" in schema:
        return " + ".join(_schema_text(s) for s in schema["allOf"])
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = " | ".join(kind)
    if kind == "array" and "items" in schema:
        return f"array of {_schema_text(schema['items'])}"
    if "format" in schema:
        kind += f" ({schema['format']})"
    return kind


def _constraints(schema: dict) -> str:
    inner = schema.get("items", schema)
    parts = []
    if "enum" in inner:
        values = [str(v) for v in inner["enum"]]
        parts.append(", ".join(values[:12]) + (f" … ({len(values)})" if len(values) > 12 else ""))
    for key, word in (("minimum", "≥"), ("maximum", "≤"), ("maxLength", "max length"), ("default", "default")):
        if key in inner:
            parts.append(f"{word} {inner[key]}")
    return "; ".join(parts)


@bp.app_template_global("format_url")
def format_url(endpoint: str, **values) -> str:
    """An open-format URL carrying the current page's search filters (not its page number)."""
    known = set(search.SCALAR_PARAMS) | set(search.FACETS_BY_PARAM)
    params = [(k, v) for k, v in request.args.items(multi=True) if k in known and k != "page" and v.strip()]
    return url_for(endpoint, **values) + ("?" + urlencode(params) if params else "")


@bp.get("/api")
def api_docs():
    doc = openapi.build(vocabulary.load("de"), server_url=url_for("api.index").rstrip("/"))
    return render_template(
        "opendata/api_docs.html", doc=doc, schema_text=_schema_text, constraints=_constraints,
        base_url=url_for("api.index", _external=True).rstrip("/"),
    )


@bp.get("/")
def overview():
    return render_template("opendata/overview.html", vocab=vocabulary.load(current_language()))


@bp.cli.command("export-hsds")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--base-url", default="", help="Public address of this Wegweiser (for links in the export).")
def export_hsds(directory: Path, base_url: str) -> None:
    """Write the published offers as HSDS 3.0: CSV files, datapackage.json and hsds.json."""
    directory.mkdir(parents=True, exist_ok=True)
    created = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    data = hsds.build(base_url)
    for name, text in hsds.data_package(data, created, base_url).items():
        (directory / name).write_text(text, encoding="utf-8")
    (directory / "hsds.json").write_text(
        json.dumps(hsds.export_document(data, created), ensure_ascii=False, indent=1), encoding="utf-8")
    click.echo(f"HSDS 3.0: {len(data['service'])} services, {len(data['organization'])} organizations, "
               f"{len(data['location'])} locations → {directory}")
