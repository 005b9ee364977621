"""Throttling of failed sign-ins: a cool-down, never a permanent lock.

Failures count against two keys: the account *from one address* (so an attacker elsewhere
cannot lock the real user out) and the address across all accounts (password spraying).
When a key has too many failures inside the window, sign-in from it is refused until the
oldest failure leaves the window. Refused attempts are not counted, so the cool-down ends.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from referral.auth.models import LoginFailure, digest
from referral.core.types import utcnow
from referral.extensions import db


@dataclass(frozen=True)
class ThrottleKeys:
    account_at_address: str
    address: str

    @classmethod
    def for_attempt(cls, email: str, address: str) -> "ThrottleKeys":
        return cls(
            account_at_address=digest(f"account|{email.strip().lower()}|{address}"),
            address=digest(f"address|{address}"),
        )


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])


def retry_after(keys: ThrottleKeys, now: datetime | None = None) -> timedelta | None:
    """How long sign-in stays refused for these keys, or None when it is allowed."""
    now = now or utcnow()
    since = now - _window()
    limits = {
        keys.account_at_address: current_app.config["LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS"],
        keys.address: current_app.config["LOGIN_FAILURES_PER_ADDRESS"],
    }
    waits = []
    for key, limit in limits.items():
        count, oldest = db.session.execute(
            select(func.count(LoginFailure.id), func.min(LoginFailure.at)).where(
                LoginFailure.key == key, LoginFailure.at > since
            )
        ).one()
        if count >= limit:
            waits.append(oldest + _window() - now)
    return max(waits) if waits else None


def record_failure(keys: ThrottleKeys) -> None:
    now = utcnow()
    db.session.add_all(
        [LoginFailure(key=keys.account_at_address, at=now), LoginFailure(key=keys.address, at=now)]
    )
    # Old rows carry no information any more; keep the table small.
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < now - 2 * _window()))


def clear_account_failures(keys: ThrottleKeys) -> None:
    db.session.execute(delete(LoginFailure).where(LoginFailure.key == keys.account_at_address))
