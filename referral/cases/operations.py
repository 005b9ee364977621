"""What can be done to a case. Each function checks the rules, changes the objects and
flushes; the request's unit of work commits. Nothing here commits or renders."""

import re
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from referral.audit.trail import record
from referral.auth.models import User
from referral.cases import policy
from referral.cases.models import Case, CaseExploitationType, IndicatorObservation, StageChange
from referral.cases.process import TransitionInput
from referral.cases.references import new_reference
from referral.cases.screening import KIND_LABELS, identifiers_in
from referral.cases.vocabulary import (
    AGE_BANDS,
    CONSENT_STATUSES,
    EXPLOITATION_TYPES,
    GENDERS,
    LABOUR_INDUSTRIES,
    country_codes,
)
from referral.core.exceptions import Conflict, DomainError, InvalidInput, NotAllowed
from referral.core.machines import (
    GuardRefused as GuardRefused,  # re-exported: callers catch them from here
)
from referral.core.machines import (
    TransitionNotAllowed as TransitionNotAllowed,
)
from referral.core.machines import flush_or_conflict, run_trigger
from referral.core.types import utcnow
from referral.extensions import db
from referral.indicators.catalogue import ADULT_FORM, CHILD_FORM, catalogue
from workflows.nrm import MACHINE, TRIGGERS, Stage

MAX_NOTE_LENGTH = 2000

# Other features react to a transition inside the same unit of work (e.g. service
# referrals are cancelled when a case closes): hook(user, case, trigger, details).
after_transition_hooks: list = []
# ... and to a change of consent: hook(user, case).
after_consent_hooks: list = []
YEAR_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class CaseNotFound(DomainError):
    status = 404
    code = "not_found"


def screen(field_name: str, text: str | None) -> str | None:
    """Refuse text that carries identifiers; return the stripped text (or None)."""
    text = (text or "").strip()
    if not text:
        return None
    if len(text) > MAX_NOTE_LENGTH:
        raise InvalidInput(
            field_name, _("Keep it under %(n)d characters.", n=MAX_NOTE_LENGTH), "too_long"
        )
    kinds = identifiers_in(text)
    if kinds:
        found = ", ".join(str(KIND_LABELS[kind]) for kind in kinds)
        raise InvalidInput(
            field_name,
            _(
                "This looks like it contains %(found)s. Remove personal identifiers: "
                "the record must not identify the person.",
                found=found,
            ),
            "identifying_data",
        )
    return text


# --- reading -----------------------------------------------------------------------------


def get_visible_case(user: User, reference: str) -> Case:
    """The case, or CaseNotFound when it does not exist or the user may not see it."""
    case = db.session.scalar(select(Case).where(Case.reference == reference.upper()))
    if case is None or not policy.can_view(user, case):
        raise CaseNotFound(_("No such case."))
    return case


@dataclass
class CaseFilters:
    stage: str | None = None
    exploitation_type: str | None = None
    region: str | None = None
    needs_my_action: bool = False

    def as_details(self) -> dict:
        """The filters as coded values for the audit trail (region only as present or not)."""
        details = {k: v for k, v in vars(self).items() if v not in (None, "", False)}
        if "region" in details:
            details["region"] = True
        return details


def _needs_action_clause(user: User):
    if policy.is_coordinator(user):
        return Case.stage.in_([Stage.REFERRED, Stage.RECOVERY])
    if policy.is_frontline(user):
        return (Case.identifying_organisation_id == user.organisation_id) & Case.stage.in_(
            [Stage.IDENTIFIED, Stage.NOTIFIED]
        )
    return Case.id.is_(None)


def find_cases(user: User, filters: CaseFilters, page: int = 1, per_page: int = 25):
    """The cases the user may see, filtered, newest first: (items, total)."""
    query = select(Case).where(policy.visible_cases_clause(user))
    if filters.stage:
        query = query.where(Case.stage == Stage(filters.stage))
    if filters.exploitation_type:
        query = query.where(
            Case.exploitation.any(CaseExploitationType.type == filters.exploitation_type)
        )
    if filters.region:
        query = query.where(func.lower(Case.region) == filters.region.strip().lower())
    if filters.needs_my_action:
        query = query.where(_needs_action_clause(user))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = db.session.scalars(
        query.order_by(Case.created_at.desc(), Case.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return items, total


# --- the profile ---------------------------------------------------------------------------


@dataclass
class CaseInput:
    age_band: str
    gender: str
    citizenship: str
    exploitation_types: list[str] = field(default_factory=list)
    labour_industry: str | None = None
    region: str | None = None
    identified_on: str | None = None


def _validate(data: CaseInput) -> CaseInput:
    errors: dict[str, str] = {}
    if data.age_band not in AGE_BANDS:
        errors["age_band"] = _("Choose an age band.")
    if data.gender not in GENDERS:
        errors["gender"] = _("Choose a gender.")
    citizenship = (data.citizenship or "").strip().upper()
    if citizenship not in country_codes():
        errors["citizenship"] = _("Choose a country (ISO 3166-1 alpha-2 code).")
    types = list(dict.fromkeys(data.exploitation_types or []))
    if not types:
        errors["exploitation_types"] = _("Choose at least one type of exploitation.")
    elif any(t not in EXPLOITATION_TYPES for t in types):
        errors["exploitation_types"] = _("Unknown type of exploitation.")
    industry = (data.labour_industry or "").strip().upper() or None
    if industry and industry not in LABOUR_INDUSTRIES:
        errors["labour_industry"] = _("Choose an ISIC section from A to U.")
    elif industry and "forced_labour" not in types:
        errors["labour_industry"] = _("The industry is recorded only for forced labour.")
    identified_on = (data.identified_on or "").strip() or None
    if identified_on:
        match = YEAR_MONTH.match(identified_on)
        if not match:
            errors["identified_on"] = _("Give the year and month only, as YYYY-MM.")
        elif date(int(match[1]), int(match[2]), 1) > utcnow().date():
            errors["identified_on"] = _("The month of identification cannot be in the future.")
    region = None
    try:
        region = screen("region", data.region)
    except InvalidInput as error:
        errors.update(error.fields)
    if region and len(region) > 100:
        errors["region"] = _("Keep it under %(n)d characters.", n=100)
    if errors:
        raise InvalidInput(errors)
    return CaseInput(
        data.age_band, data.gender, citizenship, types, industry, region, identified_on
    )


def _apply(case: Case, data: CaseInput) -> dict[str, tuple]:
    """Set the coded fields; return {field: (old, new)} for those that changed."""
    changes = {}
    for name in ("age_band", "gender", "citizenship", "labour_industry", "region", "identified_on"):
        old, new = getattr(case, name), getattr(data, name)
        if old != new:
            changes[name] = (old, new)
            setattr(case, name, new)
    if case.exploitation_types != sorted(data.exploitation_types):
        changes["exploitation_types"] = (case.exploitation_types, sorted(data.exploitation_types))
        case.set_exploitation_types(data.exploitation_types)
    return changes


def create_case(user: User, data: CaseInput) -> Case:
    if not policy.is_frontline(user):
        raise NotAllowed(_("Only frontline partners record new cases."))
    clean = _validate(data)
    now = utcnow()
    case = Case(
        reference=_unused_reference(now.year),
        stage=Stage.IDENTIFIED,
        identifying_organisation=user.organisation,
        created_by=user,
        created_at=now,
        share_with_law_enforcement=False,
    )
    _apply(case, clean)
    if case.is_child:
        case.consent_status, case.consent_recorded_at = "not_required", now
    db.session.add(case)
    db.session.flush()
    record("case.created", case_reference=case.reference, details=_coded_profile(case), actor=user)
    return case


# Region is free text (screened): the trail records that it changed, never its words.
FREE_TEXT_FIELDS = frozenset({"region"})


def _coded_profile(case: Case) -> dict:
    return {
        "age_band": case.age_band,
        "gender": case.gender,
        "citizenship": case.citizenship,
        "exploitation_types": case.exploitation_types,
        "labour_industry": case.labour_industry,
        "identified_on": case.identified_on,
        "consent": case.consent_status,
    }


def _coded_changes(changes: dict[str, tuple]) -> dict:
    return {
        name: {"changed": True} if name in FREE_TEXT_FIELDS else {"old": old, "new": new}
        for name, (old, new) in changes.items()
    }


def _unused_reference(year: int) -> str:
    while True:
        reference = new_reference(year)
        if db.session.scalar(select(Case.id).where(Case.reference == reference)) is None:
            return reference


def check_version(case: Case, version: int | None) -> None:
    """The client saw `version`; if the case changed since, refuse rather than overwrite."""
    if version is not None and version != case.version:
        raise Conflict(_("Someone else changed this case. Reload it and try again."))


def update_case(user: User, case: Case, data: CaseInput, version: int | None = None) -> dict:
    if not policy.can_edit(user, case):
        raise NotAllowed(_("You may not change this case."))
    check_version(case, version)
    was_child = case.is_child
    changes = _apply(case, _validate(data))
    if case.is_child != was_child and case.stage in (Stage.IDENTIFIED, Stage.NOTIFIED):
        # Consent rules differ for children and adults: what was recorded no longer applies.
        changes["consent_status"] = (case.consent_status, None)
        case.consent_status = "not_required" if case.is_child else None
        changes["consent_status"] = (changes["consent_status"][0], case.consent_status)
        case.consent_recorded_at = utcnow()
    flush_or_conflict()
    if changes:
        record(
            "case.updated",
            case_reference=case.reference,
            details=_coded_changes(changes),
            actor=user,
        )
    return changes


# --- indicators ----------------------------------------------------------------------------


def indicator_form(case: Case) -> str:
    return CHILD_FORM if case.is_child else ADULT_FORM


def log_indicator(
    user: User, case: Case, code: str, note: str | None = None
) -> IndicatorObservation:
    if not policy.can_log_indicator(user, case):
        raise NotAllowed(_("You may not log indicators on this case."))
    code = (code or "").strip().upper()
    if catalogue().strength(code, indicator_form(case)) is None:
        raise InvalidInput("code", _("Unknown indicator for this case."), "unknown_indicator")
    clean_note = screen("note", note)
    observation = IndicatorObservation(
        case=case,
        code=code,
        note=clean_note,
        recorded_by=user,
        organisation=user.organisation,
        recorded_at=utcnow(),
    )
    db.session.add(observation)
    case.updated_at = utcnow()  # bumps the version: the case changed
    flush_or_conflict()
    record(
        "indicator.logged",
        case_reference=case.reference,
        details={"observation": observation.id, "code": code, "with_note": bool(clean_note)},
        actor=user,
    )
    return observation


def retract_indicator(user: User, case: Case, observation_id: int) -> IndicatorObservation:
    observation = next((o for o in case.observations if o.id == observation_id), None)
    if observation is None:
        raise CaseNotFound(_("No such observation."))
    if observation.retracted_at is not None:
        raise Conflict(_("This observation was already retracted."), "already_retracted")
    if case.stage == Stage.CLOSED:
        raise Conflict(_("The case is closed."), "case_closed")
    if not policy.can_retract(user, case, observation):
        raise NotAllowed(_("You may not retract this observation."))
    observation.retracted_at, observation.retracted_by = utcnow(), user
    case.updated_at = utcnow()
    flush_or_conflict()
    record(
        "indicator.retracted",
        case_reference=case.reference,
        details={"observation": observation.id, "code": observation.code},
        actor=user,
    )
    return observation


# --- consent -------------------------------------------------------------------------------


def record_consent(
    user: User,
    case: Case,
    status: str,
    share_with_law_enforcement: bool,
    version: int | None = None,
) -> Case:
    if not policy.can_record_consent(user, case):
        raise NotAllowed(_("You may not record consent on this case."))
    check_version(case, version)
    if status not in CONSENT_STATUSES:
        raise InvalidInput("status", _("Choose a consent status."))
    if case.is_child and status != "not_required":
        raise InvalidInput("status", _("A child is referred without consent."), "child_consent")
    if not case.is_child and status == "not_required":
        raise InvalidInput("status", _("An adult's consent must be recorded."), "adult_consent")
    in_mechanism = case.stage not in (Stage.IDENTIFIED, Stage.NOTIFIED)
    if in_mechanism and not case.is_child and status not in ("given", "withdrawn"):
        raise InvalidInput(
            "status",
            _("Once the case is referred, consent can only be confirmed or withdrawn."),
            "consent_in_mechanism",
        )
    if status == "withdrawn" and "withdraw_consent" in policy.allowed_triggers(user, case):
        # Withdrawing consent inside the mechanism closes the case: the transition does it.
        case.share_with_law_enforcement = False
        return fire(user, case, "withdraw_consent", version=version)
    before = (case.consent_status, case.share_with_law_enforcement)
    case.consent_status = status
    case.share_with_law_enforcement = bool(share_with_law_enforcement) and status == "given"
    case.consent_recorded_at = utcnow()
    flush_or_conflict()
    record(
        "consent.recorded",
        case_reference=case.reference,
        details={
            "status": {"old": before[0], "new": case.consent_status},
            "share_with_law_enforcement": {
                "old": before[1],
                "new": case.share_with_law_enforcement,
            },
        },
        actor=user,
    )
    for hook in after_consent_hooks:
        hook(user, case)
    return case


# --- the NRM process ---------------------------------------------------------------------


def fire(
    user: User,
    case: Case,
    trigger: str,
    outcome: str | None = None,
    reason: str | None = None,
    version: int | None = None,
) -> Case:
    """Run one trigger of the NRM machine on the case, inside the current unit of work."""
    spec = TRIGGERS.get(trigger)
    if spec is None:
        raise InvalidInput("trigger", _("Unknown action."), "unknown_trigger")
    if not policy.may_fire(user, case, trigger):
        raise NotAllowed(_("Your role does not allow this action on this case."))
    check_version(case, version)
    if spec["reason"] == "text":
        reason = screen("reason", reason)
    elif spec["reason"] is None:
        reason = None  # this step takes no reason: nothing unscreened is kept
    config = current_app.config
    data = TransitionInput(
        now=utcnow(),
        rg_working_days=int(config["RG_DECISION_WORKING_DAYS"]),
        recovery_days=int(config["RECOVERY_PERIOD_DAYS"]),
        outcome=outcome if spec["outcome"] else None,
        reason=reason,
    )
    before = case.stage
    run_trigger(MACHINE, trigger, case, data)
    db.session.add(
        StageChange(
            case=case,
            trigger=trigger,
            from_stage=before,
            to_stage=case.stage,
            outcome=data.outcome,
            reason=reason,
            actor=user,
            organisation=user.organisation,
            at=data.now,
        )
    )
    flush_or_conflict()
    details = {"trigger": trigger, "from": before.value, "to": case.stage.value}
    if data.outcome:
        details["outcome"] = data.outcome
    if spec["reason"] == "code":
        details["reason_code"] = reason
    if case.closure_reason and case.stage == Stage.CLOSED:
        details["closure_reason"] = case.closure_reason
    record("case.transition", case_reference=case.reference, details=details, actor=user)
    for hook in after_transition_hooks:
        hook(user, case, trigger, details)
    return case
