"""Interface language: chosen from the `lang` parameter, then a cookie, then Accept-Language."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask import Flask, has_request_context, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale

# code → name in its own script, direction
INTERFACE_LANGUAGES = {
    "de": ("Deutsch", "ltr"),
    "en": ("English", "ltr"),
    "ar": ("العربية", "rtl"),
    "uk": ("Українська", "ltr"),
    "tr": ("Türkçe", "ltr"),
    "ru": ("Русский", "ltr"),
    "fa": ("فارسی", "rtl"),
    "ku": ("Kurdî", "ltr"),
}
COOKIE = "wegweiser_lang"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


@lru_cache(maxsize=1)
def available() -> list[str]:
    """German (the source language) plus every language with a compiled catalogue."""
    compiled = {p.parent.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.mo")}
    return [code for code in INTERFACE_LANGUAGES if code == "de" or code in compiled]


def select_locale() -> str:
    if not has_request_context():  # CLI commands, background jobs
        return "de"
    languages = available()
    lang = request.args.get("lang")
    if lang in languages:
        return lang
    lang = request.cookies.get(COOKIE)
    if lang in languages:
        return lang
    return request.accept_languages.best_match(languages) or "de"


def current_language() -> str:
    return str(get_locale() or "de")


def init_app(app: Flask) -> None:
    @app.after_request
    def remember_choice(response):
        lang = request.args.get("lang")
        if lang in available() and request.cookies.get(COOKIE) != lang:
            response.set_cookie(COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax")
        return response

    @app.context_processor
    def language_context():
        code = current_language()
        return {
            "ui_lang": code,
            "ui_dir": INTERFACE_LANGUAGES.get(code, ("", "ltr"))[1],
            "ui_languages": {c: INTERFACE_LANGUAGES[c] for c in available()},
        }

    app.jinja_env.globals.update(
        format_date=format_date, format_datetime=format_datetime, format_decimal=format_decimal
    )
