"""Request parameters: one reader for query strings and form data, one error type.

:class:`Params` wraps a MultiDict (``request.args``, ``request.form`` or one built in a test)
and reads values with the checks every part of the app shares: a value may appear once, is
stripped and bounded in length; several values come from a known set; whole numbers lie in a
range; ids fit the database's integer column. Each bad field gets one translated message;
:meth:`Params.check` raises :class:`ParamError` with all of them. Views either render their
own form again with ``exc.errors`` or let the app's error handler (``core.errors``) answer a
400 page or a JSON error object.

:func:`unstorable` is the check the app runs on every request before any view: characters no
database column can hold (NUL, other control characters except tab and line breaks, lone
surrogates, the XML non-characters) are refused with a 400, and so is any control character
(line breaks too) in a parameter that becomes a header, such as ``next``.
:class:`IdConverter` is the app's ``int`` URL converter: ids beyond the database's integer
range are a 404.
"""
from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping

from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

MAX_LENGTH = 200
MAX_VALUES = 50
#: the largest id an INTEGER primary key holds on PostgreSQL (and what SQLite ids stay below)
MAX_ID = 2**31 - 1

REPEATED = _l("Der Parameter „%(name)s“ darf nur einmal vorkommen.")
TOO_LONG = _l("Die Eingabe ist zu lang (höchstens %(n)d Zeichen).")
TOO_MANY = _l("Zu viele oder zu lange Werte.")
EMPTY = _l("Der Parameter „%(name)s“ ist leer.")
NOT_AN_INTEGER = _l("„%(name)s“ muss eine ganze Zahl zwischen %(low)d und %(high)d sein.")
UNSTORABLE = _l("Die Eingabe enthält unzulässige Steuerzeichen.")

_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff"
_UNSTORABLE = re.compile(f"[{_CONTROL}\ud800-\udfff]")
#: a JSON-schema pattern (ECMA 262 and Python alike) for text without those characters
STORABLE_PATTERN = f"^[^{_CONTROL}]*$"
_ANY_CONTROL = re.compile(f"[{_CONTROL}\t\n\r\ud800-\udfff]")
#: parameters that end up in a header (``Location``): no control character at all, not even
#: tab or line breaks
HEADER_PARAMS = ("next",)


class ParamError(ValueError):
    """Bad request input. ``errors`` maps each bad field to its translated message;
    ``field`` and ``message`` are the first of them (what a JSON error object names)."""

    def __init__(self, errors: Mapping[str, str] | str, message: str | None = None):
        if isinstance(errors, str):
            errors = {errors: str(message)}
        if not errors:
            raise ValueError("ParamError needs at least one field")
        self.errors = {k: str(v) for k, v in errors.items()}
        self.field, self.message = next(iter(self.errors.items()))
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


def unstorable(text: str) -> bool:
    """True if the text holds a character that no column can store (see module docstring)."""
    return bool(_UNSTORABLE.search(text))


def unsafe_in_header(text: str) -> bool:
    """True if the text holds any control character (a header value must not)."""
    return bool(_ANY_CONTROL.search(text))


def is_id(text: str) -> bool:
    """A database id written in ASCII digits (1 … MAX_ID)."""
    return text.isascii() and text.isdigit() and len(text) <= 10 and 1 <= int(text) <= MAX_ID


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: a whole number no larger than :data:`MAX_ID` unless the
    route says otherwise (``<int(max=…):…>``), so an id beyond the database's integer column
    is a 404 before any query runs (PostgreSQL would refuse it, SQLite overflow)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class Params:
    """Reads one request's parameters and collects a message per bad field.

    ``max_length`` bounds single values; ``repeated`` is the message for a value sent twice
    (forms say "field", the query string says "parameter")."""

    def __init__(self, data, *, max_length: int = MAX_LENGTH, repeated=REPEATED):
        self.data = data
        self.max_length = max_length
        self.repeated = repeated
        self.errors: dict[str, str] = {}

    # --- errors --------------------------------------------------------------------------

    def error(self, name: str, message) -> None:
        self.errors[name] = str(message)

    def failed(self, *names: str) -> bool:
        """Whether any of the fields (any field at all without names) has an error."""
        return any(n in self.errors for n in names) if names else bool(self.errors)

    def check(self) -> None:
        """Raise :class:`ParamError` with every message collected so far."""
        if self.errors:
            raise ParamError(self.errors)

    # --- reading -------------------------------------------------------------------------

    def one(self, name: str, max_length: int | None = None) -> str:
        """One stripped value ("" if absent); sent twice or too long is an error (and "")."""
        limit = self.max_length if max_length is None else max_length
        raw = self.data.getlist(name)
        if len(raw) > 1:
            self.error(name, self.repeated % {"name": name[:40]})
            return ""
        value = (raw[0] if raw else "").strip()
        if len(value) > limit:
            self.error(name, TOO_LONG % {"n": limit})
            return ""
        return value

    def many(self, name: str, allowed: Collection[str] | None = None, message=None,
             max_values: int = MAX_VALUES, max_length: int | None = None) -> list[str]:
        """All non-empty stripped values, without duplicates, in the order sent. With
        ``allowed``, a value outside it is an error (``message`` formatted with value=…)."""
        limit = self.max_length if max_length is None else max_length
        raw = [v.strip() for v in self.data.getlist(name) if v.strip()]
        if len(raw) > max_values or any(len(v) > limit for v in raw):
            self.error(name, TOO_MANY)
            return []
        if allowed is not None:
            unknown = [v for v in raw if v not in allowed]
            if unknown:
                self.error(name, message % {"value": unknown[0][:40]})
                return []
        return list(dict.fromkeys(raw))

    def choice(self, name: str, allowed: Collection[str], message) -> str | None:
        """One value out of ``allowed``, or None when absent or empty."""
        value = self.one(name)
        if not value:
            return None
        if value not in allowed:
            self.error(name, message % {"value": value[:40]})
            return None
        return value

    def integer(self, name: str, default: int, low: int, high: int, message=None) -> int:
        """A whole number in [low, high] written in ASCII digits; ``default`` when absent or
        empty.
        ``message`` (formatted with name, low, high, max) replaces the generic one."""
        raw = self.data.getlist(name)
        if not raw or (len(raw) == 1 and not raw[0].strip()):
            return default
        if len(raw) > 1:
            self.error(name, self.repeated % {"name": name[:40]})
            return default
        value = raw[0].strip()
        if not (value.isascii() and value.isdigit()) or len(value) > 18 or not (low <= int(value) <= high):
            text = message if message is not None else NOT_AN_INTEGER
            self.error(name, text % {"name": name[:40], "low": low, "high": high, "max": high})
            return default
        return int(value)

    def ids(self, name: str, message, max_values: int = MAX_VALUES) -> list[int]:
        """Database ids (see :func:`is_id`), without duplicates; anything else is an error."""
        raw = [v.strip() for v in self.data.getlist(name) if v.strip()]
        if len(raw) > max_values:
            self.error(name, TOO_MANY)
            return []
        if not all(is_id(v) for v in raw):
            self.error(name, message)
            return []
        return list(dict.fromkeys(int(v) for v in raw))

    def flag(self, name: str, message) -> bool:
        """A ticked checkbox: "1" or "on"; empty or absent is False."""
        value = self.one(name)
        if value not in ("", "1", "on"):
            self.error(name, message % {"value": value[:40]})
        return value in ("1", "on")

    def bounded(self, free_text: Iterable[str] = ()) -> None:
        """Checks on the raw values of a machine-facing query: none longer than
        ``max_length`` and – except the ``free_text`` fields – none empty (a form may send
        ``q=``, but an API caller who sends ``district=`` has made a mistake worth reporting)."""
        free = set(free_text)
        for key, value in self.data.items(multi=True):
            if len(value) > self.max_length:
                self.error(key[:40], TOO_LONG % {"n": self.max_length})
            elif key not in free and not value.strip():
                self.error(key[:40], EMPTY % {"name": key[:40]})
