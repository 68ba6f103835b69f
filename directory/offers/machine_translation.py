"""Optional machine translation of offer texts – a hook, off by default.

Wegweiser itself sends nothing to a translation service. ``MACHINE_TRANSLATION`` is ``off``
(the default: :class:`NullTranslator`, no suggestions) or ``package.module:factory``, a callable
that receives the app config and returns a :class:`Translator` – e.g. an adapter for a
self-hosted LibreTranslate or an institution's DeepL account, written and configured by whoever
runs Wegweiser. A suggestion only pre-fills the provider's translation form; it is published
once the provider has read and saved it (then it counts as "translated by the provider").
"""
from __future__ import annotations

import importlib
from typing import Mapping, Protocol, runtime_checkable

from flask import current_app

OFF = "off"


class TranslationUnavailable(RuntimeError):
    """The configured service could not translate (network down, quota, unknown language)."""


@runtime_checkable
class Translator(Protocol):
    name: str

    def translate(self, texts: Mapping[str, str], source: str, target: str) -> dict[str, str]:
        """The texts (field name → text) translated from ``source`` into ``target``; fields it
        cannot translate are left out. May raise :class:`TranslationUnavailable`."""
        ...


class NullTranslator:
    """No machine translation: never suggests anything."""

    name = OFF

    def translate(self, texts: Mapping[str, str], source: str, target: str) -> dict[str, str]:
        return {}


def load(setting: str | None, config: Mapping) -> Translator:
    """The translator for a MACHINE_TRANSLATION setting; ValueError for a bad setting."""
    if not setting or setting.strip().lower() in (OFF, "0", "false", "no", "none"):
        return NullTranslator()
    module_name, _, attr = setting.strip().partition(":")
    if not module_name or not attr:
        raise ValueError(f"MACHINE_TRANSLATION must be 'off' or 'package.module:factory', not {setting!r}")
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"MACHINE_TRANSLATION: cannot load {setting!r}: {exc}") from None
    translator = factory(config)
    if not isinstance(translator, Translator):
        raise ValueError(f"MACHINE_TRANSLATION: {setting!r} did not return a Translator")
    return translator


def translator() -> Translator:
    """The app's translator (created once per app)."""
    app = current_app._get_current_object()
    cached = app.extensions.get("wegweiser_translator")
    if cached is None:
        cached = load(app.config.get("MACHINE_TRANSLATION", OFF), app.config)
        app.extensions["wegweiser_translator"] = cached
    return cached


def enabled() -> bool:
    return not isinstance(translator(), NullTranslator)


def suggest(texts: Mapping[str, str], source: str, target: str) -> dict[str, str]:
    """Suggested translations of the non-empty texts; {} when off or unavailable."""
    wanted = {k: v for k, v in texts.items() if v and v.strip()}
    if not wanted or source == target:
        return {}
    try:
        result = translator().translate(wanted, source, target)
    except TranslationUnavailable:
        current_app.logger.warning("machine translation %s→%s unavailable", source, target)
        return {}
    return {k: v for k, v in (result or {}).items() if k in wanted and isinstance(v, str) and v.strip()}
