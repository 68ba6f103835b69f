"""Where the official HSDS 3.0 files are, and a validator over their item schemas.

The files are NOT copied into this repository (they are CC BY-SA and the project keeps them in
the shared folder beside the repo): ``<repo>/../shared/hsds``; ``HSDS_SHARED`` names another
place (e.g. for a git worktree). CI always has the folder; a local run without it skips.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from directory.config import ROOT

HSDS = Path(os.environ.get("HSDS_SHARED") or ROOT.parent / "shared" / "hsds")
SCHEMA_DIR = HSDS / "schema"


def require_schemas() -> None:
    if not SCHEMA_DIR.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"HSDS schemas missing in CI: {SCHEMA_DIR}")
        pytest.skip(f"HSDS 3.0 schemas not found at {SCHEMA_DIR} (shared folder beside the repo)")


def registry() -> Registry:
    require_schemas()
    resources = []
    for path in [*SCHEMA_DIR.glob("*.json"), *SCHEMA_DIR.glob("compiled/*.json")]:
        if path.name == "openapi.json":
            continue
        contents = json.loads(path.read_text())
        resources.append((path.as_uri(), Resource.from_contents(contents, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


def validator(reg: Registry, name: str) -> Draft202012Validator:
    uri = (SCHEMA_DIR / f"{name}.json").as_uri()
    return Draft202012Validator({"$ref": uri}, registry=reg, format_checker=FormatChecker())


def errors_of(reg: Registry, name: str, rows: list[dict]) -> list[str]:
    v = validator(reg, name)
    return [f"{name}[{i}] {e.json_path}: {e.message}" for i, row in enumerate(rows) for e in v.iter_errors(row)]
