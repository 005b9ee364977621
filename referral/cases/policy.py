"""Need-to-know, decided on the server for every case, field and action.

- Frontline users see the cases of their own organisation.
- Service providers see the cases their organisation was sent (registered by that feature
  through `register_visibility`).
- Coordinators see all cases; auditors see all cases read-only; admins see no case content.
- A law-enforcement organisation other than the identifying one never sees a case whose
  person did not agree to share with law enforcement.
"""

from collections.abc import Callable

from sqlalchemy import ColumnElement, and_, false, or_, true

from referral.auth.models import User
from referral.cases.models import Case
from referral.organisations.models import LAW_ENFORCEMENT_TYPES
from referral.permissions import FRONTLINE_ROLES, Permission, Role
from workflows.nrm import (
    COORDINATOR,
    IDENTIFYING_FRONTLINE,
    IDENTIFYING_ORGANISATION,
    IDENTIFYING_PUBLIC_AUTHORITY,
    TRIGGERS,
    Stage,
    triggers_from,
)

# Extra ways to see a case, added by other features: (SQL clause for lists, check for one case).
VisibilityRule = tuple[Callable[[User], ColumnElement[bool]], Callable[[User, Case], bool]]
_extra_visibility: list[VisibilityRule] = []


def register_visibility(
    clause: Callable[[User], ColumnElement[bool]], check: Callable[[User, Case], bool]
) -> None:
    _extra_visibility.append((clause, check))


def is_frontline(user: User) -> bool:
    return user.role in FRONTLINE_ROLES


def is_coordinator(user: User) -> bool:
    return user.can(Permission.CASE_DECIDE)


def of_identifying_organisation(user: User, case: Case) -> bool:
    return user.organisation_id == case.identifying_organisation_id


def _law_enforcement_barred(user: User, case: Case) -> bool:
    return (
        user.organisation.type in LAW_ENFORCEMENT_TYPES
        and not of_identifying_organisation(user, case)
        and not case.share_with_law_enforcement
    )


def can_view(user: User, case: Case) -> bool:
    if user.role == Role.ADMIN or _law_enforcement_barred(user, case):
        return False
    if user.role in (Role.COORDINATOR, Role.AUDITOR):
        return True
    if is_frontline(user) and of_identifying_organisation(user, case):
        return True
    return any(check(user, case) for _, check in _extra_visibility)


def visible_cases_clause(user: User) -> ColumnElement[bool]:
    """The same rule as can_view, as SQL for lists and searches."""
    if user.role == Role.ADMIN:
        return false()
    if user.role in (Role.COORDINATOR, Role.AUDITOR):
        base: ColumnElement[bool] = true()
    else:
        own = Case.identifying_organisation_id == user.organisation_id
        ways = [own] if is_frontline(user) else []
        ways += [clause(user) for clause, _ in _extra_visibility]
        base = or_(*ways) if ways else false()
    if user.organisation.type in LAW_ENFORCEMENT_TYPES:
        base = and_(
            base,
            or_(
                Case.identifying_organisation_id == user.organisation_id,
                Case.share_with_law_enforcement.is_(True),
            ),
        )
    return base


def can_edit(user: User, case: Case) -> bool:
    """Change the profile (coded fields) of an open case."""
    if case.stage == Stage.CLOSED:
        return False
    return is_coordinator(user) or (is_frontline(user) and of_identifying_organisation(user, case))


def can_record_consent(user: User, case: Case) -> bool:
    return can_edit(user, case)


def can_log_indicator(user: User, case: Case) -> bool:
    return (
        case.stage != Stage.CLOSED and user.can(Permission.INDICATOR_LOG) and can_view(user, case)
    )


def can_retract(user: User, case: Case, observation) -> bool:
    if observation.retracted_at is not None or case.stage == Stage.CLOSED:
        return False
    if is_coordinator(user):
        return True
    return is_frontline(user) and user.organisation_id == observation.organisation_id


def can_see_reasons(user: User, case: Case) -> bool:
    """The reasons given for decisions are for those who run the case, not for providers."""
    return (
        is_coordinator(user)
        or user.role == Role.AUDITOR
        or (is_frontline(user) and of_identifying_organisation(user, case))
    )


def can_see_note(user: User, observation) -> bool:
    """Notes written by health organisations are health data."""
    if not observation.is_health_data:
        return True
    return user.role in (Role.HEALTH, Role.COORDINATOR, Role.AUDITOR)


_ACTORS: dict[str, Callable[[User, Case], bool]] = {
    IDENTIFYING_FRONTLINE: lambda u, c: is_frontline(u) and of_identifying_organisation(u, c),
    IDENTIFYING_PUBLIC_AUTHORITY: lambda u, c: (
        is_frontline(u) and of_identifying_organisation(u, c) and u.organisation.is_public_authority
    ),
    IDENTIFYING_ORGANISATION: lambda u, c: (
        u.role not in (Role.AUDITOR, Role.ADMIN) and of_identifying_organisation(u, c)
    ),
    COORDINATOR: lambda u, c: is_coordinator(u),
}


def may_fire(user: User, case: Case, trigger: str) -> bool:
    """Whether the user's role and organisation allow this trigger on this case."""
    spec = TRIGGERS.get(trigger)
    if spec is None or not can_view(user, case):
        return False
    return any(_ACTORS[who](user, case) for who in spec["who"])


def _state_allows(case: Case, trigger: str) -> bool:
    """Guards that depend only on the case (not on the user's input), checked in advance
    so that no action is offered that is bound to fail."""
    negative = case.closure_reason in ("negative_rg", "negative_cg")
    if trigger == "reconsider":
        return negative
    if trigger == "reopen":
        withdrawn = case.closure_reason == "consent_withdrawn"
        return case.closed_from is not None and not negative and not withdrawn
    if trigger in ("notify", "withdraw_consent"):
        return not case.is_child
    return True


def allowed_triggers(user: User, case: Case) -> list[str]:
    """What the user may do now: the stage allows it and the user is one who may."""
    return [
        t for t in triggers_from(case.stage) if _state_allows(case, t) and may_fire(user, case, t)
    ]
