"""Guards and effects of the NRM state machine, as methods of the case (see workflows/nrm.py).

The machine passes an EventData whose kwargs hold a TransitionInput: the outcome and
reason given by the user, the time and the policy durations in force.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _

from referral.cases.vocabulary import CLOSURE_REASONS, OUTCOMES
from referral.core.deadlines import add_working_days
from workflows.nrm import GuardFailed, Stage

NEGATIVE_DECISION_CLOSURES = ("negative_rg", "negative_cg")


@dataclass(frozen=True)
class TransitionInput:
    now: datetime
    rg_working_days: int
    recovery_days: int
    outcome: str | None = None
    reason: str | None = None


def _input(event) -> TransitionInput:
    return event.kwargs["data"]


class CaseProcess:
    """Mixed into Case: the machine looks up guard and effect names here."""

    # --- guards that refuse, each with its own code -----------------------------------

    def check_indicator_logged(self, event) -> bool:
        if not self.active_observations:
            raise GuardFailed(
                "indicator_required", _("Log at least one observed indicator before referring.")
            )
        return True

    def check_consent_given(self, event) -> bool:
        if not self.is_child and self.consent_status != "given":
            raise GuardFailed(
                "consent_required",
                _("An adult can be referred only with their consent recorded as given."),
            )
        return True

    def check_consent_refused(self, event) -> bool:
        if self.consent_status != "refused":
            raise GuardFailed(
                "consent_not_refused",
                _("An anonymous notification is for adults who refused consent to be referred."),
            )
        return True

    def check_adult(self, event) -> bool:
        if self.is_child:
            raise GuardFailed("not_for_children", _("This step does not apply to children."))
        return True

    def check_reason(self, event) -> bool:
        if not (_input(event).reason or "").strip():
            raise GuardFailed("reason_required", _("Give the reason for this step."))
        return True

    def check_outcome(self, event) -> bool:
        if _input(event).outcome not in OUTCOMES:
            raise GuardFailed("outcome_required", _("Choose a positive or negative outcome."))
        return True

    def check_recovery_period_over(self, event) -> bool:
        if self.recovery_ends_on and _input(event).now.date() < self.recovery_ends_on:
            raise GuardFailed(
                "recovery_period_running",
                _(
                    "The recovery and reflection period runs until %(date)s; "
                    "the conclusive-grounds decision comes after it.",
                    date=self.recovery_ends_on.isoformat(),
                ),
            )
        return True

    def check_closed_after_negative_decision(self, event) -> bool:
        if self.closure_reason not in NEGATIVE_DECISION_CLOSURES:
            raise GuardFailed(
                "no_negative_decision", _("Only a negative decision can be reconsidered.")
            )
        return True

    def check_not_after_negative_decision(self, event) -> bool:
        if self.closure_reason in NEGATIVE_DECISION_CLOSURES or self.closed_from is None:
            raise GuardFailed(
                "reconsider_instead",
                _("A case closed by a negative decision is reconsidered, not reopened."),
            )
        return True

    def check_consent_not_withdrawn(self, event) -> bool:
        if self.closure_reason == "consent_withdrawn":
            raise GuardFailed(
                "consent_withdrawn",
                _(
                    "The person withdrew consent: the case is not reopened. With new consent, "
                    "record a new case."
                ),
            )
        return True

    def check_closure_reason(self, event) -> bool:
        if _input(event).reason not in CLOSURE_REASONS:
            raise GuardFailed("reason_required", _("Choose the reason for closing the case."))
        return True

    # --- guards that choose between destinations -------------------------------------

    def is_positive(self, event) -> bool:
        return _input(event).outcome == "positive"

    def is_negative(self, event) -> bool:
        return _input(event).outcome == "negative"

    def closed_by_rg(self, event) -> bool:
        return self.closure_reason == "negative_rg"

    def closed_by_cg(self, event) -> bool:
        return self.closure_reason == "negative_cg"

    def closed_from_referred(self, event) -> bool:
        return self.closed_from == Stage.REFERRED

    def closed_from_recovery(self, event) -> bool:
        return self.closed_from == Stage.RECOVERY

    def closed_from_rehabilitation(self, event) -> bool:
        return self.closed_from == Stage.REHABILITATION

    # --- effects ---------------------------------------------------------------------

    def start_rg_clock(self, event) -> None:
        data = _input(event)
        self.referred_at = data.now
        self.rg_due_on = add_working_days(data.now.date(), data.rg_working_days)

    def record_rg_decision(self, event) -> None:
        data = _input(event)
        self.rg_outcome, self.rg_decided_at = data.outcome, data.now
        if data.outcome == "positive":
            self.recovery_ends_on = data.now.date() + timedelta(days=data.recovery_days)

    def record_cg_decision(self, event) -> None:
        data = _input(event)
        self.cg_outcome, self.cg_decided_at = data.outcome, data.now

    def record_negative_closure(self, event) -> None:
        reason = "negative_rg" if self._source(event) == Stage.REFERRED else "negative_cg"
        # closed_from stays empty: a negative decision is reconsidered, never reopened.
        self._close(_input(event).now, reason, None)

    def record_consent_withdrawal(self, event) -> None:
        self.consent_status = "withdrawn"
        self.share_with_law_enforcement = False
        self.consent_recorded_at = _input(event).now
        self._close(_input(event).now, "consent_withdrawn", self._source(event))

    def record_closure(self, event) -> None:
        self._close(_input(event).now, _input(event).reason, self._source(event))

    def record_reconsideration(self, event) -> None:
        self._reopen()
        if self.stage == Stage.REFERRED:
            data = _input(event)
            self.rg_outcome = self.rg_decided_at = self.recovery_ends_on = None
            # A new reasonable-grounds decision is due, on the same clock as a referral.
            self.rg_due_on = add_working_days(data.now.date(), data.rg_working_days)
        else:
            self.cg_outcome = self.cg_decided_at = None

    def record_reopening(self, event) -> None:
        self._reopen()

    def _source(self, event) -> Stage:
        return Stage[event.transition.source]

    def _close(self, now: datetime, reason: str | None, closed_from: Stage | None) -> None:
        self.closed_at, self.closure_reason, self.closed_from = now, reason, closed_from

    def _reopen(self) -> None:
        self.closed_at = self.closure_reason = self.closed_from = None
