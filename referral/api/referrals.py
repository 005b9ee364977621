"""JSON API v1 for service referrals, case owners, the inbox and notifications.

The operations in referral.referrals.operations decide who may do what (provider or
coordinator, consent scope, capacity, the referral's state machine); the views parse,
call and serialize.
"""

from flask import jsonify, url_for
from flask_login import current_user
from sqlalchemy import func, select

from referral.api import serializers
from referral.api.routes import bp, case_json
from referral.api.schemas import (
    OwnerUpdate,
    ReferralAccept,
    ReferralCancel,
    ReferralComplete,
    ReferralCreate,
    ReferralDecline,
    ReferralListQuery,
    parse_body,
    parse_query,
)
from referral.audit.trail import record
from referral.cases.operations import get_visible_case
from referral.core.access import requires
from referral.extensions import db
from referral.permissions import Permission
from referral.referrals import operations as ops
from referral.referrals.inbox import work_for
from referral.referrals.models import ServiceReferral


def _referral_json(referral: ServiceReferral, status: int = 200):
    return jsonify(serializers.service_referral(referral)), status


@bp.post("/cases/<reference>/service-referrals")
@requires(Permission.CASE_DECIDE)
def create_referral(reference: str):
    case = get_visible_case(current_user, reference)
    body = parse_body(ReferralCreate)
    referral = ops.create_referral(
        current_user, case, body.organisation_id, body.service, body.note, body.respond_by
    )
    response, status = _referral_json(referral, 201)
    response.headers["Location"] = url_for("api.get_referral", referral_id=referral.id)
    return response, status


@bp.get("/service-referrals")
@requires(Permission.CASE_VIEW)
def list_referrals():
    query = parse_query(ReferralListQuery)
    selection = ops.visible_referrals(current_user, status=query.status)
    status = query.status.value if query.status else None
    record("referral.listed", details={"via": "api", "status": status, "page": query.page})
    total = db.session.scalar(select(func.count()).select_from(selection.subquery())) or 0
    items = db.session.scalars(
        selection.order_by(ServiceReferral.id.desc())
        .limit(query.per_page)
        .offset((query.page - 1) * query.per_page)
    ).all()
    return jsonify(
        items=[serializers.service_referral(r) for r in items],
        total=total,
        page=query.page,
        per_page=query.per_page,
    )


@bp.get("/service-referrals/<int:referral_id>")
@requires(Permission.CASE_VIEW)
def get_referral(referral_id: int):
    return _referral_json(ops.read_referral(current_user, referral_id, "api"))


def _act(referral_id: int, action: str, body) -> tuple:
    """One answer or cancellation: the operation checks who, state, capacity and version."""
    referral = ops.get_referral(current_user, referral_id)
    data = parse_body(body, optional=body is ReferralAccept)
    ops.act(
        current_user,
        referral,
        action,
        reason=getattr(data, "reason", None),
        outcome=getattr(data, "outcome", None),
        note=getattr(data, "note", None),
        version=data.version,
    )
    return _referral_json(referral)


@bp.post("/service-referrals/<int:referral_id>/accept")
@requires(Permission.CASE_WORK)
def accept_referral(referral_id: int):
    return _act(referral_id, "accept", ReferralAccept)


@bp.post("/service-referrals/<int:referral_id>/decline")
@requires(Permission.CASE_WORK)
def decline_referral(referral_id: int):
    return _act(referral_id, "decline", ReferralDecline)


@bp.post("/service-referrals/<int:referral_id>/complete")
@requires(Permission.CASE_WORK)
def complete_referral(referral_id: int):
    return _act(referral_id, "complete", ReferralComplete)


@bp.post("/service-referrals/<int:referral_id>/cancel")
@requires(Permission.CASE_WORK)
def cancel_referral(referral_id: int):
    return _act(referral_id, "cancel", ReferralCancel)


@bp.put("/cases/<reference>/owner")
@requires(Permission.CASE_DECIDE)
def assign_owner(reference: str):
    case = get_visible_case(current_user, reference)
    body = parse_body(OwnerUpdate)
    ops.assign_owner(current_user, case, body.user_id)
    return case_json(case)


@bp.get("/inbox")
@requires(Permission.USE_APP)
def inbox():
    return jsonify(
        items=[item.as_json() for item in work_for(current_user)],
        notifications=[serializers.notification(n) for n in ops.unread_notifications(current_user)],
    )


@bp.post("/notifications/<int:notification_id>/read")
@requires(Permission.USE_APP)
def read_notification(notification_id: int):
    ops.mark_read(current_user, notification_id)
    return "", 204
