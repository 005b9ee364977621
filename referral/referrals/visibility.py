"""Providers see the cases sent to them: from a pending referral until it is declined or
cancelled, and, after completion, to keep read access to what they delivered."""

from sqlalchemy import ColumnElement, exists, select

from referral.auth.models import User
from referral.cases import policy
from referral.cases.models import Case
from referral.referrals.models import ServiceReferral
from workflows.service_referral import PROVIDER_SEES_CASE


def _referred_to(user: User):
    return select(ServiceReferral.case_id).where(
        ServiceReferral.organisation_id == user.organisation_id,
        ServiceReferral.status.in_(PROVIDER_SEES_CASE),
    )


def provider_clause(user: User) -> ColumnElement[bool]:
    return Case.id.in_(_referred_to(user))


def provider_check(user: User, case: Case) -> bool:
    from referral.extensions import db

    return bool(
        db.session.scalar(
            select(exists(_referred_to(user).where(ServiceReferral.case_id == case.id)))
        )
    )


policy.register_visibility(provider_clause, provider_check)
