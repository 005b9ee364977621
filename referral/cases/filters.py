"""Template filters that turn stored codes into words in the reader's language."""

from datetime import date

from flask import Flask
from flask_babel import lazy_gettext as _l

from referral.cases.vocabulary import (
    CLOSURE_REASONS,
    CONSENT_STATUSES,
    EXPLOITATION_TYPES,
    GENDERS,
    LABOUR_INDUSTRIES,
    OUTCOMES,
    SYSTEM_CLOSURE_REASONS,
    country_name,
)
from referral.core.types import utcnow
from workflows.nrm import STAGE_LABELS, Stage

STRENGTHS = {"strong": _l("Strong"), "medium": _l("Medium"), "weak": _l("Weak")}


def _lookup(table):
    def label(code):
        if code is None:
            return ""
        return str(table.get(code, code))

    return label


def stage_label(stage) -> str:
    return str(STAGE_LABELS[stage if isinstance(stage, Stage) else Stage(stage)])


def referral_filters() -> dict:
    from referral.referrals.inbox import NOTIFICATION_LABELS
    from workflows.service_referral import STATUS_LABELS, ReferralStatus

    return {
        "referral_status_label": lambda value: str(STATUS_LABELS[ReferralStatus(value)]),
        "notification_label": _lookup(NOTIFICATION_LABELS),
    }


def today() -> date:
    return utcnow().date()


def register_case_filters(app: Flask) -> None:
    filters = {
        "stage_label": stage_label,
        "gender_label": _lookup(GENDERS),
        "exploitation_label": _lookup(EXPLOITATION_TYPES),
        "industry_label": _lookup(LABOUR_INDUSTRIES),
        "consent_label": _lookup(CONSENT_STATUSES),
        "outcome_label": _lookup(OUTCOMES),
        "closure_label": _lookup({**CLOSURE_REASONS, **SYSTEM_CLOSURE_REASONS}),
        "strength_label": _lookup(STRENGTHS),
        "country_name": country_name,
    }
    filters.update(referral_filters())
    for name, function in filters.items():
        app.add_template_filter(function, name)
    app.add_template_global(today)
