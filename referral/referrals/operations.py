"""Service referrals, case owners and notifications: the rules. Views and the API call these."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from referral.audit.trail import record
from referral.auth.models import User
from referral.cases import operations as case_ops
from referral.cases import policy
from referral.cases.models import Case
from referral.cases.operations import screen
from referral.core.exceptions import Conflict, DomainError, InvalidInput, NotAllowed
from referral.core.machines import GuardRefused, flush_or_conflict, run_trigger
from referral.core.types import utcnow
from referral.extensions import db
from referral.organisations.models import Organisation, OrganisationService, Service
from referral.permissions import Permission, Role
from referral.referrals.email import queue_notification_email
from referral.referrals.models import (
    InformationRequest,
    Notification,
    NotificationRead,
    ServiceReferral,
)
from referral.referrals.process import ReferralInput
from workflows.nrm import Stage
from workflows.service_referral import (
    ACTIONS,
    MACHINE,
    PROVIDER,
    PROVIDER_SEES_CASE,
    ReferralStatus,
)

# Urgent needs may be met before the reasonable-grounds decision.
URGENT_SERVICES = frozenset({Service.SHELTER, Service.MEDICAL})


PAST_TENSE = {
    "accept": "accepted",
    "decline": "declined",
    "complete": "completed",
    "cancel": "cancelled",
}


class ReferralNotFound(DomainError):
    status = 404
    code = "not_found"


class CapacityExhausted(DomainError):
    status = 409
    code = "capacity_exhausted"


# --- who ------------------------------------------------------------------------------------


def is_provider_user(user: User, referral: ServiceReferral) -> bool:
    return user.organisation_id == referral.organisation_id and user.role not in (
        Role.AUDITOR,
        Role.ADMIN,
    )


def can_see_referral(user: User, referral: ServiceReferral) -> bool:
    """Coordinators and auditors see every referral; a provider only its own, and only while
    that referral lets it see the case. Other providers' referrals stay closed to it."""
    if sees_all_referrals(user):
        return True
    return (
        user.organisation_id == referral.organisation_id
        and referral.status in PROVIDER_SEES_CASE
        and policy.can_view(user, referral.case)
    )


def sees_all_referrals(user: User) -> bool:
    """Coordinators and auditors see every referral."""
    return policy.is_coordinator(user) or user.can(Permission.AUDIT_VIEW)


def visible_referrals(
    user: User, case: Case | None = None, status: ReferralStatus | None = None
) -> Select:
    """Referrals the user may list: all, or those sent to their organisation while it may
    see the case (not once declined or cancelled)."""
    query = select(ServiceReferral)
    if not sees_all_referrals(user):
        query = query.where(
            ServiceReferral.organisation_id == user.organisation_id,
            ServiceReferral.status.in_(PROVIDER_SEES_CASE),
        )
    if case is not None:
        query = query.where(ServiceReferral.case_id == case.id)
    if status is not None:
        query = query.where(ServiceReferral.status == status)
    return query


# --- capacity -------------------------------------------------------------------------------


def places_taken(organisation_id: int, service: str) -> int:
    return (
        db.session.scalar(
            select(func.count(ServiceReferral.id)).where(
                ServiceReferral.organisation_id == organisation_id,
                ServiceReferral.service == service,
                ServiceReferral.status == ReferralStatus.ACCEPTED,
            )
        )
        or 0
    )


@dataclass(frozen=True)
class ProviderChoice:
    organisation: Organisation
    capacity: int | None
    taken: int

    @property
    def free(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.taken, 0)


def providers_for(case: Case, service: str) -> list[ProviderChoice]:
    """Active organisations that offer the service and that the person's consent allows."""
    rows = db.session.execute(
        select(Organisation, OrganisationService.capacity)
        .join(OrganisationService)
        .where(OrganisationService.service == service, Organisation.active.is_(True))
        .order_by(Organisation.name)
    ).all()
    return [
        ProviderChoice(org, capacity, places_taken(org.id, service))
        for org, capacity in rows
        if case.share_with_law_enforcement or not org.is_law_enforcement
    ]


def set_capacity(organisation: Organisation, service: str, capacity: int | None) -> None:
    offered = next((o for o in organisation.offered if o.service == service), None)
    if offered is None:
        raise InvalidInput("service", _("The organisation does not offer this service."))
    if capacity is not None and capacity < 0:
        raise InvalidInput("capacity", _("Capacity cannot be negative."))
    old = offered.capacity
    offered.capacity = capacity
    db.session.flush()
    record(
        "organisation.capacity_set",
        details={"organisation": organisation.id, "service": service, "old": old, "new": capacity},
    )


# --- creating and answering -------------------------------------------------------------------


def create_referral(
    user: User,
    case: Case,
    organisation_id: int | None,
    service: str,
    note: str | None = None,
    respond_by: datetime | None = None,
) -> ServiceReferral:
    if not policy.is_coordinator(user):
        raise NotAllowed(_("Only coordinators refer a person to services."))
    if service not in set(Service):
        raise InvalidInput("service", _("Unknown service."), "unknown_service")
    allowed = case.stage in (Stage.RECOVERY, Stage.REHABILITATION) or (
        case.stage == Stage.REFERRED and service in URGENT_SERVICES
    )
    if not allowed:
        raise GuardRefused(
            _(
                "Services are arranged during recovery and rehabilitation; before the "
                "reasonable-grounds decision only urgent shelter or medical care."
            ),
            "stage_not_allowed",
        )
    if not case.is_child and case.consent_status != "given":
        raise GuardRefused(
            _("An adult is referred to services only with their consent recorded as given."),
            "consent_required",
        )
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    if organisation is None or not organisation.active:
        raise InvalidInput("organisation_id", _("Unknown organisation."), "unknown_organisation")
    if service not in organisation.services:
        raise InvalidInput(
            "organisation_id",
            _("This organisation does not offer that service."),
            "service_not_offered",
        )
    if organisation.is_law_enforcement and not case.share_with_law_enforcement:
        raise InvalidInput(
            "organisation_id",
            _("The person has not agreed to share the case with law enforcement."),
            "consent_scope",
        )
    now = utcnow()
    if respond_by is None:
        respond_by = now + timedelta(hours=int(current_app.config["REFERRAL_RESPONSE_HOURS"]))
    elif respond_by <= now:
        raise InvalidInput("respond_by", _("The answer cannot be due in the past."))
    referral = ServiceReferral(
        case=case,
        service=service,
        organisation=organisation,
        status=ReferralStatus.PENDING,
        note=screen("note", note),
        respond_by=respond_by,
        created_by_id=user.id,
        created_at=now,
    )
    db.session.add(referral)
    db.session.flush()
    record(
        "referral.created",
        case_reference=case.reference,
        details={"referral": referral.id, "service": service, "organisation": organisation.id},
        actor=user,
    )
    notify(organisation.id, "referral.new", case.reference, referral.id, {"service": service})
    return referral


def read_referral(user: User, referral_id: int, via: str) -> ServiceReferral:
    """Open a referral to read it: part of the case's content, so the read is recorded."""
    referral = get_referral(user, referral_id)
    record(
        "referral.viewed",
        case_reference=referral.case.reference,
        details={"referral": referral.id, "via": via},
        actor=user,
    )
    return referral


def get_referral(user: User, referral_id: int) -> ServiceReferral:
    referral = db.session.get(ServiceReferral, referral_id)
    if referral is None or user.role == Role.ADMIN:
        raise ReferralNotFound(_("No such referral."))
    if not can_see_referral(user, referral):
        raise NotAllowed(_("This referral is addressed to another organisation."))
    return referral


def act(
    user: User,
    referral: ServiceReferral,
    action: str,
    reason: str | None = None,
    outcome: str | None = None,
    note: str | None = None,
    version: int | None = None,
) -> ServiceReferral:
    """Accept, decline, complete or cancel, through the referral's state machine."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise InvalidInput("action", _("Unknown action."))
    if spec["who"] == PROVIDER:
        if not is_provider_user(user, referral):
            raise NotAllowed(_("Only the provider organisation answers this referral."))
    elif not policy.is_coordinator(user):
        raise NotAllowed(_("Only coordinators cancel referrals."))
    if version is not None and version != referral.version:
        raise Conflict(_("Someone else changed this referral. Reload it and try again."))
    if action == "accept" and referral.status == ReferralStatus.PENDING:
        _check_capacity(referral)
    data = ReferralInput(
        now=utcnow(),
        actor_id=user.id,
        reason=screen("reason", reason),
        outcome=outcome,
        note=screen("note", note),
    )
    _run(referral, action, data)
    details = {
        "referral": referral.id,
        "service": referral.service,
        "status": referral.status.value,
    }
    if outcome:
        details["outcome"] = outcome
    record(
        f"referral.{PAST_TENSE[action]}",
        case_reference=referral.case.reference,
        details=details,
        actor=user,
    )
    if spec["who"] == PROVIDER:
        coordinator_org = db.session.scalar(
            select(User.organisation_id).where(User.id == referral.created_by_id)
        )
        notify(
            coordinator_org,
            f"referral.{action}",
            referral.case.reference,
            referral.id,
            {"service": referral.service},
        )
    else:
        notify(
            referral.organisation_id,
            "referral.cancel",
            referral.case.reference,
            referral.id,
            {"service": referral.service},
        )
    return referral


def _run(referral: ServiceReferral, action: str, data: ReferralInput) -> None:
    run_trigger(MACHINE, action, referral, data)


def _check_capacity(referral: ServiceReferral) -> None:
    """Take a place if the provider stated a capacity; two acceptances never share one."""
    # Locks the provider's capacity row on PostgreSQL; on SQLite the transaction already
    # holds the database's write lock.
    capacity = db.session.execute(
        select(OrganisationService.capacity)
        .where(
            OrganisationService.organisation_id == referral.organisation_id,
            OrganisationService.service == referral.service,
        )
        .with_for_update()
    ).scalar()
    if (
        capacity is not None
        and places_taken(referral.organisation_id, referral.service) >= capacity
    ):
        raise CapacityExhausted(
            _("No free places: the provider is full for this service."), "capacity_exhausted"
        )


def cancel_open_referrals(user: User, case: Case, reason: str) -> int:
    open_referrals = db.session.scalars(
        select(ServiceReferral).where(
            ServiceReferral.case_id == case.id,
            ServiceReferral.status.in_([ReferralStatus.PENDING, ReferralStatus.ACCEPTED]),
        )
    ).all()
    for referral in open_referrals:
        _cancel(user, case, referral, reason)
    return len(open_referrals)


def _cancel(user: User, case: Case, referral: ServiceReferral, reason: str) -> None:
    """Cancelled by the system for a coded reason (case closed, consent changed)."""
    _run(referral, "cancel", ReferralInput(now=utcnow(), actor_id=user.id, reason=reason))
    record(
        "referral.cancelled",
        case_reference=case.reference,
        details={"referral": referral.id, "service": referral.service, "reason_code": reason},
        actor=user,
    )
    notify(
        referral.organisation_id,
        "referral.cancel",
        case.reference,
        referral.id,
        {"service": referral.service},
    )


def _after_consent(user: User, case: Case) -> None:
    """Without the person's agreement, law enforcement's open referrals end at once."""
    if case.share_with_law_enforcement:
        return
    for referral in db.session.scalars(
        select(ServiceReferral).where(
            ServiceReferral.case_id == case.id,
            ServiceReferral.status.in_([ReferralStatus.PENDING, ReferralStatus.ACCEPTED]),
        )
    ).all():
        if referral.organisation.is_law_enforcement:
            _cancel(user, case, referral, "consent_scope")


case_ops.after_consent_hooks.append(_after_consent)


def _after_case_transition(user: User, case: Case, trigger: str, details: dict) -> None:
    if case.stage == Stage.CLOSED:
        cancel_open_referrals(user, case, details.get("closure_reason") or "case_closed")
    if trigger in ("reasonable_grounds", "conclusive_grounds"):
        notify(
            case.identifying_organisation_id,
            f"case.{trigger}",
            case.reference,
            None,
            {"outcome": details.get("outcome")},
        )


case_ops.after_transition_hooks.append(_after_case_transition)


# --- case owner -----------------------------------------------------------------------------


def assign_owner(user: User, case: Case, owner_id: int | None) -> Case:
    if not policy.is_coordinator(user):
        raise NotAllowed(_("Only coordinators assign cases."))
    owner = db.session.get(User, owner_id) if owner_id else None
    if owner is None or owner.role != Role.COORDINATOR or not owner.is_active:
        raise InvalidInput("user_id", _("Choose an active coordinator."), "not_a_coordinator")
    old = case.owner_id
    case.owner = owner
    case.updated_at = utcnow()
    flush_or_conflict()
    record(
        "case.owner_assigned",
        case_reference=case.reference,
        details={"old": old, "new": owner.id},
        actor=user,
    )
    return case


def coordinators() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.COORDINATOR, User.active.is_(True))
            .order_by(User.email)
        )
    )


# --- requests for information ----------------------------------------------------------------


def ask_for_information(user: User, case: Case, question: str | None) -> InformationRequest:
    if not policy.is_coordinator(user):
        raise NotAllowed(_("Only coordinators ask for information."))
    text = screen("question", question)
    if not text:
        raise InvalidInput("question", _("Write the question."), "question_required")
    request = InformationRequest(case=case, question=text, asked_by_id=user.id, asked_at=utcnow())
    db.session.add(request)
    db.session.flush()
    record(
        "information.requested",
        case_reference=case.reference,
        details={"request": request.id},
        actor=user,
    )
    notify(case.identifying_organisation_id, "information.requested", case.reference, None)
    return request


def answer_information_request(
    user: User, case: Case, request_id: int, answer: str | None
) -> InformationRequest:
    request = db.session.get(InformationRequest, request_id)
    if request is None or request.case_id != case.id:
        raise ReferralNotFound(_("No such request."))
    if not (policy.is_frontline(user) and policy.of_identifying_organisation(user, case)):
        raise NotAllowed(_("The identifying organisation answers this request."))
    if request.answered_at is not None:
        raise Conflict(_("This request has already been answered."), "already_answered")
    text = screen("answer", answer)
    if not text:
        raise InvalidInput("answer", _("Write the answer."), "answer_required")
    request.answer, request.answered_by_id, request.answered_at = text, user.id, utcnow()
    db.session.flush()
    record(
        "information.answered",
        case_reference=case.reference,
        details={"request": request.id},
        actor=user,
    )
    asker_org = db.session.scalar(
        select(User.organisation_id).where(User.id == request.asked_by_id)
    )
    notify(asker_org, "information.answered", case.reference, None)
    return request


def information_requests(case: Case) -> list[InformationRequest]:
    return list(
        db.session.scalars(
            select(InformationRequest)
            .where(InformationRequest.case_id == case.id)
            .order_by(InformationRequest.id)
        )
    )


# --- notifications --------------------------------------------------------------------------


def notify(
    organisation_id: int | None,
    kind: str,
    case_reference: str | None,
    referral_id: int | None,
    details: dict | None = None,
) -> None:
    if organisation_id is None:
        return
    db.session.add(
        Notification(
            organisation_id=organisation_id,
            kind=kind,
            case_reference=case_reference,
            referral_id=referral_id,
            details=details or {},
            created_at=utcnow(),
        )
    )
    queue_notification_email(organisation_id, kind, case_reference)


def unread_notifications(user: User, limit: int = 50) -> list[Notification]:
    if not user.can(Permission.CASE_VIEW):
        return []  # notices name cases: not for administrators
    read = select(NotificationRead.notification_id).where(NotificationRead.user_id == user.id)
    return list(
        db.session.scalars(
            select(Notification)
            .where(
                Notification.organisation_id == user.organisation_id, Notification.id.not_in(read)
            )
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(user: User, notification_id: int) -> None:
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.organisation_id != user.organisation_id:
        raise ReferralNotFound(_("No such notification."))
    if db.session.get(NotificationRead, (notification_id, user.id)) is None:
        db.session.add(
            NotificationRead(notification_id=notification_id, user_id=user.id, read_at=utcnow())
        )
        db.session.flush()
        record(
            "notification.read",
            case_reference=notification.case_reference,
            details={"notification": notification.id, "kind": notification.kind},
            actor=user,
        )
