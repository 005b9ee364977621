""" "My work": what needs each user today, with due dates and what is overdue."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from referral.auth.models import User
from referral.cases import policy
from referral.cases.models import Case
from referral.core.types import utcnow
from referral.extensions import db
from referral.referrals.models import InformationRequest, ServiceReferral
from workflows.nrm import Stage
from workflows.service_referral import ReferralStatus

KIND_LABELS = {
    "draft": _l("Not yet referred"),
    "information_request": _l("Request for information to answer"),
    "rg_decision": _l("Reasonable-grounds decision to take"),
    "cg_decision": _l("Conclusive-grounds decision due"),
    "declined_referral": _l("Declined referral to re-route"),
    "unassigned": _l("Case without an owner"),
    "referral_to_answer": _l("Referral waiting for your answer"),
    "service_in_progress": _l("Service in progress"),
}


NOTIFICATION_LABELS = {
    "referral.new": _l("New service referral"),
    "referral.accept": _l("Referral accepted"),
    "referral.decline": _l("Referral declined"),
    "referral.complete": _l("Service completed"),
    "referral.cancel": _l("Referral cancelled"),
    "case.reasonable_grounds": _l("Reasonable-grounds decision taken"),
    "case.conclusive_grounds": _l("Conclusive-grounds decision taken"),
    "information.requested": _l("Request for information"),
    "information.answered": _l("Request for information answered"),
}


@dataclass(frozen=True)
class WorkItem:
    kind: str
    case_reference: str
    due: date | datetime | None
    overdue: bool
    url: str
    referral_id: int | None = None
    service: str | None = None

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self.kind])

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "label": self.label,
            "case": self.case_reference,
            "referral_id": self.referral_id,
            "service": self.service,
            "due": self.due.isoformat() if self.due else None,
            "overdue": self.overdue,
        }


def _case_url(reference: str) -> str:
    return url_for("cases.show", reference=reference)


def _referral_url(referral_id: int) -> str:
    return url_for("referrals.show", referral_id=referral_id)


def work_for(user: User) -> list[WorkItem]:
    now = utcnow()
    items: list[WorkItem] = []
    if policy.is_coordinator(user):
        items += _coordinator_items(now)
    elif policy.is_frontline(user):
        items += _frontline_items(user)
    if user.role not in ("auditor", "admin"):
        items += _provider_items(user, now)
    # Overdue first, then soonest due, then the rest.
    return sorted(
        items,
        key=lambda i: (not i.overdue, i.due is None, _as_datetime(i.due) if i.due else now),
    )


def _as_datetime(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    from datetime import UTC, time

    return datetime.combine(value, time.min, UTC)


def _frontline_items(user: User) -> list[WorkItem]:
    drafts = db.session.scalars(
        select(Case)
        .where(
            Case.identifying_organisation_id == user.organisation_id,
            Case.stage.in_([Stage.IDENTIFIED, Stage.NOTIFIED]),
        )
        .order_by(Case.created_at)
    )
    items = [WorkItem("draft", c.reference, None, False, _case_url(c.reference)) for c in drafts]
    questions = db.session.scalars(
        select(InformationRequest)
        .join(Case)
        .where(
            Case.identifying_organisation_id == user.organisation_id,
            InformationRequest.answered_at.is_(None),
        )
        .order_by(InformationRequest.id)
    )
    items += [
        WorkItem(
            "information_request",
            q.case.reference,
            q.asked_at,
            False,
            _case_url(q.case.reference) + "#information",
        )
        for q in questions
    ]
    return items


def _coordinator_items(now: datetime) -> list[WorkItem]:
    today = now.date()
    items = [
        WorkItem(
            "rg_decision",
            c.reference,
            c.rg_due_on,
            bool(c.rg_due_on and c.rg_due_on < today),
            _case_url(c.reference),
        )
        for c in db.session.scalars(select(Case).where(Case.stage == Stage.REFERRED))
    ]
    items += [
        WorkItem(
            "cg_decision",
            c.reference,
            c.recovery_ends_on,
            bool(c.recovery_ends_on and c.recovery_ends_on < today),
            _case_url(c.reference),
        )
        for c in db.session.scalars(
            select(Case).where(Case.stage == Stage.RECOVERY, Case.recovery_ends_on <= today)
        )
    ]
    items += [
        WorkItem(
            "declined_referral",
            r.case.reference,
            r.answered_at,
            False,
            _referral_url(r.id),
            r.id,
            r.service,
        )
        for r in db.session.scalars(
            select(ServiceReferral)
            .join(Case)
            .where(ServiceReferral.status == ReferralStatus.DECLINED)
            # Only where a new referral is still possible: an open case.
            .where(Case.stage.in_([Stage.REFERRED, Stage.RECOVERY, Stage.REHABILITATION]))
            .where(~_rerouted(ServiceReferral))
        )
    ]
    items += [
        WorkItem("unassigned", c.reference, None, False, _case_url(c.reference))
        for c in db.session.scalars(
            select(Case).where(
                Case.owner_id.is_(None),
                Case.stage.in_([Stage.REFERRED, Stage.RECOVERY, Stage.REHABILITATION]),
            )
        )
    ]
    return items


def _rerouted(declined):
    """A declined referral is handled once a later referral for the same service exists."""
    from sqlalchemy import exists
    from sqlalchemy.orm import aliased

    later = aliased(ServiceReferral)
    return exists().where(
        later.case_id == declined.case_id,
        later.service == declined.service,
        later.id > declined.id,
    )


def _provider_items(user: User, now: datetime) -> list[WorkItem]:
    completion = timedelta(days=int(current_app.config["REFERRAL_COMPLETION_DAYS"]))
    items = []
    for r in db.session.scalars(
        select(ServiceReferral).where(
            ServiceReferral.organisation_id == user.organisation_id,
            ServiceReferral.status.in_([ReferralStatus.PENDING, ReferralStatus.ACCEPTED]),
        )
    ):
        if r.status == ReferralStatus.PENDING:
            items.append(
                WorkItem(
                    "referral_to_answer",
                    r.case.reference,
                    r.respond_by,
                    r.respond_by < now,
                    _referral_url(r.id),
                    r.id,
                    r.service,
                )
            )
        else:
            due = (r.answered_at or r.created_at) + completion
            items.append(
                WorkItem(
                    "service_in_progress",
                    r.case.reference,
                    due,
                    due < now,
                    _referral_url(r.id),
                    r.id,
                    r.service,
                )
            )
    return items
