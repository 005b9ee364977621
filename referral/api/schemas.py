"""Request bodies and query strings of the JSON API, as pydantic models.

Every model forbids fields it does not know: an unexpected field is refused, never
ignored, so that identifying data cannot slip in under a name nobody screens. The
models check shapes and types only; the operations check the values (one rule for the
pages and the API alike).
"""

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal, TypeVar

from flask import request
from flask_babel import gettext as _
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from referral.audit.vocabulary import ACTION_LABELS
from referral.cases.vocabulary import EXPLOITATION_TYPES
from referral.core.exceptions import DomainError, InvalidInput
from workflows.nrm import Stage
from workflows.service_referral import ReferralStatus

MAX_PER_PAGE = 100
REFERENCE_PATTERN = r"^(?i:NRM-\d{4}-[0-9A-Z]{8})$"
DEFAULT_PER_PAGE = 25


class Body(BaseModel):
    """A JSON request body: no unknown field, no coercion between types."""

    model_config = ConfigDict(extra="forbid", strict=True)


class CaseCreate(Body):
    """The coded profile of a new case. Nothing here may identify the person."""

    age_band: str = Field(description="CTDC age band, e.g. 24-26; 0-8 and 9-17 are children.")
    gender: str = Field(description="female, male, other or unknown.")
    citizenship: str = Field(description="ISO 3166-1 alpha-2 code; ZZ for unknown or stateless.")
    exploitation_types: list[str] = Field(description="At least one type of exploitation.")
    labour_industry: str | None = Field(
        default=None, description="ISIC Rev. 4 section A-U; for forced labour only."
    )
    region: str | None = Field(
        default=None, description="Free text, screened for identifiers of the person."
    )
    identified_on: str | None = Field(
        default=None, description="Month of identification, YYYY-MM (never a day)."
    )


class CaseUpdate(Body):
    """The fields to change; those left out keep their values. `version` guards lost updates."""

    age_band: str | None = None
    gender: str | None = None
    citizenship: str | None = None
    exploitation_types: list[str] | None = None
    labour_industry: str | None = None
    region: str | None = None
    identified_on: str | None = None
    version: int | None = Field(default=None, description="The version the client last saw.")


class IndicatorCreate(Body):
    code: str = Field(description="An indicator code of the catalogue, for the case's form.")
    note: str | None = Field(
        default=None, description="Optional note, screened: no identifiers of the person."
    )


class ConsentUpdate(Body):
    status: str = Field(description="given, refused, withdrawn; not_required for children.")
    share_with_law_enforcement: bool
    version: int | None = Field(default=None, description="The version the client last saw.")


class TransitionRequest(Body):
    trigger: str = Field(description="A trigger of the NRM workflow, e.g. refer.")
    outcome: str | None = Field(default=None, description="positive or negative, for decisions.")
    reason: str | None = Field(
        default=None, description="Free text (screened) or, to close, a closure-reason code."
    )
    version: int | None = Field(default=None, description="The version the client last saw.")


def _utc(value: datetime) -> datetime:
    """A date and time without a zone is taken as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# JSON has no date type: this one field accepts ISO 8601 text despite the strict models.
IsoDateTime = Annotated[datetime, Field(strict=False), AfterValidator(_utc)]


class ReferralCreate(Body):
    organisation_id: int = Field(description="The provider organisation (see /organisations).")
    service: str = Field(description="A service the organisation offers, e.g. shelter.")
    note: str | None = Field(
        default=None, description="Optional note for the provider, screened for identifiers."
    )
    respond_by: IsoDateTime | None = Field(
        default=None,
        description="When the answer is due (ISO 8601; UTC if no zone). Default: per settings.",
    )


class ReferralAccept(Body):
    version: int | None = Field(default=None, description="The version the client last saw.")


class ReferralDecline(Body):
    reason: str = Field(description="Why the provider declines; screened for identifiers.")
    version: int | None = Field(default=None, description="The version the client last saw.")


class ReferralComplete(Body):
    outcome: str = Field(description="delivered, partially or not_delivered.")
    note: str | None = Field(default=None, description="Optional note, screened.")
    version: int | None = Field(default=None, description="The version the client last saw.")


class ReferralCancel(Body):
    reason: str = Field(description="Why the coordinator cancels; screened for identifiers.")
    version: int | None = Field(default=None, description="The version the client last saw.")


class OwnerUpdate(Body):
    user_id: int = Field(description="An active coordinator's user id.")


class CaseListQuery(BaseModel):
    """The query string of the case list; values arrive as text and are converted."""

    model_config = ConfigDict(extra="forbid")

    stage: Stage | None = None
    # Coded values only: whatever a filter holds is written to the audit trail.
    exploitation_type: Literal[tuple(EXPLOITATION_TYPES)] | None = None  # type: ignore[valid-type]
    region: str | None = Field(default=None, max_length=100)
    needs_my_action: bool = False
    page: int = Field(default=1, ge=1)
    per_page: int = Field(default=DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE)


class ReferralListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: ReferralStatus | None = None
    page: int = Field(default=1, ge=1)
    per_page: int = Field(default=DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE)


AUDIT_PER_PAGE = 50


class AuditQuery(BaseModel):
    """The audit search; `from` and `to` are checked by `moment` (dates or date and time)."""

    model_config = ConfigDict(extra="forbid")

    case: str | None = Field(default=None, pattern=REFERENCE_PATTERN)
    user: str | None = Field(default=None, max_length=254)
    organisation: int | None = Field(default=None, ge=1)
    action: Literal[tuple(ACTION_LABELS)] | None = None  # type: ignore[valid-type]
    since: str | None = Field(default=None, alias="from", max_length=40)
    until: str | None = Field(default=None, alias="to", max_length=40)
    page: int = Field(default=1, ge=1)
    per_page: int = Field(default=AUDIT_PER_PAGE, ge=1, le=MAX_PER_PAGE)


DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def moment(name: str, value: str | None, *, end: bool = False) -> datetime | None:
    """A bound of a time range, in UTC. A day starts at midnight; as an end (`to`) it is
    inclusive: the bound is the next midnight, or just after the instant given."""
    if value is None:
        return None
    text = value.strip()
    try:
        if DAY.match(text):
            start = datetime.combine(date.fromisoformat(text), time.min, UTC)
            return start + timedelta(days=1) if end else start
        instant = _utc(datetime.fromisoformat(text))
        return instant + timedelta(microseconds=1) if end else instant
    except (ValueError, OverflowError):  # not a date, or beyond year 9999
        raise InvalidInput(
            name,
            _("Give a date (YYYY-MM-DD) or a date and time (ISO 8601, e.g. 2026-03-01T09:30Z)."),
        ) from None


class NotJson(DomainError):
    status = 400
    code = "invalid_json"


M = TypeVar("M", bound=BaseModel)


def _message(error: dict[str, Any]) -> str:
    """A translated message for one pydantic error (msgids are literals for extraction)."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "extra_forbidden":
        return _("This field is not part of the API. Remove it.")
    if kind == "missing":
        return _("This field is required.")
    if kind == "string_type":
        return _("Give a text value.")
    if kind in ("bool_type", "bool_parsing"):
        return _("Give true or false.")
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _("Give a whole number.")
    if kind == "list_type":
        return _("Give a list.")
    if kind == "string_too_long":
        return _("Keep it under %(n)d characters.", n=int(ctx.get("max_length", 0)))
    if kind == "greater_than_equal":
        return _("Give a number of at least %(n)s.", n=ctx.get("ge"))
    if kind == "less_than_equal":
        return _("Give a number of at most %(n)s.", n=ctx.get("le"))
    if kind.startswith("datetime"):
        return _("Give a date and time (ISO 8601, e.g. 2026-03-01T09:30Z).")
    if kind == "enum":
        return _("Choose one of: %(values)s.", values=ctx.get("expected", ""))
    return _("This value is not valid.")


def _refusal(error: ValidationError) -> InvalidInput:
    fields: dict[str, str] = {}
    unknown = False
    for item in error.errors(include_url=False):
        name = str(item["loc"][0]) if item["loc"] else "body"
        unknown = unknown or item["type"] == "extra_forbidden"
        fields.setdefault(name, _message(item))
    if unknown:
        return InvalidInput(
            fields, _("The request has fields the API does not know."), "unknown_field"
        )
    return InvalidInput(fields, _("Some fields are not valid."), "invalid_input")


def validate(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise _refusal(error) from None


def parse_body(model: type[M], *, optional: bool = False) -> M:
    """The request's JSON object as `model`, or a DomainError the API answers with.

    With `optional`, an empty body counts as {} (for actions whose fields are all optional).
    """
    if optional and not request.get_data(cache=True):
        return validate(model, {})
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise NotJson(_("Send a JSON object, with the Content-Type application/json."))
    return validate(model, data)


def parse_query(model: type[M]) -> M:
    """The query string as `model`; a parameter given twice is refused."""
    data: dict[str, str] = {}
    for name, values in request.args.lists():
        if len(values) > 1:
            raise InvalidInput(name, _("Give this parameter once."), "invalid_input")
        if values[0].strip():  # an empty parameter (a blank form field) is no filter
            data[name] = values[0]
    return validate(model, data)
