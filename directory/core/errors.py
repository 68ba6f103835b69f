"""The app's one error handler: HTML pages or JSON error objects, depending on the caller.

Bad parameters (:class:`~directory.core.params.ParamError`), HTTP errors (``abort(404)``, CSRF,
too large uploads) and unexpected exceptions all end in :func:`error_response`: a page with the
message, or ``{"error": {"code", "message", "field", "details"}}`` for the API and callers that
ask for JSON. Before every view, :func:`refuse_unstorable` turns characters that no database
column can hold – in the query string, the form or the URL path – into a 400 (404 for the path).
"""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from directory.core.params import (
    HEADER_PARAMS,
    UNSTORABLE,
    ParamError,
    unsafe_in_header,
    unstorable,
)
from directory.extensions import db


def wants_json() -> bool:
    if request.path.startswith(("/api/", "/hsds/")) or request.path.endswith((".json", ".geojson")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


MESSAGES = {
    400: lambda: _("Die Anfrage enthält ungültige Angaben."),
    401: lambda: _("Bitte melden Sie sich an."),
    403: lambda: _("Sie haben keine Berechtigung für diese Seite."),
    404: lambda: _("Diese Seite gibt es nicht (mehr)."),
    405: lambda: _("Diese Aktion ist hier nicht möglich."),
    413: lambda: _("Die gesendeten Daten sind zu groß."),
    429: lambda: _("Zu viele Anfragen. Bitte warten Sie einen Moment."),
    500: lambda: _("Ein interner Fehler ist aufgetreten. Bitte versuchen Sie es später noch einmal."),
}


def error_response(code: int, message: str | None = None, field: str | None = None,
                   details: dict[str, str] | None = None):
    message = message or MESSAGES.get(code, MESSAGES[400])()
    if wants_json():
        body = {"code": code, "message": message, "field": field}
        if details:
            body["details"] = [{"field": k, "message": v} for k, v in details.items()]
        return jsonify({"error": body}), code
    return render_template("errors/error.html", code=code, message=message), code


def refuse_unstorable():
    """Refuse requests whose parameters, form fields or path hold unstorable characters."""
    if any(unstorable(v) for v in (request.view_args or {}).values() if isinstance(v, str)):
        return error_response(404)
    for data in (request.args, request.form):
        for key, value in data.items(multi=True):
            if unstorable(key) or unstorable(value) or (key in HEADER_PARAMS and unsafe_in_header(value)):
                name = key[:40] if not unstorable(key) else None
                return error_response(400, str(UNSTORABLE), name, {name or "": str(UNSTORABLE)})
    return None


def register(app: Flask) -> None:
    app.before_request(refuse_unstorable)

    @app.errorhandler(ParamError)
    def param_error(exc: ParamError):
        return error_response(400, exc.message, exc.field, exc.errors)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return error_response(400, _("Das Formular ist abgelaufen oder unvollständig (Sicherheitstoken fehlt). Bitte laden Sie die Seite neu und senden Sie es noch einmal."))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        return error_response(code, MESSAGES[code]() if code in MESSAGES else exc.description)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error")
        return error_response(500)
