"""Interface language, simple-language mode and the message catalogues.

Language choice, in this order:

1. a URL prefix: ``/ar/…``, ``/uk/angebote/12`` (``/de/…`` forces German). The prefix is moved
   into ``SCRIPT_NAME`` by :class:`LanguagePrefix`, so every ``url_for`` on that page – links,
   form actions, redirects, static files – carries it without any view knowing about it;
2. a ``lang`` query parameter (old links, forms): a GET is redirected to the prefixed URL;
3. the cookie ``wegweiser_lang`` (set whenever 1. or 2. chose a language);
4. the browser's Accept-Language, among :func:`available` languages;
5. German, the source language.

Simple language ("Einfache Sprache"): ``?simple=1`` / ``?simple=0`` on any page switches it on
or off and is remembered in the cookie ``wegweiser_simple``; templates read ``simple``.

German is the source language: every interface string is a German msgid. A string missing from
a catalogue falls back to the German msgid (never to an empty string or a key), and pages say
so in their footer (:func:`untranslated_on_page`). Vocabulary labels from the seed files are
translated through the same catalogues with a message context (``pgettext(context, name_de)``,
see :mod:`directory.babel_seeds`).
"""
from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlencode

from babel.support import NullTranslations, Translations
from flask import Flask, current_app, g, has_request_context, redirect, request
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    get_translations,
    refresh,
)
from markupsafe import Markup
from werkzeug.wrappers import Response

from directory.config import ROOT

# code → name in its own script, direction. To add a language: add it here, then
# `make translations-init LANG=xx`, translate directory/translations/xx/LC_MESSAGES/messages.po
# and `make translations` (see README, "Interface languages").
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
SOURCE_LANGUAGE = "de"
COOKIE = "wegweiser_lang"
SIMPLE_COOKIE = "wegweiser_simple"
COOKIE_MAX_AGE = 365 * 24 * 3600
TRANSLATIONS = ROOT / "directory" / "translations"
ENV_URL_LANG = "wegweiser.url_lang"  # language code taken from the URL prefix
ENV_BASE = "wegweiser.base_script"   # SCRIPT_NAME before the prefix was moved into it


@lru_cache(maxsize=1)
def available() -> list[str]:
    """German (the source language) plus every language with a compiled catalogue."""
    compiled = {p.parent.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.mo")}
    return [code for code in INTERFACE_LANGUAGES if code == SOURCE_LANGUAGE or code in compiled]


def direction(code: str) -> str:
    return INTERFACE_LANGUAGES.get(code, ("", "ltr"))[1]


@lru_cache(maxsize=16)
def translations_for(code: str) -> Translations | NullTranslations:
    """The catalogue of one language, without a request (vocabulary, tests, CLI)."""
    if code == SOURCE_LANGUAGE or code not in available():
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS), [code])


def is_translated(translations, msgid: str, context: str | None = None) -> bool:
    catalog = getattr(translations, "_catalog", None)
    if catalog is None:
        return False
    key = msgid if context is None else f"{context}\x04{msgid}"
    return key in catalog or (key, 0) in catalog


# --- the URL prefix ------------------------------------------------------------------------

class LanguagePrefix:
    """WSGI middleware: ``/ar/angebote/3`` → SCRIPT_NAME ``…/ar``, PATH_INFO ``/angebote/3``."""

    def __init__(self, app, languages=available):
        self.app = app
        self.languages = languages

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO") or "/"
        head, _, rest = path[1:].partition("/")
        if head in self.languages():
            base = environ.get("SCRIPT_NAME", "")
            environ[ENV_BASE] = base
            environ[ENV_URL_LANG] = head
            environ["SCRIPT_NAME"] = f"{base}/{head}"
            environ["PATH_INFO"] = "/" + rest
        return self.app(environ, start_response)


def url_language() -> str | None:
    return request.environ.get(ENV_URL_LANG)


def base_script() -> str:
    return request.environ.get(ENV_BASE, request.script_root)


def _query_without(*names: str) -> str:
    """The current query string minus some parameters; oversized input is not echoed back."""
    args = [
        (k, v) for k, v in request.args.items(multi=True)
        if k not in names and len(k) <= 20 and len(v) <= 200
    ]
    return urlencode(args[:60])


def switch_url(code: str) -> str:
    """This page in another interface language (the language switcher's links)."""
    query = _query_without("lang")
    return f"{base_script()}/{code}{request.path}" + (f"?{query}" if query else "")


def simple_url(on: bool) -> str:
    """This page with simple language switched on or off."""
    query = _query_without("simple")
    query = (query + "&" if query else "") + f"simple={1 if on else 0}"
    return f"{request.script_root}{request.path}?{query}"


# --- choosing ------------------------------------------------------------------------------

def select_locale() -> str:
    if not has_request_context():  # CLI commands, background jobs
        return SOURCE_LANGUAGE
    languages = available()
    for lang in (url_language(), request.args.get("lang"), request.cookies.get(COOKIE)):
        if lang in languages:
            return lang
    return request.accept_languages.best_match(languages) or SOURCE_LANGUAGE


def current_language() -> str:
    return str(get_locale() or SOURCE_LANGUAGE)


def is_simple() -> bool:
    if not has_request_context():
        return False
    value = request.args.get("simple")
    if value in ("0", "1"):
        return value == "1"
    return request.cookies.get(SIMPLE_COOKIE) == "1"


# --- visible fallback to German ------------------------------------------------------------

def _record(msgid: str) -> None:
    if has_request_context():
        g.setdefault("untranslated", set()).add(msgid)


def _checked(translations, msgid: str, context: str | None = None) -> None:
    if current_language() != SOURCE_LANGUAGE and not is_translated(translations, msgid, context):
        _record(msgid)


def _gettext(string: str) -> str:
    t = get_translations()
    _checked(t, string)
    return t.ugettext(string)


def _ngettext(singular: str, plural: str, n: int) -> str:
    t = get_translations()
    _checked(t, singular)
    return t.ungettext(singular, plural, n)


def _pgettext(context: str, string: str) -> str:
    t = get_translations()
    _checked(t, string, context)
    return t.upgettext(context, string)


def _npgettext(context: str, singular: str, plural: str, n: int) -> str:
    t = get_translations()
    _checked(t, singular, context)
    return t.unpgettext(context, singular, plural, n)


def german_attrs() -> Markup:
    """` lang="de" dir="ltr"` for German content (names, addresses) on a page in another language."""
    if current_language() == SOURCE_LANGUAGE:
        return Markup("")
    return Markup(' lang="de" dir="ltr"')


def untranslated_on_page() -> int:
    """How many strings rendered so far fell back to German (footer note)."""
    return len(g.get("untranslated", ())) if has_request_context() else 0


# --- wiring --------------------------------------------------------------------------------

def init_app(app: Flask) -> None:
    app.wsgi_app = LanguagePrefix(app.wsgi_app)
    # Same callables as Flask-Babel's, plus a note of every string that fell back to German.
    app.jinja_env.install_gettext_callables(
        gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext, npgettext=_npgettext,
        newstyle=True,
    )

    @app.before_request
    def fresh_language_state():
        # Flask-Babel caches the locale on `g`, which lives as long as the app context; when
        # one app context spans several requests (tests, CLI) each request must choose anew.
        refresh()
        g.pop("untranslated", None)

    @app.before_request
    def language_parameter_to_prefix():
        lang = request.args.get("lang")
        if (request.method in ("GET", "HEAD") and lang in available() and url_language() is None
                and not request.path.startswith(("/api/", "/hsds/", "/static/"))):
            query = _query_without("lang")
            return redirect(f"{base_script()}/{lang}{request.path}" + (f"?{query}" if query else ""))

    @app.after_request
    def remember_choice(response: Response) -> Response:
        lang = url_language() or request.args.get("lang")
        if lang in available() and request.cookies.get(COOKIE) != lang:
            response.set_cookie(COOKIE, lang, max_age=COOKIE_MAX_AGE, samesite="Lax",
                                secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
        simple = request.args.get("simple")
        if simple == "1" and request.cookies.get(SIMPLE_COOKIE) != "1":
            response.set_cookie(SIMPLE_COOKIE, "1", max_age=COOKIE_MAX_AGE, samesite="Lax",
                                secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
        elif simple == "0" and SIMPLE_COOKIE in request.cookies:
            response.delete_cookie(SIMPLE_COOKIE, samesite="Lax")
        if response.mimetype == "text/html":
            response.vary.update(("Cookie", "Accept-Language"))
        return response

    @app.context_processor
    def language_context():
        code = current_language()
        return {
            "ui_lang": code,
            "ui_dir": direction(code),
            "ui_languages": {c: INTERFACE_LANGUAGES[c] for c in available()},
            "simple": is_simple(),
        }

    app.jinja_env.globals.update(
        format_date=format_date, format_datetime=format_datetime, format_decimal=format_decimal,
        switch_url=switch_url, simple_url=simple_url, untranslated_on_page=untranslated_on_page,
        german_attrs=german_attrs, simple_mode=is_simple,  # for macros, which see no context
    )
