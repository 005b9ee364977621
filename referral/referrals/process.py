"""Guards and effects of the service-referral machine (see workflows/service_referral.py)."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from workflows.nrm import GuardFailed

OUTCOMES = {
    "delivered": _l("Delivered"),
    "partially": _l("Partially delivered"),
    "not_delivered": _l("Not delivered"),
}


@dataclass(frozen=True)
class ReferralInput:
    now: datetime
    actor_id: int
    reason: str | None = None
    outcome: str | None = None
    note: str | None = None


def _input(event) -> ReferralInput:
    return event.kwargs["data"]


class ReferralProcess:
    def check_reason(self, event) -> bool:
        if not (_input(event).reason or "").strip():
            raise GuardFailed("reason_required", _("Give the reason."))
        return True

    def check_outcome(self, event) -> bool:
        if _input(event).outcome not in OUTCOMES:
            raise GuardFailed("outcome_required", _("Choose whether the service was delivered."))
        return True

    def record_acceptance(self, event) -> None:
        data = _input(event)
        self.answered_at, self.answered_by_id = data.now, data.actor_id

    def record_answer(self, event) -> None:
        data = _input(event)
        self.answered_at, self.answered_by_id = data.now, data.actor_id
        self.decline_reason = data.reason

    def record_completion(self, event) -> None:
        data = _input(event)
        self.completed_at, self.outcome, self.outcome_note = data.now, data.outcome, data.note

    def record_cancellation(self, event) -> None:
        data = _input(event)
        self.cancelled_at, self.cancel_reason = data.now, data.reason
