"""The OpenAPI 3.1 description of the JSON API. A test keeps it true to the routes."""

from functools import cache

from pydantic import BaseModel

from referral.api.schemas import (
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    CaseCreate,
    CaseUpdate,
    ConsentUpdate,
    IndicatorCreate,
    TransitionRequest,
)
from referral.cases.vocabulary import AGE_BANDS, CONSENT_STATUSES, EXPLOITATION_TYPES
from workflows.nrm import TRIGGERS, Stage

REF = "#/components/schemas/"
STAGES = [s.value for s in Stage]


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
N_DATE = _nullable(DATE)
N_DATE_TIME = _nullable(DATE_TIME)


def _body_schema(model: type[BaseModel]) -> dict:
    schema = model.model_json_schema()
    assert "$defs" not in schema, "request models are flat"
    return schema


SCHEMAS: dict[str, dict] = {
    "Error": _object(
        {
            "error": _object(
                {
                    "code": {
                        **STRING,
                        "description": "Stable, e.g. unknown_field, invalid_input, "
                        "identifying_data, transition_not_allowed, consent_required, conflict.",
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
    "CaseCreate": _body_schema(CaseCreate),
    "CaseUpdate": _body_schema(CaseUpdate),
    "IndicatorCreate": _body_schema(IndicatorCreate),
    "ConsentUpdate": _body_schema(ConsentUpdate),
    "TransitionRequest": _body_schema(TransitionRequest),
}

ERRORS = {
    "400": "The body is not a JSON object.",
    "401": "No valid bearer token (or session).",
    "403": "The caller's role or organisation does not allow this.",
    "404": "No such case, or the caller may not see it.",
    "409": "The action is not possible at this stage (transition_not_allowed), or the "
    "case changed since the version given (conflict).",
    "422": "A field is unknown (unknown_field), invalid (invalid_input), identifying "
    "(identifying_data), or a rule of the process refused (the guard's code).",
}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _operation(
    operation_id: str,
    summary: str,
    ok: tuple[str, dict, str],
    errors: tuple[str, ...],
    body: str | None = None,
    parameters: list[dict] | None = None,
) -> dict:
    status, schema, description = ok
    responses = {status: _json(schema, description)}
    for code in ("401", "403", *errors):
        responses[code] = {"$ref": f"#/components/responses/E{code}"}
    operation: dict = {"operationId": operation_id, "summary": summary, "responses": responses}
    if parameters:
        operation["parameters"] = parameters
    if body:
        operation["requestBody"] = {
            "required": True,
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
