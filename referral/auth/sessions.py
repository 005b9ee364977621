"""Server-side sessions and API tokens behind Flask-Login.

The browser cookie carries a random session token; the server keeps its digest and
ends the session at logout, on idle or absolute timeout, when the account is disabled
and when its password changes. A copied cookie is worthless once its session ended.
"""

import secrets
from datetime import timedelta

from flask import Flask, current_app, g, request
from sqlalchemy import select, update

from referral.audit.trail import record
from referral.auth.models import ApiToken, User, UserSession, digest
from referral.core.types import utcnow
from referral.extensions import db, login_manager

# Writing "last seen" on every request would cost a write per page; a minute is precise enough.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


class EndReason:
    LOGOUT = "logout"
    IDLE = "idle"
    ABSOLUTE = "absolute"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - a reason code, not a password
    DISABLED = "disabled"


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_session_user)
    login_manager.request_loader(load_token_user)


def start_session(user: User) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(token_hash=digest(token), user=user))
    user.session_token = token
    return token


def load_session_user(token: str) -> User | None:
    if is_token_request():
        return None  # a request that names a token is judged by the token alone
    now = utcnow()
    server_session = db.session.scalar(
        select(UserSession).where(UserSession.token_hash == digest(token))
    )
    if server_session is None or server_session.ended_at is not None:
        return None
    config = current_app.config
    reason = None
    if now - server_session.created_at > timedelta(hours=config["SESSION_ABSOLUTE_HOURS"]):
        reason = EndReason.ABSOLUTE
    elif now - server_session.last_seen_at > timedelta(minutes=config["SESSION_IDLE_MINUTES"]):
        reason = EndReason.IDLE
    elif not server_session.user.is_active:
        reason = EndReason.DISABLED
    if reason:
        server_session.ended_at, server_session.end_reason = now, reason
        g.session_ended = reason
        record("auth.session_ended", actor=server_session.user, details={"reason": reason})
        return None
    if now - server_session.last_seen_at > LAST_SEEN_RESOLUTION:
        server_session.last_seen_at = now
    user = server_session.user
    user.session_token = token
    g.user_session = server_session
    return user


def end_current_session(reason: str = EndReason.LOGOUT) -> None:
    server_session = g.get("user_session")
    if server_session is not None:
        server_session.ended_at, server_session.end_reason = utcnow(), reason
        record("auth.logout", actor=server_session.user)


def end_all_sessions(user: User, reason: str, keep_current: bool = False) -> None:
    statement = (
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )
    current = g.get("user_session")
    if keep_current and current is not None:
        statement = statement.where(UserSession.id != current.id)
    db.session.execute(statement)


def issue_api_token(user: User) -> str:
    token = "nrm_" + secrets.token_urlsafe(32)
    api_token = ApiToken(token_hash=digest(token), user=user)
    db.session.add(api_token)
    db.session.flush()
    record("token.created", details={"user": user.id, "token": api_token.id})
    return token


def revoke_api_tokens(user: User) -> int:
    """End every API token of the account; returns how many were still active."""
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    now = utcnow()
    for token in tokens:
        token.revoked_at = now
        record("token.revoked", details={"user": user.id, "token": token.id})
    return len(tokens)


def load_token_user(req) -> User | None:
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    api_token = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == digest(token.strip()))
    )
    if api_token is None or api_token.revoked_at is not None or not api_token.user.is_active:
        return None
    api_token.last_used_at = utcnow()
    g.api_token = api_token
    return api_token.user


def is_token_request() -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer ")
