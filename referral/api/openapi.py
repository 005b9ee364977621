"""The OpenAPI 3.1 description of the JSON API. A test keeps it true to the routes."""

from functools import cache

from pydantic import BaseModel

from referral.api.schemas import (
    AUDIT_PER_PAGE,
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    CaseCreate,
    CaseUpdate,
    ConsentUpdate,
    IndicatorCreate,
    OwnerUpdate,
    ReferralAccept,
    ReferralCancel,
    ReferralComplete,
    ReferralCreate,
    ReferralDecline,
    TransitionRequest,
)
from referral.cases.vocabulary import AGE_BANDS, CONSENT_STATUSES, EXPLOITATION_TYPES
from referral.organisations.models import Service
from referral.referrals.inbox import KIND_LABELS, NOTIFICATION_LABELS
from referral.referrals.process import OUTCOMES
from workflows.nrm import TRIGGERS, Stage
from workflows.service_referral import ReferralStatus

REF = "#/components/schemas/"
STAGES = [s.value for s in Stage]
REFERRAL_STATUSES = [s.value for s in ReferralStatus]


def _ref(name: str) -> dict:
    return {"$ref": REF + name}


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def _object(properties: dict, required: list[str] | None = None) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
    }


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
DATE_TIME = {"type": "string", "format": "date-time", "description": "ISO 8601, UTC."}
N_STRING = _nullable(STRING)
N_INTEGER = _nullable(INTEGER)
N_DATE = _nullable(DATE)
N_DATE_TIME = _nullable(DATE_TIME)


def _body_schema(model: type[BaseModel]) -> dict:
    schema = model.model_json_schema()
    assert "$defs" not in schema, "request models are flat"
    return schema


def _page_of(item: str) -> dict:
    return _object(
        {
            "items": {"type": "array", "items": _ref(item)},
            "total": INTEGER,
            "page": INTEGER,
            "per_page": INTEGER,
        }
    )


AUDIT_ENTRY = {
    "seq": {**INTEGER, "description": "Position in the hash chain, from 1."},
    "at": DATE_TIME,
    "actor": {**N_INTEGER, "description": "User id; null for the system."},
    "actor_email": N_STRING,
    "role": {**STRING, "description": "The actor's role at the time, or system."},
    "organisation": {**N_INTEGER, "description": "The actor's organisation id at the time."},
    "organisation_name": N_STRING,
    "action": {**STRING, "description": "e.g. case.created, case.viewed, referral.accepted."},
    "details": {"type": "object", "description": "The coded details, as stored and hashed."},
}

SCHEMAS: dict[str, dict] = {
    "Error": _object(
        {
            "error": _object(
                {
                    "code": {
                        **STRING,
                        "description": "Stable, e.g. unknown_field, invalid_input, "
                        "identifying_data, transition_not_allowed, consent_required, conflict, "
                        "consent_scope, service_not_offered, capacity_exhausted.",
                    },
                    "message": {**STRING, "description": "For people, in their language."},
                    "fields": {
                        "type": "object",
                        "additionalProperties": STRING,
                        "description": "The fields refused, each with a message.",
                    },
                },
                required=["code", "message"],
            )
        }
    ),
    "OrganisationRef": _object({"id": INTEGER, "name": STRING}),
    "Organisation": _object(
        {
            "id": INTEGER,
            "name": STRING,
            "type": STRING,
            "region": N_STRING,
            "is_public_authority": BOOLEAN,
            "services": {"type": "array", "items": STRING},
            "active": BOOLEAN,
        }
    ),
    "Observation": _object(
        {
            "id": INTEGER,
            "code": STRING,
            "text": {**N_STRING, "description": "The indicator's label, translated."},
            "dimension": N_STRING,
            "strength": {
                **_nullable({"type": "string", "enum": ["strong", "medium", "weak"]}),
                "description": "For the case's form (adult or child).",
            },
            "note": {
                **N_STRING,
                "description": "Null when absent or restricted (health data).",
            },
            "note_restricted": {
                **BOOLEAN,
                "description": "A note exists that this user may not read.",
            },
            "organisation": _ref("OrganisationRef"),
            "recorded_at": DATE_TIME,
            "retracted_at": N_DATE_TIME,
        }
    ),
    "StageChange": _object(
        {
            "trigger": STRING,
            "from": {"type": "string", "enum": STAGES},
            "to": {"type": "string", "enum": STAGES},
            "outcome": N_STRING,
            "reason": N_STRING,
            "at": DATE_TIME,
            "organisation": _ref("OrganisationRef"),
        }
    ),
    "CaseSummary": _object(
        {
            "reference": STRING,
            "stage": {"type": "string", "enum": STAGES},
            "version": INTEGER,
            "is_child": BOOLEAN,
            "age_band": {"type": "string", "enum": list(AGE_BANDS)},
            "exploitation_types": {"type": "array", "items": STRING},
            "region": N_STRING,
            "identifying_organisation": _ref("OrganisationRef"),
            "created_at": DATE_TIME,
        }
    ),
    "Case": _object(
        {
            "reference": STRING,
            "stage": {"type": "string", "enum": STAGES},
            "version": {**INTEGER, "description": "Send it back to refuse lost updates."},
            "is_child": BOOLEAN,
            "age_band": {"type": "string", "enum": list(AGE_BANDS)},
            "gender": STRING,
            "citizenship": STRING,
            "citizenship_name": {**STRING, "description": "In the user's language."},
            "exploitation_types": {
                "type": "array",
                "items": {"type": "string", "enum": list(EXPLOITATION_TYPES)},
            },
            "labour_industry": N_STRING,
            "region": N_STRING,
            "identified_on": {**N_STRING, "description": "YYYY-MM."},
            "identifying_organisation": _ref("OrganisationRef"),
            "created_at": DATE_TIME,
            "consent": _object(
                {
                    "status": _nullable({"type": "string", "enum": list(CONSENT_STATUSES)}),
                    "share_with_law_enforcement": BOOLEAN,
                }
            ),
            "indicators": {
                "type": "array",
                "items": _ref("Observation"),
                "description": "Every observation, retracted ones with retracted_at set.",
            },
            "ilo_assessment": _object(
                {
                    "form": STRING,
                    "note": {**STRING, "description": "Decision support, not a decision."},
                    "dimensions": {
                        "type": "array",
                        "items": _object(
                            {
                                "code": STRING,
                                "label": STRING,
                                "strong": INTEGER,
                                "medium": INTEGER,
                                "weak": INTEGER,
                                "meets_rule": BOOLEAN,
                            }
                        ),
                    },
                }
            ),
            "deadlines": _object(
                {"rg_due_on": N_DATE, "recovery_ends_on": N_DATE, "referred_at": N_DATE_TIME}
            ),
            "decisions": _object(
                {
                    "rg_outcome": N_STRING,
                    "rg_decided_at": N_DATE_TIME,
                    "cg_outcome": N_STRING,
                    "cg_decided_at": N_DATE_TIME,
                    "closure_reason": N_STRING,
                    "closed_at": N_DATE_TIME,
                }
            ),
            "stage_history": {"type": "array", "items": _ref("StageChange")},
            "allowed_triggers": {
                "type": "array",
                "items": {"type": "string", "enum": list(TRIGGERS)},
                "description": "What the caller may do now.",
            },
            "owner": {
                **_nullable(_object({"id": INTEGER, "email": STRING})),
                "description": "The coordinator who owns the case.",
            },
            "service_referrals": {
                "type": "array",
                "items": _ref("ServiceReferral"),
                "description": "All of them for coordinators and auditors; for others, those "
                "sent to their organisation.",
            },
        }
    ),
    "CaseList": _object(
        {
            "items": {"type": "array", "items": _ref("CaseSummary")},
            "total": INTEGER,
            "page": INTEGER,
            "per_page": INTEGER,
        }
    ),
    "IndicatorCatalogue": _object(
        {
            "source": {"type": "object", "description": "Provenance of the catalogue."},
            "coverage": {"type": "object", "description": "What each form covers."},
            "rule": {**STRING, "description": "The per-dimension decision rule."},
            "forms": {"type": "array", "items": STRING},
            "dimensions": {
                "type": "array",
                "items": _object(
                    {"code": STRING, "label": STRING, "element": STRING, "phase": STRING}
                ),
            },
            "indicators": {
                "type": "array",
                "items": _object(
                    {
                        "code": STRING,
                        "text": STRING,
                        "dimension": STRING,
                        "strengths": {
                            "type": "object",
                            "additionalProperties": {
                                "type": "string",
                                "enum": ["strong", "medium", "weak"],
                            },
                            "description": "Strength per form.",
                        },
                    }
                ),
            },
        }
    ),
    "Workflow": _object(
        {
            "stages": {"type": "array", "items": _object({"code": STRING, "label": STRING})},
            "transitions": {
                "type": "array",
                "items": _object(
                    {
                        "trigger": STRING,
                        "label": STRING,
                        "from": STRING,
                        "to": STRING,
                        "who": {"type": "array", "items": STRING},
                        "guards": {"type": "array", "items": STRING},
                    }
                ),
            },
        }
    ),
    "AuditEntry": _object(AUDIT_ENTRY),
    "AuditSearchEntry": _object(
        {**AUDIT_ENTRY, "case": {**N_STRING, "description": "The case reference, if any."}}
    ),
    "CaseHistory": _object(
        {"items": {"type": "array", "items": _ref("AuditEntry"), "description": "Oldest first."}}
    ),
    "AuditSearchResult": _page_of("AuditSearchEntry"),
    "AuditVerification": {
        "oneOf": [
            _object({"ok": {"const": True}, "entries": INTEGER}),
            _object(
                {
                    "ok": {"const": False},
                    "first_bad_seq": INTEGER,
                    "problem": {
                        **STRING,
                        "description": "e.g. entry_altered, entry_missing, chain_broken, "
                        "column_differs, tail_missing.",
                    },
                }
            ),
        ]
    },
    "ServiceReferral": _object(
        {
            "id": INTEGER,
            "case": {**STRING, "description": "The case reference."},
            "service": {"type": "string", "enum": [s.value for s in Service]},
            "organisation": _ref("OrganisationRef"),
            "status": {"type": "string", "enum": REFERRAL_STATUSES},
            "version": {**INTEGER, "description": "Send it back to refuse lost updates."},
            "note": N_STRING,
            "respond_by": DATE_TIME,
            "created_at": DATE_TIME,
            "answered_at": N_DATE_TIME,
            "decline_reason": N_STRING,
            "completed_at": N_DATE_TIME,
            "outcome": _nullable({"type": "string", "enum": list(OUTCOMES)}),
            "outcome_note": N_STRING,
            "cancelled_at": N_DATE_TIME,
            "cancel_reason": N_STRING,
            "overdue": {**BOOLEAN, "description": "Pending after respond_by."},
        }
    ),
    "ServiceReferralList": _page_of("ServiceReferral"),
    "WorkItem": _object(
        {
            "kind": {"type": "string", "enum": list(KIND_LABELS)},
            "label": {**STRING, "description": "In the user's language."},
            "case": STRING,
            "referral_id": N_INTEGER,
            "service": N_STRING,
            "due": {**N_STRING, "description": "A date, or a date and time (ISO 8601)."},
            "overdue": BOOLEAN,
        }
    ),
    "Notification": _object(
        {
            "id": INTEGER,
            "kind": {"type": "string", "enum": list(NOTIFICATION_LABELS)},
            "case": N_STRING,
            "referral_id": N_INTEGER,
            "created_at": DATE_TIME,
            "details": {"type": "object"},
        }
    ),
    "Inbox": _object(
        {
            "items": {
                "type": "array",
                "items": _ref("WorkItem"),
                "description": "What needs the caller; overdue first, then soonest due.",
            },
            "notifications": {
                "type": "array",
                "items": _ref("Notification"),
                "description": "Unread notifications for the caller's organisation, newest first.",
            },
        }
    ),
    "CaseCreate": _body_schema(CaseCreate),
    "CaseUpdate": _body_schema(CaseUpdate),
    "IndicatorCreate": _body_schema(IndicatorCreate),
    "ConsentUpdate": _body_schema(ConsentUpdate),
    "TransitionRequest": _body_schema(TransitionRequest),
    "ReferralCreate": _body_schema(ReferralCreate),
    "ReferralAccept": _body_schema(ReferralAccept),
    "ReferralDecline": _body_schema(ReferralDecline),
    "ReferralComplete": _body_schema(ReferralComplete),
    "ReferralCancel": _body_schema(ReferralCancel),
    "OwnerUpdate": _body_schema(OwnerUpdate),
}

ERRORS = {
    "400": "The body is not a JSON object.",
    "401": "No valid bearer token (or session).",
    "403": "The caller's role or organisation does not allow this.",
    "404": "No such case, referral or notification, or the caller may not see it.",
    "409": "The action is not possible at this stage or status (transition_not_allowed), "
    "the provider has no free place (capacity_exhausted), or the record changed since the "
    "version given (conflict).",
    "422": "A field is unknown (unknown_field), invalid (invalid_input), identifying "
    "(identifying_data), or a rule of the process refused (the guard's code, e.g. "
    "consent_scope, service_not_offered).",
}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _operation(
    operation_id: str,
    summary: str,
    ok: tuple[str, dict | None, str],
    errors: tuple[str, ...],
    body: str | None = None,
    parameters: list[dict] | None = None,
    optional_body: bool = False,
) -> dict:
    status, schema, description = ok
    responses = {status: _json(schema, description) if schema else {"description": description}}
    for code in ("401", "403", *errors):
        responses[code] = {"$ref": f"#/components/responses/E{code}"}
    operation: dict = {"operationId": operation_id, "summary": summary, "responses": responses}
    if parameters:
        operation["parameters"] = parameters
    if body:
        operation["requestBody"] = {
            "required": not optional_body,
            "content": {"application/json": {"schema": _ref(body)}},
        }
    return operation


def _query(name: str, schema: dict, description: str) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


REFERENCE = {
    "name": "reference",
    "in": "path",
    "required": True,
    "schema": STRING,
    "description": "The case reference, e.g. NRM-2026-ABCD2345.",
}
OBSERVATION_ID = {"name": "observation_id", "in": "path", "required": True, "schema": INTEGER}
REFERRAL_ID = {"name": "referral_id", "in": "path", "required": True, "schema": INTEGER}
NOTIFICATION_ID = {"name": "notification_id", "in": "path", "required": True, "schema": INTEGER}
PAGE = _query("page", {**INTEGER, "minimum": 1, "default": 1}, "From 1.")


def _per_page(default: int) -> dict:
    return _query(
        "per_page",
        {**INTEGER, "minimum": 1, "maximum": MAX_PER_PAGE, "default": default},
        "Items per page.",
    )


def _referral_action(operation_id: str, summary: str, body: str, optional: bool = False):
    return {
        "parameters": [REFERRAL_ID],
        "post": _operation(
            operation_id,
            summary,
            ("200", _ref("ServiceReferral"), "The referral."),
            ("400", "404", "409", "422"),
            body=body,
            optional_body=optional,
        ),
    }


def _referral_paths() -> dict:
    referral = (_ref("ServiceReferral"), "The referral.")
    return {
        "/api/v1/cases/{reference}/service-referrals": {
            "parameters": [REFERENCE],
            "post": _operation(
                "create_referral",
                "Refer the person to a service provider (coordinators). Law enforcement only "
                "with the person's consent to share (consent_scope).",
                ("201", *referral),
                ("400", "404", "422"),
                body="ReferralCreate",
            ),
        },
        "/api/v1/service-referrals": {
            "get": _operation(
                "list_referrals",
                "Referrals sent to the caller's organisation; all of them for coordinators "
                "and auditors. Newest first.",
                ("200", _ref("ServiceReferralList"), "One page of referrals."),
                ("422",),
                parameters=[
                    _query(
                        "status", {"type": "string", "enum": REFERRAL_STATUSES}, "Only this one."
                    ),
                    PAGE,
                    _per_page(DEFAULT_PER_PAGE),
                ],
            )
        },
        "/api/v1/service-referrals/{referral_id}": {
            "parameters": [REFERRAL_ID],
            "get": _operation(
                "get_referral",
                "One referral (403 when it is addressed to another organisation).",
                ("200", *referral),
                ("404",),
            ),
        },
        "/api/v1/service-referrals/{referral_id}/accept": _referral_action(
            "accept_referral",
            "Accept (the provider organisation); takes a place if capacity is stated.",
            "ReferralAccept",
            optional=True,
        ),
        "/api/v1/service-referrals/{referral_id}/decline": _referral_action(
            "decline_referral",
            "Decline, with a reason (the provider organisation).",
            "ReferralDecline",
        ),
        "/api/v1/service-referrals/{referral_id}/complete": _referral_action(
            "complete_referral",
            "Record the service as completed, with its outcome (the provider organisation).",
            "ReferralComplete",
        ),
        "/api/v1/service-referrals/{referral_id}/cancel": _referral_action(
            "cancel_referral",
            "Cancel a pending or accepted referral (coordinators).",
            "ReferralCancel",
        ),
        "/api/v1/cases/{reference}/owner": {
            "parameters": [REFERENCE],
            "put": _operation(
                "assign_owner",
                "Assign the case to a coordinator (coordinators).",
                ("200", _ref("Case"), "The case, as the caller may see it."),
                ("400", "404", "409", "422"),
                body="OwnerUpdate",
            ),
        },
        "/api/v1/inbox": {
            "get": _operation(
                "inbox",
                "The caller's work (what needs them, with due dates) and unread notifications.",
                ("200", _ref("Inbox"), "The inbox."),
                (),
            )
        },
        "/api/v1/notifications/{notification_id}/read": {
            "parameters": [NOTIFICATION_ID],
            "post": _operation(
                "read_notification",
                "Mark a notification of the caller's organisation read, for the caller.",
                ("204", None, "Marked read."),
                ("404",),
            ),
        },
    }


def _audit_paths() -> dict:
    moment = "A date (YYYY-MM-DD) or an ISO 8601 date and time; UTC when no zone is given."
    return {
        "/api/v1/cases/{reference}/history": {
            "parameters": [REFERENCE],
            "get": _operation(
                "case_history",
                "Everything the audit trail holds about a case (coordinators and auditors).",
                ("200", _ref("CaseHistory"), "The entries, oldest first."),
                ("404",),
            ),
        },
        "/api/v1/audit": {
            "get": _operation(
                "audit_search",
                "Search the audit trail (auditors). Newest first.",
                ("200", _ref("AuditSearchResult"), "One page of entries."),
                ("422",),
                parameters=[
                    _query("case", STRING, "Only entries about this case reference."),
                    _query("user", STRING, "Only this actor: a user id or an email address."),
                    _query("organisation", {**INTEGER, "minimum": 1}, "Only this organisation."),
                    _query("action", STRING, "Only this action, e.g. case.viewed."),
                    _query("from", STRING, f"From this moment. {moment}"),
                    _query("to", STRING, f"Up to this moment, inclusive. {moment}"),
                    PAGE,
                    _per_page(AUDIT_PER_PAGE),
                ],
            )
        },
        "/api/v1/audit/verify": {
            "get": _operation(
                "audit_verify",
                "Verify the whole hash chain now (auditors); the run is recorded.",
                ("200", _ref("AuditVerification"), "The outcome."),
                (),
            )
        },
    }


def _paths() -> dict:
    case = (_ref("Case"), "The case, as the caller may see it.")
    return {
        "/api/v1/cases": {
            "get": _operation(
                "list_cases",
                "The cases the caller may see, newest first.",
                ("200", _ref("CaseList"), "One page of cases."),
                ("422",),
                parameters=[
                    _query("stage", {"type": "string", "enum": STAGES}, "Only this stage."),
                    _query("exploitation_type", STRING, "Only cases with this type."),
                    _query("region", STRING, "Only this region (case-insensitive)."),
                    _query("needs_my_action", BOOLEAN, "Only cases waiting for the caller."),
                    _query("page", {**INTEGER, "minimum": 1, "default": 1}, "From 1."),
                    _query(
                        "per_page",
                        {
                            **INTEGER,
                            "minimum": 1,
                            "maximum": MAX_PER_PAGE,
                            "default": DEFAULT_PER_PAGE,
                        },
                        "Cases per page.",
                    ),
                ],
            ),
            "post": _operation(
                "create_case",
                "Record a new anonymised case (frontline partners).",
                ("201", *case),
                ("400", "422"),
                body="CaseCreate",
            ),
        },
        "/api/v1/cases/{reference}": {
            "parameters": [REFERENCE],
            "get": _operation("get_case", "One case.", ("200", *case), ("404",)),
            "patch": _operation(
                "update_case",
                "Change the coded profile; fields left out keep their values.",
                ("200", *case),
                ("400", "404", "409", "422"),
                body="CaseUpdate",
            ),
        },
        "/api/v1/cases/{reference}/indicators": {
            "parameters": [REFERENCE],
            "post": _operation(
                "log_indicator",
                "Log an observed indicator, with an optional screened note.",
                ("201", _ref("Observation"), "The observation."),
                ("400", "404", "409", "422"),
                body="IndicatorCreate",
            ),
        },
        "/api/v1/cases/{reference}/indicators/{observation_id}": {
            "parameters": [REFERENCE, OBSERVATION_ID],
            "delete": _operation(
                "retract_indicator",
                "Retract an observation; it stays in the history with retracted_at set.",
                ("200", _ref("Observation"), "The retracted observation."),
                ("404", "409"),
            ),
        },
        "/api/v1/cases/{reference}/consent": {
            "parameters": [REFERENCE],
            "put": _operation(
                "record_consent",
                "Record the person's consent and their choice on sharing with law enforcement.",
                ("200", *case),
                ("400", "404", "409", "422"),
                body="ConsentUpdate",
            ),
        },
        "/api/v1/cases/{reference}/transitions": {
            "parameters": [REFERENCE],
            "post": _operation(
                "transition",
                "Take a step of the NRM process (see allowed_triggers and /workflow).",
                ("200", *case),
                ("400", "404", "409", "422"),
                body="TransitionRequest",
            ),
        },
        "/api/v1/indicators": {
            "get": _operation(
                "indicators",
                "The indicator catalogue, with its provenance and decision rule.",
                ("200", _ref("IndicatorCatalogue"), "The catalogue."),
                (),
            )
        },
        "/api/v1/organisations": {
            "get": _operation(
                "organisations",
                "The partner organisations.",
                ("200", {"type": "array", "items": _ref("Organisation")}, "All organisations."),
                (),
            )
        },
        "/api/v1/workflow": {
            "get": _operation(
                "workflow",
                "The stages and transitions of the NRM process.",
                ("200", _ref("Workflow"), "The workflow."),
                (),
            )
        },
        "/api/v1/openapi.json": {
            "get": _operation(
                "openapi",
                "This description.",
                ("200", {"type": "object"}, "An OpenAPI 3.1 document."),
                (),
            )
        },
        **_audit_paths(),
        **_referral_paths(),
    }


@cache
def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "National Referral Mechanism case work API",
            "version": "1",
            "description": (
                "Anonymised case work for anti-trafficking partners. Authenticate with "
                "`Authorization: Bearer <token>`. Every request body refuses fields it does "
                "not know (422 unknown_field); free text is screened for identifiers "
                "(422 identifying_data). A case the caller may not see answers 404."
            ),
        },
        "security": [{"bearerAuth": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
            "responses": {
                f"E{code}": _json(_ref("Error"), description)
                for code, description in ERRORS.items()
            },
        },
    }
