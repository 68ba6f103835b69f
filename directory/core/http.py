"""Small HTTP helpers for the open-data responses: no cookies, framing allowed.

API, feed, export and widget responses must not set cookies (no tracking, cacheable by
shared caches). Application-wide ``after_request`` hooks run *after* a blueprint's own hooks,
so removing a cookie there would be too early; instead the response is switched to a class
whose ``set_cookie``/``delete_cookie`` do nothing, which also covers the session cookie
(Flask saves the session through ``response.set_cookie`` after every hook has run).
"""
from __future__ import annotations

from flask import Response, g


class CookielessResponse(Response):
    """A response that refuses to carry cookies."""

    def set_cookie(self, *args, **kwargs) -> None:  # noqa: D401 - intentionally a no-op
        return None

    def delete_cookie(self, *args, **kwargs) -> None:
        return None


def cookieless(response: Response) -> Response:
    """Drop cookies already set on the response and ignore any set later."""
    g.cookieless = True
    response.headers.remove("Set-Cookie")
    if not isinstance(response, CookielessResponse):
        cls = type(response)
        response.__class__ = (CookielessResponse if cls is Response
                              else type("Cookieless" + cls.__name__, (CookielessResponse, cls), {}))
    return response
