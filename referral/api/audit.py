"""JSON API v1 for the audit trail: a case's history, the auditor's search and verification.

Reads of the trail are themselves recorded, as for the pages (with "via": "api").
"""

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from referral.api import serializers
from referral.api.routes import bp
from referral.api.schemas import AuditQuery, moment, parse_query
from referral.audit import operations as audit_ops
from referral.audit.trail import record
from referral.auth.models import User
from referral.cases import policy
from referral.cases.operations import get_visible_case
from referral.core.access import requires
from referral.core.exceptions import InvalidInput, NotAllowed
from referral.extensions import db
from referral.permissions import Permission


@bp.get("/cases/<reference>/history")
@requires(Permission.CASE_VIEW)
def case_history(reference: str):
    # Checked before the case is looked up: a refusal says nothing about whether it exists.
    if not (policy.is_coordinator(current_user) or current_user.can(Permission.AUDIT_VIEW)):
        raise NotAllowed(_("Only coordinators and auditors read the history of a case."))
    case = get_visible_case(current_user, reference)
    entries = audit_ops.case_history(case.reference)
    record("case.history_viewed", case_reference=case.reference, details={"via": "api"})
    return jsonify(items=serializers.audit_entries(entries))


def _user_id(value: str | None) -> int | None:
    """A user id, or the id of the account with this email (an unknown email matches none)."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit() and int(text) > 0:
        return int(text)
    if "@" not in text:
        raise InvalidInput("user", _("Give a user id or an email address."))
    found = db.session.scalar(select(User.id).where(User.email == text.lower()))
    return found if found is not None else -1


def _audit_filters(query: AuditQuery) -> audit_ops.AuditFilters:
    since = moment("from", query.since)
    until = moment("to", query.until, end=True)
    if since and until and since >= until:
        raise InvalidInput("to", _("The end of the period is before its start."))
    return audit_ops.AuditFilters(
        case=query.case,
        user_id=_user_id(query.user),
        organisation_id=query.organisation,
        action=query.action,
        since=since,
        until=until,
    )


@bp.get("/audit")
@requires(Permission.AUDIT_VIEW)
def audit_search():
    query = parse_query(AuditQuery)
    filters = _audit_filters(query)
    entries, total = audit_ops.search(filters, query.page, query.per_page)
    record(
        "audit.searched",
        details={"via": "api", "filters": filters.as_details(), "page": query.page},
    )
    return jsonify(
        items=serializers.audit_entries(entries, with_case=True),
        total=total,
        page=query.page,
        per_page=query.per_page,
    )


@bp.get("/audit/verify")
@requires(Permission.AUDIT_VIEW)
def audit_verify():
    # Records the run and commits it, as the chain page does.
    result = audit_ops.run_verification(actor=current_user)
    return jsonify(result.as_json())
