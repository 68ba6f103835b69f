"""What every seed loader shares: the seeds/ folder, the demo id prefix, idempotent assignment."""
from __future__ import annotations

from typing import Any

import yaml

from directory.config import ROOT

SEEDS = ROOT / "seeds"
DEMO_PREFIX = "demo:"


class SeedError(ValueError):
    pass


def read_yaml(name: str) -> Any:
    with (SEEDS / name).open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def set_changed(obj, **values) -> bool:
    """Assign only the attributes that differ; True if anything changed."""
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed
