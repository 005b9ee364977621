"""Managing partner organisations and accounts. Admins never touch case content."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from referral.audit.trail import record
from referral.auth.models import User
from referral.auth.operations import normalise_email, set_password
from referral.auth.passwords import PasswordRejected, check_password_rules, hash_password
from referral.auth.sessions import EndReason, end_all_sessions
from referral.core.exceptions import InvalidInput
from referral.extensions import db
from referral.organisations.models import Organisation, OrganisationType, Service
from referral.permissions import Role


@dataclass
class OrganisationData:
    name: str
    type: str
    region: str | None = None
    is_public_authority: bool = False
    services: tuple[str, ...] = ()
    active: bool = True


def _check_organisation(data: OrganisationData, existing: Organisation | None) -> None:
    if not data.name.strip():
        raise InvalidInput("name", _("A name is required."))
    if data.type not in set(OrganisationType):
        raise InvalidInput("type", _("Unknown organisation type: %(value)s", value=data.type))
    unknown = sorted(set(data.services) - set(Service))
    if unknown:
        raise InvalidInput("services", _("Unknown service: %(value)s", value=", ".join(unknown)))
    clash = db.session.scalar(
        select(Organisation).where(func.lower(Organisation.name) == data.name.strip().lower())
    )
    if clash is not None and clash is not existing:
        raise InvalidInput("name", _("An organisation with this name already exists."))


def save_organisation(data: OrganisationData, existing: Organisation | None = None) -> Organisation:
    _check_organisation(data, existing)
    organisation = existing or Organisation()
    before = organisation.values() if existing else {}
    organisation.name = data.name.strip()
    organisation.type = data.type
    organisation.region = (data.region or "").strip() or None
    organisation.is_public_authority = data.is_public_authority
    organisation.active = data.active
    organisation.set_services(list(data.services))
    if existing is None:
        db.session.add(organisation)
    db.session.flush()
    after = organisation.values()
    changed = {k: {"old": before.get(k), "new": v} for k, v in after.items() if before.get(k) != v}
    if changed:
        action = "organisation.updated" if existing else "organisation.created"
        record(action, details={"organisation": organisation.id, "fields": changed})
    return organisation


def _user_values(user: User) -> dict:
    return {
        "role": user.role,
        "organisation": user.organisation_id,
        "locale": user.locale,
        "active": user.active,
        "email_changed": False,
    }


def find_organisation(name: str) -> Organisation | None:
    return db.session.scalar(
        select(Organisation).where(func.lower(Organisation.name) == name.strip().lower())
    )


@dataclass
class UserData:
    email: str
    role: str
    organisation_id: int
    locale: str | None = None
    active: bool = True


def _check_user(data: UserData, existing: User | None) -> Organisation:
    email = normalise_email(data.email)
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise InvalidInput("email", _("Enter a valid email address."))
    if data.role not in set(Role):
        raise InvalidInput("role", _("Unknown role: %(value)s", value=data.role))
    organisation = db.session.get(Organisation, data.organisation_id)
    if organisation is None:
        raise InvalidInput("organisation_id", _("Unknown organisation."))
    clash = db.session.scalar(select(User).where(User.email == email))
    if clash is not None and clash is not existing:
        raise InvalidInput("email", _("An account with this email already exists."))
    return organisation


def create_user(data: UserData, password: str) -> User:
    organisation = _check_user(data, None)
    _check_password(password)
    user = User(
        email=normalise_email(data.email),
        role=data.role,
        organisation=organisation,
        locale=data.locale,
        active=data.active,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    db.session.flush()
    record(
        "user.created",
        details={"user": user.id, "role": user.role, "organisation": organisation.id},
    )
    return user


def update_user(user: User, data: UserData) -> User:
    organisation = _check_user(data, user)
    was_active = user.active
    before = _user_values(user)
    email_before = user.email
    user.email = normalise_email(data.email)
    user.role = data.role
    user.organisation = organisation
    user.locale = data.locale
    user.active = data.active
    db.session.flush()
    after = {**_user_values(user), "email_changed": user.email != email_before}
    changed = {k: {"old": before[k], "new": v} for k, v in after.items() if before[k] != v}
    if changed:
        record("user.updated", details={"user": user.id, "fields": changed})
    if was_active and not user.active:
        end_all_sessions(user, EndReason.DISABLED)
    return user


def reset_password(user: User, password: str) -> None:
    _check_password(password)
    set_password(user, password)


def _check_password(password: str) -> None:
    try:
        check_password_rules(password)
    except PasswordRejected as rejected:
        raise InvalidInput("password", str(rejected)) from rejected
