"""Auditor actions: verification runs, searches and what the trail says about a case."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from referral.audit.chain import Checkpoint, VerificationResult, verify_chain
from referral.audit.models import AuditEntry, AuditVerification
from referral.audit.trail import record
from referral.auth.models import User
from referral.core.types import utcnow
from referral.extensions import db
from referral.organisations.models import Organisation


def actor_names(rows) -> tuple[dict[int, str], dict[int, str]]:
    """Emails and organisation names for the actors of these rows: two queries, not one a row."""
    user_ids = {row.actor_id for row in rows if row.actor_id}
    org_ids = {row.organisation_id for row in rows if row.organisation_id}
    users = dict(db.session.execute(select(User.id, User.email).where(User.id.in_(user_ids))).all())
    organisations = dict(
        db.session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(org_ids))
        ).all()
    )
    return users, organisations


def run_verification(checkpoints: list[Checkpoint] = (), actor=None) -> VerificationResult:
    """Verify, keep the outcome for the status page, and audit the run itself."""
    result = verify_chain(checkpoints)
    db.session.add(
        AuditVerification(
            at=utcnow(),
            ok=result.ok,
            entries=result.entries,
            first_bad_seq=result.first_bad_seq,
            problem=result.problem,
            run_by_id=getattr(actor, "id", None),
        )
    )
    details = {"ok": result.ok, "entries": result.entries}
    if not result.ok:
        details.update(first_bad_seq=result.first_bad_seq, problem=result.problem)
    record("audit.verified", details=details, actor=actor)
    db.session.commit()
    return result


def last_verification() -> AuditVerification | None:
    return db.session.scalar(select(AuditVerification).order_by(AuditVerification.id.desc()))


@dataclass
class AuditFilters:
    case: str | None = None
    user_id: int | None = None
    organisation_id: int | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def as_details(self) -> dict:
        return {
            k: (v.isoformat() if isinstance(v, datetime) else v)
            for k, v in vars(self).items()
            if v not in (None, "")
        }


def _filtered(filters: AuditFilters):
    query = select(AuditEntry)
    if filters.case:
        query = query.where(AuditEntry.case_reference == filters.case.strip().upper())
    if filters.user_id:
        query = query.where(AuditEntry.actor_id == filters.user_id)
    if filters.organisation_id:
        query = query.where(AuditEntry.organisation_id == filters.organisation_id)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.since:
        query = query.where(AuditEntry.at >= filters.since)
    if filters.until:
        query = query.where(AuditEntry.at < filters.until)
    return query


def search(filters: AuditFilters, page: int = 1, per_page: int = 50):
    query = _filtered(filters)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = db.session.scalars(
        query.order_by(AuditEntry.seq.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return items, total


def stream(filters: AuditFilters):
    """Every matching entry, oldest first, fetched in batches (for CSV export)."""
    return db.session.scalars(
        _filtered(filters).order_by(AuditEntry.seq).execution_options(yield_per=1000)
    )


def case_history(reference: str, actor_id: int | None = None) -> list[AuditEntry]:
    """Everything the trail holds about a case, in time order; optionally one user's part."""
    query = select(AuditEntry).where(AuditEntry.case_reference == reference)
    if actor_id is not None:
        query = query.where(AuditEntry.actor_id == actor_id)
    return list(db.session.scalars(query.order_by(AuditEntry.seq)))


# What counts as having seen a case.
READS_OF_CONTENT = ("case.viewed", "case.history_viewed", "referral.viewed")


def case_viewers(reference: str):
    """Distinct users who read the case, with their organisation, first and last time."""
    return db.session.execute(
        select(
            AuditEntry.actor_id,
            AuditEntry.actor_role,
            AuditEntry.organisation_id,
            func.min(AuditEntry.at).label("first"),
            func.max(AuditEntry.at).label("last"),
            func.count().label("times"),
        )
        .where(
            AuditEntry.case_reference == reference,
            AuditEntry.action.in_(READS_OF_CONTENT),
        )
        .group_by(AuditEntry.actor_id, AuditEntry.actor_role, AuditEntry.organisation_id)
        .order_by(func.min(AuditEntry.at))
    ).all()
