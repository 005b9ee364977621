"""Error pages that say what happened and nothing about the system behind it."""

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from referral.audit.trail import record
from referral.core.access import is_api_request
from referral.core.exceptions import DomainError
from referral.extensions import db

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please try again.")),
    401: (_l("Sign-in required"), _l("Please sign in to continue.")),
    403: (_l("Not allowed"), _l("Your role does not allow this action.")),
    404: (_l("Not found"), _l("There is nothing at this address, or you may not see it.")),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    409: (_l("Conflict"), _l("Someone else changed this record. Reload and try again.")),
    413: (_l("Too large"), _l("The request is too large.")),
    429: (_l("Too many requests"), _l("Please wait a moment and try again.")),
    500: (_l("Something went wrong"), _l("The error has been logged. Nothing was changed.")),
}
CSRF_MESSAGE = _l("The form has expired or was sent from elsewhere. Reload the page and try again.")

ERROR_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "too_many_requests",
    500: "internal_error",
}


def render_error(
    code: int,
    message: str | None = None,
    error_code: str | None = None,
    fields: dict[str, str] | None = None,
):
    title, default_message = MESSAGES.get(code, MESSAGES[500])
    text = str(message or default_message)
    if is_api_request():
        body: dict = {"code": error_code or ERROR_CODES.get(code, "error"), "message": text}
        if fields:
            body["fields"] = fields
        return jsonify(error=body), code
    return render_template("errors/error.html", code=code, title=title, message=text), code


REFUSALS = (403, 404)


def record_refusal(status: int) -> None:
    """A refused access to a case route is recorded, even though nothing else is kept."""
    if status not in REFUSALS or not request.view_args or "reference" not in request.view_args:
        return
    reference = str(request.view_args["reference"]).upper()[:32]
    record(
        "access.refused",
        case_reference=reference,
        details={"route": request.endpoint, "method": request.method, "status": status},
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        db.session.rollback()
        return render_error(400, str(CSRF_MESSAGE))

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        # An operation refused: nothing it may have flushed survives, but the refusal does.
        db.session.rollback()
        record_refusal(error.status)
        return render_error(error.status, error.message, error.code, getattr(error, "fields", None))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code and (error.code >= 500 or error.code in REFUSALS):
            db.session.rollback()
        record_refusal(error.code or 500)
        return render_error(error.code or 500)

    if app.testing:
        return  # let tests see the real exception

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error")
        return render_error(InternalServerError.code)
