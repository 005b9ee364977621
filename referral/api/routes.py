"""JSON API v1. Token (or session) authentication; the same operations and checks as the pages.

Each view parses its input, calls one operation and serializes the result. Operations
raise DomainError subclasses; the app's handler (referral.core.errors) rolls back and
answers {"error": {"code", "message", "fields"?}}. The request's unit of work commits.
The views of the audit trail (audit.py) and of service referrals (referrals.py) are on
the same blueprint, imported at the end of this module.
"""

from flask import Blueprint, jsonify, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from referral.api import serializers
from referral.api.openapi import openapi_document
from referral.api.schemas import (
    CaseCreate,
    CaseListQuery,
    CaseUpdate,
    ConsentUpdate,
    IndicatorCreate,
    TransitionRequest,
    parse_body,
    parse_query,
)
from referral.audit.trail import record
from referral.cases import operations
from referral.cases.operations import CaseFilters, CaseInput
from referral.cases.workflow_view import workflow_description
from referral.core.access import requires
from referral.core.exceptions import InvalidInput
from referral.extensions import db
from referral.indicators.catalogue import catalogue
from referral.organisations.models import Organisation
from referral.permissions import Permission
from workflows.nrm import TRIGGERS

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def case_json(case, status: int = 200):
    """The case as the caller may see it (also used by the views in referrals.py)."""
    return jsonify(serializers.case_detail(current_user, case)), status


# --- cases ----------------------------------------------------------------------------------


@bp.get("/cases")
@requires(Permission.CASE_VIEW)
def list_cases():
    query = parse_query(CaseListQuery)
    filters = CaseFilters(
        stage=query.stage.value if query.stage else None,
        exploitation_type=query.exploitation_type,
        region=query.region,
        needs_my_action=query.needs_my_action,
    )
    items, total = operations.find_cases(current_user, filters, query.page, query.per_page)
    record(
        "case.listed", details={"via": "api", "filters": filters.as_details(), "page": query.page}
    )
    return jsonify(
        items=[serializers.case_summary(case) for case in items],
        total=total,
        page=query.page,
        per_page=query.per_page,
    )


@bp.post("/cases")
@requires(Permission.CASE_CREATE)
def create_case():
    body = parse_body(CaseCreate)
    case = operations.create_case(current_user, CaseInput(**body.model_dump()))
    response, status = case_json(case, 201)
    response.headers["Location"] = url_for("api.get_case", reference=case.reference)
    return response, status


@bp.get("/cases/<reference>")
@requires(Permission.CASE_VIEW)
def get_case(reference: str):
    case = operations.get_visible_case(current_user, reference)
    record("case.viewed", case_reference=case.reference, details={"via": "api"})
    return case_json(case)


@bp.patch("/cases/<reference>")
@requires(Permission.CASE_WORK)
def update_case(reference: str):
    case = operations.get_visible_case(current_user, reference)
    body = parse_body(CaseUpdate)
    given = body.model_dump(include=body.model_fields_set - {"version"})
    current = {
        "age_band": case.age_band,
        "gender": case.gender,
        "citizenship": case.citizenship,
        "exploitation_types": case.exploitation_types,
        "labour_industry": case.labour_industry,
        "region": case.region,
        "identified_on": case.identified_on,
    }
    operations.update_case(current_user, case, CaseInput(**{**current, **given}), body.version)
    return case_json(case)


# --- indicators, consent and the steps of the process ---------------------------------------


@bp.post("/cases/<reference>/indicators")
@requires(Permission.INDICATOR_LOG)
def log_indicator(reference: str):
    case = operations.get_visible_case(current_user, reference)
    body = parse_body(IndicatorCreate)
    observation = operations.log_indicator(current_user, case, body.code, body.note)
    form = operations.indicator_form(case)
    return jsonify(serializers.observation(current_user, observation, form)), 201


@bp.delete("/cases/<reference>/indicators/<int:observation_id>")
@requires(Permission.CASE_WORK)
def retract_indicator(reference: str, observation_id: int):
    case = operations.get_visible_case(current_user, reference)
    observation = operations.retract_indicator(current_user, case, observation_id)
    form = operations.indicator_form(case)
    return jsonify(serializers.observation(current_user, observation, form))


@bp.put("/cases/<reference>/consent")
@requires(Permission.CASE_WORK)
def record_consent(reference: str):
    case = operations.get_visible_case(current_user, reference)
    body = parse_body(ConsentUpdate)
    operations.record_consent(
        current_user, case, body.status, body.share_with_law_enforcement, body.version
    )
    return case_json(case)


@bp.post("/cases/<reference>/transitions")
@requires(Permission.CASE_WORK)
def transition(reference: str):
    case = operations.get_visible_case(current_user, reference)
    body = parse_body(TransitionRequest)
    spec = TRIGGERS.get(body.trigger)
    if spec is not None and spec["reason"] is None and body.reason is not None:
        # Tell the client rather than silently drop what it sent.
        raise InvalidInput("reason", _("This step takes no reason. Remove it."))
    operations.fire(current_user, case, body.trigger, body.outcome, body.reason, body.version)
    return case_json(case)


# --- reference data -------------------------------------------------------------------------


@bp.get("/indicators")
@requires(Permission.USE_APP)
def indicators():
    return jsonify(serializers.indicator_catalogue(catalogue()))


@bp.get("/organisations")
@requires(Permission.USE_APP)
def organisations():
    rows = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    return jsonify([serializers.organisation(org) for org in rows])


@bp.get("/workflow")
@requires(Permission.USE_APP)
def workflow():
    return jsonify(serializers.workflow(workflow_description()))


@bp.get("/openapi.json")
@requires(Permission.USE_APP)
def openapi():
    return jsonify(openapi_document())


# Views of the audit trail and of service referrals, on this blueprint (registered with it).
from referral.api import audit, referrals  # noqa: E402, F401
