"""Deny by default: every route declares who may reach it, checked before the view runs."""

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, flash, g, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from referral.auth.sessions import is_token_request
from referral.extensions import csrf
from referral.permissions import Permission, role_has

View = TypeVar("View", bound=Callable[..., Any])

PUBLIC = "public"


def public(view: View) -> View:
    """Reachable without signing in (sign-in page, static files, language choice)."""
    view.access = PUBLIC  # type: ignore[attr-defined]
    return view


def requires(permission: Permission) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        view.access = permission  # type: ignore[attr-defined]
        return view

    return decorate


def access_of(endpoint: str | None) -> str | Permission | None:
    if endpoint is None:
        return None
    if endpoint == "static":
        return PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access", None)


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def enforce_access() -> Any:
    if request.endpoint is None:
        return None  # routing failed; the 404/405 handler answers
    access = access_of(request.endpoint)
    if access == PUBLIC:
        _check_csrf()
        return None
    if access is None:
        current_app.logger.error("route %s declares no permission; refused", request.endpoint)
        abort(403)
    if not current_user.is_authenticated:
        if is_api_request():
            response = jsonify(
                error={"code": "unauthenticated", "message": _("Authentication required.")}
            )
            response.status_code = 401
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        if g.get("session_ended") in ("idle", "absolute"):
            flash(_("Your session has expired. Please sign in again."), "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    _check_csrf()
    if not role_has(current_user.role, access):
        abort(403)
    return None


def _check_csrf() -> None:
    # A bearer token cannot be sent by a forged cross-site form; a cookie can.
    if not is_token_request():
        csrf.protect()


def init_access(app: Flask) -> None:
    app.before_request(enforce_access)
