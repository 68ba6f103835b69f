"""Pictograms: one SVG per category and per field of action, in static/img/pictograms/.

``category-<code>.svg`` and ``field-<code>.svg`` (codes from seeds/vocabularies.yaml and
seeds/challenges.yaml). They are simple line drawings on a 24×24 grid in one colour, so that a
person who reads little can tell a sports group from a counselling office. Every use comes with
a text alternative: the category or field name written next to it (the image then has
``alt=""`` so that screen readers do not read the word twice) or, on map pins, in ``alt``.
A term without a drawing gets the neutral ``generic.svg``.
"""
from __future__ import annotations

from functools import lru_cache

from flask import url_for

from directory.config import ROOT

DIRECTORY = ROOT / "static" / "img" / "pictograms"
KINDS = ("category", "field")


@lru_cache(maxsize=None)
def filename(kind: str, code: str) -> str:
    """Path below static/ of the pictogram of a vocabulary term."""
    if kind not in KINDS:
        raise ValueError(f"unknown pictogram kind {kind!r}")
    name = f"{kind}-{code}.svg"
    if not (DIRECTORY / name).is_file():
        name = "generic.svg"
    return f"img/pictograms/{name}"


def url(kind: str, code: str | None) -> str:
    return url_for("static", filename=filename(kind, code or ""))
