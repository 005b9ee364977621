"""Audit entries store codes; these turn them into sentences in the reader's language."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from referral.audit.models import AuditEntry
from referral.cases.vocabulary import (
    CLOSURE_REASONS,
    CONSENT_STATUSES,
    OUTCOMES,
    SYSTEM_CLOSURE_REASONS,
)
from workflows.nrm import STAGE_LABELS, TRIGGERS, Stage

ACTION_LABELS = {
    "auth.login": _l("Signed in"),
    "auth.login_failed": _l("Failed to sign in"),
    "auth.throttled": _l("Sign-in refused: too many failed attempts"),
    "auth.logout": _l("Signed out"),
    "auth.session_ended": _l("Session ended"),
    "auth.password_changed": _l("Password changed"),
    "access.refused": _l("Access refused"),
    "case.created": _l("Recorded the case"),
    "case.updated": _l("Changed the case profile"),
    "case.viewed": _l("Viewed the case"),
    "case.listed": _l("Listed or searched cases"),
    "case.history_viewed": _l("Viewed the case history"),
    "case.viewers_viewed": _l("Viewed who has seen the case"),
    "case.transition": _l("Moved the case to another stage"),
    "indicator.logged": _l("Logged an indicator"),
    "indicator.retracted": _l("Retracted an indicator"),
    "consent.recorded": _l("Recorded consent"),
    "organisation.created": _l("Created an organisation"),
    "organisation.updated": _l("Changed an organisation"),
    "user.created": _l("Created an account"),
    "user.updated": _l("Changed an account"),
    "token.created": _l("Issued an API token"),
    "token.revoked": _l("Revoked an API token"),
    "information.requested": _l("Asked the identifying organisation for information"),
    "information.answered": _l("Answered a request for information"),
    "referral.created": _l("Referred the person to a service"),
    "referral.viewed": _l("Viewed a service referral"),
    "referral.listed": _l("Listed service referrals"),
    "referral.accepted": _l("Accepted a service referral"),
    "referral.declined": _l("Declined a service referral"),
    "referral.completed": _l("Completed a service"),
    "referral.cancelled": _l("Cancelled a service referral"),
    "case.owner_assigned": _l("Assigned the case owner"),
    "notification.read": _l("Read a notification"),
    "organisation.capacity_set": _l("Stated a capacity"),
    "audit.searched": _l("Searched the audit log"),
    "audit.exported": _l("Exported the audit log"),
    "audit.verified": _l("Verified the audit chain"),
}

SESSION_END_REASONS = {
    "idle": _l("idle too long"),
    "absolute": _l("maximum session length reached"),
    "disabled": _l("account disabled"),
}

PROBLEMS = {
    "entry_missing": _l("an entry is missing"),
    "order": _l("entries are out of order"),
    "entry_altered": _l("an entry was altered"),
    "chain_broken": _l("the chain is broken"),
    "column_differs": _l("a stored column differs from the hashed content"),
    "tail_missing": _l("entries at the end are missing"),
    "truncated_behind_checkpoint": _l("entries vouched for by a checkpoint are missing"),
    "differs_from_checkpoint": _l("the chain differs from a checkpoint"),
    "checkpoint_signature_invalid": _l("a checkpoint's signature is invalid"),
}


def _stage(value: str | None) -> str:
    try:
        return str(STAGE_LABELS[Stage(value)])
    except ValueError:
        return value or ""


def describe(entry: AuditEntry, details: dict) -> str:
    """One sentence for a person, from the entry's codes."""
    label = str(ACTION_LABELS.get(entry.action, entry.action))
    action = entry.action
    if action == "case.transition":
        trigger = TRIGGERS.get(details.get("trigger"), {}).get("label", details.get("trigger"))
        text = _(
            "%(step)s: %(old)s → %(new)s",
            step=trigger,
            old=_stage(details.get("from")),
            new=_stage(details.get("to")),
        )
        if details.get("outcome"):
            text += f" ({OUTCOMES.get(details['outcome'], details['outcome'])})"
        reason = details.get("closure_reason")
        if reason:
            reasons = {**CLOSURE_REASONS, **SYSTEM_CLOSURE_REASONS}
            text += f" · {reasons.get(reason, reason)}"
        return text
    if action in ("indicator.logged", "indicator.retracted"):
        return f"{label}: {details.get('code')}"
    if action == "consent.recorded":
        status = (details.get("status") or {}).get("new")
        return f"{label}: {CONSENT_STATUSES.get(status, status)}"
    if action == "case.updated":
        return f"{label}: {', '.join(sorted(details))}"
    if action == "access.refused":
        return f"{label} ({details.get('status')})"
    if action == "auth.session_ended":
        reason = details.get("reason")
        return f"{label}: {SESSION_END_REASONS.get(reason, reason)}"
    if action == "audit.verified" and not details.get("ok"):
        problem = PROBLEMS.get(details.get("problem"), details.get("problem"))
        return f"{label}: {problem} (#{details.get('first_bad_seq')})"
    return label
