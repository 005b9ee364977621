"""Cases and reference data as JSON, shown to one user: need-to-know applies field by field."""

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime

from flask_babel import gettext as _

from referral.audit.models import AuditEntry
from referral.audit.operations import actor_names
from referral.auth.models import User
from referral.cases import policy
from referral.cases.assessment import assess
from referral.cases.models import Case, IndicatorObservation, StageChange
from referral.cases.operations import indicator_form
from referral.cases.vocabulary import country_name
from referral.core.types import utcnow
from referral.extensions import db
from referral.indicators.catalogue import Catalogue, catalogue
from referral.organisations.models import Organisation
from referral.referrals.models import Notification, ServiceReferral
from referral.referrals.operations import visible_referrals
from workflows.service_referral import ReferralStatus


def timestamp(value: datetime | None) -> str | None:
    """ISO 8601 in UTC, with a Z."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def organisation_ref(organisation: Organisation) -> dict:
    return {"id": organisation.id, "name": organisation.name}


def organisation(org: Organisation) -> dict:
    return {"id": org.id, **org.values()}


def observation(user: User, obs: IndicatorObservation, form: str) -> dict:
    cat = catalogue()
    indicator = cat.indicators.get(obs.code)
    visible = policy.can_see_note(user, obs)
    return {
        "id": obs.id,
        "code": obs.code,
        "text": indicator.label if indicator else None,
        "dimension": indicator.dimension if indicator else None,
        "strength": cat.strength(obs.code, form),
        "note": obs.note if visible else None,
        "note_restricted": obs.note is not None and not visible,
        "organisation": organisation_ref(obs.organisation),
        "recorded_at": timestamp(obs.recorded_at),
        "retracted_at": timestamp(obs.retracted_at),
    }


def stage_change(change: StageChange, with_reason: bool) -> dict:
    return {
        "trigger": change.trigger,
        "from": change.from_stage.value,
        "to": change.to_stage.value,
        "outcome": change.outcome,
        "reason": change.reason if with_reason else None,
        "at": timestamp(change.at),
        "organisation": organisation_ref(change.organisation),
    }


def case_summary(case: Case) -> dict:
    return {
        "reference": case.reference,
        "stage": case.stage.value,
        "version": case.version,
        "is_child": case.is_child,
        "age_band": case.age_band,
        "exploitation_types": case.exploitation_types,
        "region": case.region,
        "identifying_organisation": organisation_ref(case.identifying_organisation),
        "created_at": timestamp(case.created_at),
    }


def case_detail(user: User, case: Case) -> dict:
    form = indicator_form(case)
    return {
        "reference": case.reference,
        "stage": case.stage.value,
        "version": case.version,
        "is_child": case.is_child,
        "age_band": case.age_band,
        "gender": case.gender,
        "citizenship": case.citizenship,
        "citizenship_name": country_name(case.citizenship),
        "exploitation_types": case.exploitation_types,
        "labour_industry": case.labour_industry,
        "region": case.region,
        "identified_on": case.identified_on,
        "identifying_organisation": organisation_ref(case.identifying_organisation),
        "created_at": timestamp(case.created_at),
        "consent": {
            "status": case.consent_status,
            "share_with_law_enforcement": bool(case.share_with_law_enforcement),
        },
        "indicators": [observation(user, o, form) for o in case.observations],
        "ilo_assessment": {
            "form": form,
            "note": _(
                "Decision support only, not a decision: the ILO/European Commission (2009) "
                "rule applied per dimension to the indicators observed."
            ),
            "dimensions": [
                {
                    "code": d.code,
                    "label": d.label,
                    "strong": d.strong,
                    "medium": d.medium,
                    "weak": d.weak,
                    "meets_rule": d.meets_rule,
                }
                for d in assess(case, form)
            ],
        },
        "deadlines": {
            "rg_due_on": day(case.rg_due_on),
            "recovery_ends_on": day(case.recovery_ends_on),
            "referred_at": timestamp(case.referred_at),
        },
        "decisions": {
            "rg_outcome": case.rg_outcome,
            "rg_decided_at": timestamp(case.rg_decided_at),
            "cg_outcome": case.cg_outcome,
            "cg_decided_at": timestamp(case.cg_decided_at),
            "closure_reason": case.closure_reason,
            "closed_at": timestamp(case.closed_at),
        },
        "stage_history": [
            stage_change(c, policy.can_see_reasons(user, case)) for c in case.stage_changes
        ],
        "allowed_triggers": policy.allowed_triggers(user, case),
        "owner": {"id": case.owner.id, "email": case.owner.email} if case.owner else None,
        "service_referrals": [service_referral(r) for r in _case_referrals(user, case)],
    }


def _case_referrals(user: User, case: Case) -> Sequence[ServiceReferral]:
    query = visible_referrals(user, case=case)
    return db.session.scalars(query.order_by(ServiceReferral.id)).all()


def service_referral(referral: ServiceReferral, now: datetime | None = None) -> dict:
    now = now or utcnow()
    return {
        "id": referral.id,
        "case": referral.case.reference,
        "service": referral.service,
        "organisation": organisation_ref(referral.organisation),
        "status": referral.status.value,
        "version": referral.version,
        "note": referral.note,
        "respond_by": timestamp(referral.respond_by),
        "created_at": timestamp(referral.created_at),
        "answered_at": timestamp(referral.answered_at),
        "decline_reason": referral.decline_reason,
        "completed_at": timestamp(referral.completed_at),
        "outcome": referral.outcome,
        "outcome_note": referral.outcome_note,
        "cancelled_at": timestamp(referral.cancelled_at),
        "cancel_reason": referral.cancel_reason,
        "overdue": referral.status == ReferralStatus.PENDING and referral.respond_by < now,
    }


def notification(item: Notification) -> dict:
    return {
        "id": item.id,
        "kind": item.kind,
        "case": item.case_reference,
        "referral_id": item.referral_id,
        "created_at": timestamp(item.created_at),
        "details": item.details or {},
    }


def audit_entries(entries: Sequence[AuditEntry], *, with_case: bool = False) -> list[dict]:
    """Entries with who and which organisation by id and by name; details as stored (coded)."""
    emails, names = actor_names(entries)
    rows = []
    for entry in entries:
        row = {
            "seq": entry.seq,
            "at": timestamp(entry.at),
            "actor": entry.actor_id,
            "actor_email": emails.get(entry.actor_id),
            "role": entry.actor_role,
            "organisation": entry.organisation_id,
            "organisation_name": names.get(entry.organisation_id),
            "action": entry.action,
            "details": json.loads(entry.canonical).get("details", {}),
        }
        if with_case:
            row["case"] = entry.case_reference
        rows.append(row)
    return rows


def indicator_catalogue(cat: Catalogue) -> dict:
    return {
        "source": cat.source,
        "coverage": cat.coverage,
        "rule": cat.rule,
        "forms": list(cat.forms),
        "dimensions": [
            {"code": d.code, "label": d.label, "element": d.element, "phase": d.phase}
            for d in cat.dimensions
        ],
        "indicators": [
            {
                "code": i.code,
                "text": i.label,
                "dimension": i.dimension,
                "strengths": dict(i.strengths),
            }
            for i in cat.indicators.values()
        ],
    }


def workflow(description: dict) -> dict:
    return {"stages": description["stages"], "transitions": description["transitions"]}
