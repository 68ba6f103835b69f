"""Error handlers that answer HTML pages or JSON error objects, depending on the caller."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from directory.extensions import db


def wants_json() -> bool:
    if request.path.startswith(("/api/", "/hsds/")):
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


def error_response(code: int, message: str | None = None, field: str | None = None):
    message = message or MESSAGES.get(code, MESSAGES[400])()
    if wants_json():
        return jsonify({"error": {"code": code, "message": message, "field": field}}), code
    return render_template("errors/error.html", code=code, message=message), code


def register(app: Flask) -> None:

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
