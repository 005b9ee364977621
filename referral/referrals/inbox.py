""" "My work": what needs each user today, with due dates and what is overdue."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, case, exists, func, select
from sqlalchemy.orm import aliased

from referral.auth.models import User
from referral.cases import policy
from referral.cases.models import Case
from referral.core.types import utcnow
from referral.extensions import db
from referral.permissions import Role
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


@dataclass(frozen=True)
class Source:
    """One kind of work: the rows that make it, which of them are overdue, and the item."""

    kind: str
    query: Select
    order: Any  # the column that orders the rows, soonest first
    overdue: ColumnElement[bool] | None
    item: Callable[[Any, datetime], WorkItem]


OPEN_STAGES = (Stage.REFERRED, Stage.RECOVERY, Stage.REHABILITATION)


def _sources(user: User, now: datetime) -> list[Source]:
    today = now.date()
    sources: list[Source] = []
    if policy.is_coordinator(user):
        sources += [
            Source(
                "rg_decision",
                select(Case).where(Case.stage == Stage.REFERRED),
                Case.rg_due_on,
                Case.rg_due_on < today,
                lambda c, _: _case_item("rg_decision", c, c.rg_due_on, today),
            ),
            Source(
                "cg_decision",
                select(Case).where(Case.stage == Stage.RECOVERY, Case.recovery_ends_on <= today),
                Case.recovery_ends_on,
                Case.recovery_ends_on < today,
                lambda c, _: _case_item("cg_decision", c, c.recovery_ends_on, today),
            ),
            Source(
                "declined_referral",
                select(ServiceReferral)
                .join(Case)
                .where(
                    ServiceReferral.status == ReferralStatus.DECLINED,
                    # Only where a new referral is still possible: an open case.
                    Case.stage.in_(OPEN_STAGES),
                    ~_rerouted(ServiceReferral),
                ),
                ServiceReferral.answered_at,
                None,
                lambda r, _: _referral_item("declined_referral", r, r.answered_at, False),
            ),
            Source(
                "unassigned",
                select(Case).where(Case.owner_id.is_(None), Case.stage.in_(OPEN_STAGES)),
                Case.created_at,
                None,
                lambda c, _: _case_item("unassigned", c, None, today),
            ),
        ]
    elif policy.is_frontline(user):
        sources += [
            Source(
                "draft",
                select(Case).where(
                    Case.identifying_organisation_id == user.organisation_id,
                    Case.stage.in_([Stage.IDENTIFIED, Stage.NOTIFIED]),
                ),
                Case.created_at,
                None,
                lambda c, _: _case_item("draft", c, None, today),
            ),
            Source(
                "information_request",
                select(InformationRequest)
                .join(Case)
                .where(
                    Case.identifying_organisation_id == user.organisation_id,
                    InformationRequest.answered_at.is_(None),
                ),
                InformationRequest.id,
                None,
                lambda q, _: WorkItem(
                    "information_request",
                    q.case.reference,
                    q.asked_at,
                    False,
                    _case_url(q.case.reference) + "#information",
                ),
            ),
        ]
    if user.role not in (Role.AUDITOR, Role.ADMIN):
        completion = timedelta(days=int(current_app.config["REFERRAL_COMPLETION_DAYS"]))
        addressed = select(ServiceReferral).where(
            ServiceReferral.organisation_id == user.organisation_id
        )
        sources += [
            Source(
                "referral_to_answer",
                addressed.where(ServiceReferral.status == ReferralStatus.PENDING),
                ServiceReferral.respond_by,
                ServiceReferral.respond_by < now,
                lambda r, now: _referral_item(
                    "referral_to_answer", r, r.respond_by, r.respond_by < now
                ),
            ),
            Source(
                "service_in_progress",
                addressed.where(ServiceReferral.status == ReferralStatus.ACCEPTED),
                ServiceReferral.answered_at,
                ServiceReferral.answered_at < now - completion,
                lambda r, now: _referral_item(
                    "service_in_progress",
                    r,
                    (r.answered_at or r.created_at) + completion,
                    (r.answered_at or r.created_at) + completion < now,
                ),
            ),
        ]
    return sources


def _case_item(kind: str, case: Case, due: date | None, today: date) -> WorkItem:
    return WorkItem(kind, case.reference, due, bool(due and due < today), _case_url(case.reference))


def _referral_item(kind: str, referral: ServiceReferral, due, overdue: bool) -> WorkItem:
    return WorkItem(
        kind,
        referral.case.reference,
        due,
        overdue,
        _referral_url(referral.id),
        referral.id,
        referral.service,
    )


def work_for(user: User, limit: int = 200) -> list[WorkItem]:
    """The user's work items, overdue first, then soonest due; at most `limit` of each kind."""
    now = utcnow()
    items = []
    for source in _sources(user, now):
        query = source.query.order_by(source.order)
        if source.overdue is not None:
            # Overdue rows first, so that a long list never hides them past the limit.
            query = source.query.order_by(case((source.overdue, 0), else_=1), source.order)
        items += [source.item(row, now) for row in db.session.scalars(query.limit(limit))]
    return sorted(
        items,
        key=lambda i: (not i.overdue, i.due is None, _as_datetime(i.due) if i.due else now),
    )


@dataclass(frozen=True)
class WorkCounts:
    total: int
    overdue: int


def work_counts(user: User) -> WorkCounts:
    """Counted in the database: cheap enough for the navigation of every page."""
    total = overdue = 0
    for source in _sources(user, utcnow()):
        total += _count(source.query)
        if source.overdue is not None:
            overdue += _count(source.query.where(source.overdue))
    return WorkCounts(total, overdue)


def _count(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _as_datetime(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time.min, UTC)


def _rerouted(declined):
    """A declined referral is handled once a later referral for the same service exists."""
    later = aliased(ServiceReferral)
    return exists().where(
        later.case_id == declined.case_id,
        later.service == declined.service,
        later.id > declined.id,
    )
