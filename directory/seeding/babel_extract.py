"""Vocabulary labels from the seed files as gettext messages (a Babel extractor).

The small vocabularies (categories, target groups, languages, fields of action, the short
titles of the workshop challenges) live in ``seeds/*.yaml`` with a German name – the source
language – and are loaded into the database by ``flask seed``. Their labels in the other
interface languages are ordinary catalogue entries with a message context, so that one
workflow (``make translations``) and one completeness test cover the whole interface:

    msgctxt "category"
    msgid "Sportgruppe"
    msgstr "مجموعة رياضية"

``babel.cfg`` maps the seed files to :func:`extract`; :mod:`directory.vocabulary` looks the
labels up with ``pgettext(context, name_de)`` and falls back to the German name (and for
English to the ``name_en`` column) when a catalogue has no entry, e.g. for a vocabulary term an
administrator added later.
"""
from __future__ import annotations

from typing import Iterator

import yaml

# (top-level key in the YAML file, key of the German label, message context)
VOCABULARY_KEYS = (
    ("categories", "name_de", "category"),
    ("target_groups", "name_de", "target_group"),
    ("languages", "name_de", "language"),
)
FIELD_CONTEXT = "field_of_action"
CHALLENGE_CONTEXT = "challenge"


def messages(data: dict) -> Iterator[tuple[str, str, str]]:
    """(context, German label, comment) for every label the interface shows."""
    for key, label_key, context in VOCABULARY_KEYS:
        for item in data.get(key) or []:
            yield context, item[label_key], f"{context} {item['code']}"
    for field in data.get("fields") or []:
        yield FIELD_CONTEXT, field["name_de"], f"{FIELD_CONTEXT} {field['code']}"
        for challenge in field.get("challenges") or []:
            yield CHALLENGE_CONTEXT, challenge["short_de"], f"{CHALLENGE_CONTEXT} {challenge['code']}"


def extract(fileobj, keywords, comment_tags, options) -> Iterator[tuple]:
    """Babel extraction method for seeds/vocabularies.yaml and seeds/challenges.yaml."""
    text = fileobj.read().decode(options.get("encoding", "utf-8"))
    lines = text.splitlines()
    data = yaml.safe_load(text) or {}
    for context, label, comment in messages(data):
        lineno = next((i for i, line in enumerate(lines, 1) if label in line), 0)
        yield lineno, "pgettext", (context, label), [comment]
