"""The NRM process as data: stages, triggers, guards, effects and who may fire each trigger.

One `Machine` serves every case (`model=None`): a trigger is fired with
`MACHINE.events[trigger].trigger(case, **data)` inside the request's unit of work.
Guards whose name starts with `check_` raise a `GuardFailed` with a specific code;
guards named `is_`/`closed_` choose between the destinations of one trigger.
"""

from enum import Enum

from flask_babel import lazy_gettext as _l
from transitions import Machine


class Stage(Enum):
    IDENTIFIED = "identified"
    NOTIFIED = "notified"
    REFERRED = "referred"
    RECOVERY = "recovery"
    REHABILITATION = "rehabilitation"
    CLOSED = "closed"


STAGE_LABELS = {
    Stage.IDENTIFIED: _l("Identified"),
    Stage.NOTIFIED: _l("Anonymous notification"),
    Stage.REFERRED: _l("Referred, awaiting reasonable-grounds decision"),
    Stage.RECOVERY: _l("Recovery and reflection period"),
    Stage.REHABILITATION: _l("Rehabilitation"),
    Stage.CLOSED: _l("Closed"),
}

# Who may fire a trigger; checked before the machine runs (see referral.cases.policy).
IDENTIFYING_FRONTLINE = "identifying_frontline"
IDENTIFYING_PUBLIC_AUTHORITY = "identifying_public_authority"
IDENTIFYING_ORGANISATION = "identifying_organisation"
COORDINATOR = "coordinator"

ACTOR_LABELS = {
    IDENTIFYING_FRONTLINE: _l("a frontline user of the identifying organisation"),
    IDENTIFYING_PUBLIC_AUTHORITY: _l(
        "a frontline user of the identifying organisation, if it is a public authority"
    ),
    IDENTIFYING_ORGANISATION: _l("a user of the identifying organisation"),
    COORDINATOR: _l("a coordinator"),
}

# For each trigger: its label, who may fire it, whether it takes an outcome (positive or
# negative) and what kind of reason: free text (screened) or a closure-reason code.
TRIGGERS = {
    "refer": {
        "label": _l("Refer into the NRM"),
        "who": (IDENTIFYING_FRONTLINE,),
        "outcome": False,
        "reason": None,
    },
    "notify": {
        "label": _l("File an anonymous notification"),
        "who": (IDENTIFYING_PUBLIC_AUTHORITY,),
        "outcome": False,
        "reason": None,
    },
    "reasonable_grounds": {
        "label": _l("Record the reasonable-grounds decision"),
        "who": (COORDINATOR,),
        "outcome": True,
        "reason": "text",
    },
    "conclusive_grounds": {
        "label": _l("Record the conclusive-grounds decision"),
        "who": (COORDINATOR,),
        "outcome": True,
        "reason": "text",
    },
    "reconsider": {
        "label": _l("Reconsider a negative decision"),
        "who": (COORDINATOR, IDENTIFYING_ORGANISATION),
        "outcome": False,
        "reason": "text",
    },
    "withdraw_consent": {
        "label": _l("Record that consent was withdrawn"),
        "who": (IDENTIFYING_FRONTLINE, COORDINATOR),
        "outcome": False,
        "reason": None,
    },
    "close": {
        "label": _l("Close the case"),
        "who": (COORDINATOR,),
        "outcome": False,
        "reason": "code",
    },
    "reopen": {
        "label": _l("Reopen the case"),
        "who": (COORDINATOR,),
        "outcome": False,
        "reason": "text",
    },
}

S = Stage
_DECISION = ["check_reason", "check_outcome"]

TRANSITIONS = [
    {
        "trigger": "refer",
        "source": [S.IDENTIFIED, S.NOTIFIED],
        "dest": S.REFERRED,
        "conditions": ["check_indicator_logged", "check_consent_given"],
        "after": "start_rg_clock",
    },
    {
        "trigger": "notify",
        "source": S.IDENTIFIED,
        "dest": S.NOTIFIED,
        "conditions": ["check_adult", "check_consent_refused"],
    },
    {
        "trigger": "reasonable_grounds",
        "source": S.REFERRED,
        "dest": S.RECOVERY,
        "conditions": [*_DECISION, "is_positive"],
        "after": "record_rg_decision",
    },
    {
        "trigger": "reasonable_grounds",
        "source": S.REFERRED,
        "dest": S.CLOSED,
        "conditions": [*_DECISION, "is_negative"],
        "after": ["record_rg_decision", "record_negative_closure"],
    },
    {
        "trigger": "conclusive_grounds",
        "source": S.RECOVERY,
        "dest": S.REHABILITATION,
        "conditions": [*_DECISION, "check_recovery_period_over", "is_positive"],
        "after": "record_cg_decision",
    },
    {
        "trigger": "conclusive_grounds",
        "source": S.RECOVERY,
        "dest": S.CLOSED,
        "conditions": [*_DECISION, "check_recovery_period_over", "is_negative"],
        "after": ["record_cg_decision", "record_negative_closure"],
    },
    {
        "trigger": "reconsider",
        "source": S.CLOSED,
        "dest": S.REFERRED,
        "conditions": ["check_reason", "check_closed_after_negative_decision", "closed_by_rg"],
        "after": "record_reconsideration",
    },
    {
        "trigger": "reconsider",
        "source": S.CLOSED,
        "dest": S.RECOVERY,
        "conditions": ["check_reason", "check_closed_after_negative_decision", "closed_by_cg"],
        "after": "record_reconsideration",
    },
    {
        "trigger": "withdraw_consent",
        "source": [S.REFERRED, S.RECOVERY, S.REHABILITATION],
        "dest": S.CLOSED,
        "conditions": ["check_adult"],
        "after": "record_consent_withdrawal",
    },
    {
        "trigger": "close",
        "source": [S.RECOVERY, S.REHABILITATION],
        "dest": S.CLOSED,
        "conditions": ["check_closure_reason"],
        "after": "record_closure",
    },
    *[
        {
            "trigger": "reopen",
            "source": S.CLOSED,
            "dest": stage,
            "conditions": [
                "check_reason",
                "check_not_after_negative_decision",
                "check_consent_not_withdrawn",
                f"closed_from_{name}",
            ],
            "after": "record_reopening",
        }
        for name, stage in (
            ("referred", S.REFERRED),
            ("recovery", S.RECOVERY),
            ("rehabilitation", S.REHABILITATION),
        )
    ],
]

MACHINE = Machine(
    model=None,
    states=Stage,
    transitions=TRANSITIONS,
    initial=Stage.IDENTIFIED,
    auto_transitions=False,
    send_event=True,
    model_attribute="stage",
)


class GuardFailed(Exception):
    """A guard refused the transition; `code` is stable, `message` is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def triggers_from(stage: Stage) -> list[str]:
    return [trigger for trigger in TRIGGERS if MACHINE.events[trigger].transitions.get(stage.name)]
