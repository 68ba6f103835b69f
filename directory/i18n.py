"""Interface language: chosen from the `lang` parameter, then a cookie, then Accept-Language."""
from __future__ import annotations

from flask import Flask, g, request
from flask_babel import get_locale

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


def select_locale() -> str:
    lang = request.args.get("lang")
    if lang in INTERFACE_LANGUAGES:
        return lang
    lang = request.cookies.get(COOKIE)
    if lang in INTERFACE_LANGUAGES:
        return lang
    return request.accept_languages.best_match(list(INTERFACE_LANGUAGES)) or "de"


def current_language() -> str:
    return str(get_locale() or "de")


def init_app(app: Flask) -> None:
    @app.after_request
    def remember_choice(response):
        lang = request.args.get("lang")
        if lang in INTERFACE_LANGUAGES and request.cookies.get(COOKIE) != lang:
            response.set_cookie(COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax")
        return response

    @app.context_processor
    def language_context():
        code = current_language()
        return {
            "ui_lang": code,
            "ui_dir": INTERFACE_LANGUAGES.get(code, ("", "ltr"))[1],
            "ui_languages": INTERFACE_LANGUAGES,
        }

    _ = g  # keep import used for type checkers
