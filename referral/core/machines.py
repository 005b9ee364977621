"""Running a trigger of one of the state machines in workflows/, with the same errors for all."""

from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError
from transitions import Machine, MachineError

from referral.core.exceptions import Conflict, DomainError
from referral.extensions import db
from workflows.nrm import GuardFailed


class TransitionNotAllowed(DomainError):
    status = 409
    code = "transition_not_allowed"


class GuardRefused(DomainError):
    """A guard of a state machine refused; the code names the rule."""


def run_trigger(machine: Machine, trigger: str, model: object, data: object) -> None:
    """Fire `trigger` on `model` (whose state the machine reads), then flush.

    Raises TransitionNotAllowed (409) when the current state has no such step,
    GuardRefused (422, with the guard's code) when a guard says no, and Conflict (409)
    when someone else changed the row in the meantime.
    """
    not_possible = _("This action is not possible in the current state.")
    try:
        moved = machine.events[trigger].trigger(model, data=data)
    except MachineError as error:
        raise TransitionNotAllowed(not_possible) from error
    except GuardFailed as failed:
        raise GuardRefused(failed.message, failed.code) from failed
    if not moved:
        raise TransitionNotAllowed(not_possible)
    flush_or_conflict()


def flush_or_conflict() -> None:
    """Flush; a row changed by someone else since it was read becomes a Conflict."""
    try:
        db.session.flush()
    except StaleDataError as error:
        raise Conflict(_("Someone else changed this record. Reload it and try again.")) from error
