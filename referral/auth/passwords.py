"""Password hashing (argon2id) and the password rules (length and a common-password list)."""

import gzip
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _

# Royce Williams' list of 20,000 common passwords as shipped by Django (BSD licence).
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt.gz")


class PasswordRejected(ValueError):
    """A password that breaks the rules; the message is translated for the user."""


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST_KIB"],
        parallelism=config["ARGON2_PARALLELISM"],
        type=Type.ID,
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


# A hash of a random string: verifying against it makes a sign-in for an unknown account
# cost as much time as one for a known account.
def dummy_verify(password: str) -> None:
    verify_password(_dummy_hash(), password)


@cache
def _dummy_hash() -> str:
    return hash_password("no account has this password")


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())


def check_password_rules(password: str) -> None:
    """Length limits and the common-password list; deliberately no composition rules."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    maximum = current_app.config["PASSWORD_MAX_LENGTH"]
    if len(password) < minimum:
        raise PasswordRejected(_("The password must be at least %(n)d characters long.", n=minimum))
    if len(password) > maximum:
        raise PasswordRejected(_("The password must be at most %(n)d characters long.", n=maximum))
    if password.strip().lower() in common_passwords():
        raise PasswordRejected(
            _("This password is on a list of commonly used passwords. Choose another.")
        )
