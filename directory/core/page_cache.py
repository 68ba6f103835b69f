"""A small in-process cache of public search responses (the search page, the API list, the map
points), so that a popular query – the landing page above all – is answered without searching
and rendering it again.

An entry is valid for one state of the data: its key holds the newest ``search_change`` id
(every write to searchable data adds one, see directory/models/activity.py) and the date, so an
edit made on any app server ends it everywhere. Only anonymous GET requests without flashed
messages are cached, only complete 200 answers that set no cookie, and each hit still runs the
app's after-request handlers (language cookie, headers). A page with inline scripts carries the
nonce of the request that rendered it: a hit gets this request's nonce in its place, so the body
matches the Content-Security-Policy sent with it (core/security.py). ``PAGE_CACHE=0`` turns the
cache off; the test configuration (tests/conftest.py) has it off unless a test turns it on.
"""
from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from functools import wraps

from flask import Flask, current_app, g, make_response, request, session
from flask_login import current_user
from werkzeug.wrappers import Response

from directory.core.i18n import current_language, is_simple
from directory.core.security import csp_nonce
from directory.models import change_generation

MAX_ENTRY_BYTES = 512 * 1024
MAX_TOTAL_BYTES = 48 * 1024 * 1024
CACHED_MIMETYPES = ("text/html", "application/json", "application/geo+json")
DROPPED_HEADERS = {"set-cookie", "date", "content-length"}
PER_OFFER = 5000  # result cards and API objects kept per app process (about 2 KB each)


class PageCache:
    def __init__(self, max_total: int = MAX_TOTAL_BYTES):
        self.max_total = max_total
        self.entries: OrderedDict = OrderedDict()
        self.size = 0
        self.hits = self.misses = 0
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            entry = self.entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self.entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key, entry) -> None:
        body = entry[0]
        if len(body) > MAX_ENTRY_BYTES:
            return
        with self._lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= len(old[0])
            self.entries[key] = entry
            self.size += len(body)
            while self.size > self.max_total and self.entries:
                _key, dropped = self.entries.popitem(last=False)
                self.size -= len(dropped[0])


def _key():
    if request.method != "GET" or current_user.is_authenticated or session.get("_flashes"):
        return None
    return request.full_path, current_language(), is_simple(), change_generation(), dt.date.today()


def _nonce_attribute(nonce: str) -> bytes:
    return f'nonce="{nonce}"'.encode()


def cached(view, cache: PageCache):
    @wraps(view)
    def wrapper(*args, **kwargs):
        key = _key() if current_app.config.get("PAGE_CACHE", True) else None
        if key is not None:
            entry = cache.get(key)
            if entry is not None:
                body, status, headers, nonce = entry
                if nonce:
                    body = body.replace(_nonce_attribute(nonce), _nonce_attribute(csp_nonce()))
                response = Response(body, status=status, headers=headers)
                return response.make_conditional(request)
        response = make_response(view(*args, **kwargs))
        if (key is not None and response.status_code == 200 and not response.is_streamed
                and response.mimetype in CACHED_MIMETYPES and "Set-Cookie" not in response.headers):
            headers = [(k, v) for k, v in response.headers.items() if k.lower() not in DROPPED_HEADERS]
            cache.put(key, (response.get_data(), response.status_code, headers, g.get("csp_nonce")))
        return response
    return wrapper


class Fragments:
    """Parts of pages that many requests share (the results map, a vocabulary's GeoJSON), kept
    for one state of the data: the key given is extended by the data generation. Used whether
    or not whole pages are cached; small (FRAGMENTS entries, least recently used dropped)."""

    def __init__(self, size: int = 64):
        self.size = size
        self.entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def peek(self, key):
        """The value kept for ``key`` in the current state of the data, or None."""
        key = (key, change_generation())
        with self._lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]
        return None

    def put(self, key, value) -> None:
        with self._lock:
            self.entries[(key, change_generation())] = value
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def get(self, key, make):
        """The value kept for ``key``, else ``make()``'s (kept from now on; never None)."""
        value = self.peek(key)
        if value is None:
            value = make()
            self.put(key, value)
        return value


def fragment(key, make):
    """``make()``'s value for ``key`` in the current state of the data, made once."""
    return current_app.extensions["fragments"].get(key, make)


def per_offer() -> Fragments:
    """What a result list shows of one offer – its result card, its API object – per offer,
    language and state of the data (keys say which): a search renders only those of its
    offers not kept yet, and loads only those offers."""
    return current_app.extensions["per_offer"]


def per_offer_parts(ids: list[int], key, load, make) -> list:
    """For each offer id, in order, the part kept under ``key(id)``; the offers without one are
    loaded together (``load(ids)`` -> {id: offer}) and ``make(offer)`` makes theirs."""
    kept = per_offer()
    keys = {i: key(i) for i in ids}
    found = {i: kept.peek(k) for i, k in keys.items()}
    for i, offer in load([i for i, part in found.items() if part is None]).items():
        found[i] = make(offer)
        kept.put(keys[i], found[i])
    return [found[i] for i in ids if found[i] is not None]


def init_app(app: Flask, endpoints: tuple[str, ...]) -> None:
    """Serve the given endpoints through one cache per app."""
    app.extensions["fragments"] = Fragments()
    app.extensions["per_offer"] = Fragments(size=PER_OFFER)
    cache = app.extensions["page_cache"] = PageCache()
    for endpoint in endpoints:
        app.view_functions[endpoint] = cached(app.view_functions[endpoint], cache)
