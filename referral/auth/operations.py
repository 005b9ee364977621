"""Sign-in, sign-out and password changes: the rules, independent of any page."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from referral.audit.keys import audit_key
from referral.audit.trail import entry_hash, record
from referral.auth import throttling
from referral.auth.models import User
from referral.auth.passwords import (
    check_password_rules,
    dummy_verify,
    hash_password,
    needs_rehash,
    verify_password,
)
from referral.auth.sessions import EndReason, end_all_sessions, start_session
from referral.core.types import utcnow
from referral.extensions import db


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


@dataclass(frozen=True)
class SignInResult:
    user: User | None = None
    throttled_for: timedelta | None = None

    @property
    def ok(self) -> bool:
        return self.user is not None


def sign_in(email: str, password: str, address: str) -> SignInResult:
    """Check the credentials under throttling; on success open a server-side session."""
    keys = throttling.ThrottleKeys.for_attempt(email, address)
    wait = throttling.retry_after(keys)
    if wait is not None:
        record("auth.throttled", details={"email_hash": hashed_email(email)})
        return SignInResult(throttled_for=wait)
    user = find_user_by_email(email)
    if user is None:
        dummy_verify(password)
        throttling.record_failure(keys)
        record("auth.login_failed", details={"email_hash": hashed_email(email)})
        return SignInResult()
    if not verify_password(user.password_hash, password) or not user.is_active:
        throttling.record_failure(keys)
        reason = "wrong_password" if user.is_active else "account_disabled"
        record(
            "auth.login_failed",
            details={"email_hash": hashed_email(email), "user": user.id, "reason": reason},
        )
        return SignInResult()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    throttling.clear_account_failures(keys)
    user.last_login_at = utcnow()
    start_session(user)
    record("auth.login", actor=user)
    return SignInResult(user=user)


def hashed_email(email: str) -> str:
    """The address as typed, keyed-hashed: comparable across entries, unreadable alone."""
    return entry_hash(audit_key(), email)


def set_password(user: User, new_password: str, *, keep_current_session: bool = False) -> None:
    """Apply the password rules, store the new hash and end the user's other sessions."""
    check_password_rules(new_password)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    db.session.flush()
    end_all_sessions(user, EndReason.PASSWORD_CHANGED, keep_current=keep_current_session)
    record("auth.password_changed", details={"user": user.id})


def change_own_password(user: User, current_password: str, new_password: str) -> bool:
    if not verify_password(user.password_hash, current_password):
        return False
    set_password(user, new_password, keep_current_session=True)
    return True
