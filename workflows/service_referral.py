"""A service referral's own small process, as data (same pattern as workflows/nrm.py)."""

from enum import Enum

from flask_babel import lazy_gettext as _l
from transitions import Machine


class ReferralStatus(Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    COMPLETED = "completed"
    DECLINED = "declined"
    CANCELLED = "cancelled"


STATUS_LABELS = {
    ReferralStatus.PENDING: _l("Waiting for the provider's answer"),
    ReferralStatus.ACCEPTED: _l("Accepted, in progress"),
    ReferralStatus.COMPLETED: _l("Completed"),
    ReferralStatus.DECLINED: _l("Declined"),
    ReferralStatus.CANCELLED: _l("Cancelled"),
}

# Statuses in which the provider organisation may see the case.
PROVIDER_SEES_CASE = (ReferralStatus.PENDING, ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED)
OPEN_STATUSES = (ReferralStatus.PENDING, ReferralStatus.ACCEPTED)

PROVIDER = "provider"
COORDINATOR = "coordinator"

ACTIONS = {
    "accept": {"label": _l("Accept"), "who": PROVIDER},
    "decline": {"label": _l("Decline"), "who": PROVIDER},
    "complete": {"label": _l("Record the service as completed"), "who": PROVIDER},
    "cancel": {"label": _l("Cancel the referral"), "who": COORDINATOR},
}

R = ReferralStatus
TRANSITIONS = [
    {"trigger": "accept", "source": R.PENDING, "dest": R.ACCEPTED, "after": "record_acceptance"},
    {
        "trigger": "decline",
        "source": R.PENDING,
        "dest": R.DECLINED,
        "conditions": ["check_reason"],
        "after": "record_answer",
    },
    {
        "trigger": "complete",
        "source": R.ACCEPTED,
        "dest": R.COMPLETED,
        "conditions": ["check_outcome"],
        "after": "record_completion",
    },
    {
        "trigger": "cancel",
        "source": [R.PENDING, R.ACCEPTED],
        "dest": R.CANCELLED,
        "conditions": ["check_reason"],
        "after": "record_cancellation",
    },
]

MACHINE = Machine(
    model=None,
    states=ReferralStatus,
    transitions=TRANSITIONS,
    initial=ReferralStatus.PENDING,
    auto_transitions=False,
    send_event=True,
    model_attribute="status",
)
