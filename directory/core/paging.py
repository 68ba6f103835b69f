"""Paging: the page number of a request, one page of a query, and the links between pages.

Page numbers are read through :class:`~directory.core.params.Params` (1 … :data:`MAX_PAGE`,
anything else is a 400 with a message), so no offset ever exceeds what a database accepts.
Lists of rows are paged by Flask-SQLAlchemy's ``paginate`` (``items``, ``total``, ``pages``,
``has_prev``/``prev_num``, ``has_next``/``next_num``); :class:`Window` is the same arithmetic for
results counted elsewhere (the search).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select

from directory.core.params import Params
from directory.extensions import db

MAX_PAGE = 10_000
MAX_PER_PAGE = 100
PAGE_MESSAGE = _l("Die Seitenzahl muss eine ganze Zahl zwischen 1 und %(max)d sein.")


def read_page(params: Params, name: str = "page") -> int:
    """The requested page number (1 when absent); an error is collected in ``params``."""
    return params.integer(name, 1, 1, MAX_PAGE, PAGE_MESSAGE)


def read_per_page(params: Params, default: int, name: str = "per_page") -> int:
    return params.integer(name, default, 1, MAX_PER_PAGE)


def paginate(stmt: Select, page: int, per_page: int):
    """One page of the rows of ``stmt`` (a Flask-SQLAlchemy Pagination; past the end: empty)."""
    return db.paginate(stmt, page=page, per_page=per_page, max_per_page=MAX_PER_PAGE, error_out=False)


@dataclass(frozen=True)
class Window:
    """Page arithmetic for ``total`` results shown ``per_page`` at a time."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


def links(url_at: Callable[[int], str], page: int, pages: int) -> dict[str, str | None]:
    """self/first/last/prev/next links of a paged answer; ``url_at(n)`` builds page n's URL."""
    return {
        "self": url_at(page), "first": url_at(1), "last": url_at(pages),
        "prev": url_at(page - 1) if 1 < page <= pages + 1 else None,
        "next": url_at(page + 1) if page < pages else None,
    }


def page_args(params: list[tuple[str, str]], page: int, name: str = "page") -> list[tuple[str, str]]:
    """Query arguments for page ``page`` (the page argument dropped for page 1)."""
    return [(k, v) for k, v in params if k != name] + ([(name, str(page))] if page > 1 else [])
