"""Who passes the coarse permission check of each JSON API route (merged into the matrix).

Written out by hand, like the matrix itself: it mirrors the `@requires` of each view.
Need-to-know for one case (404 for a case the user may not see) is tested in test_api.py.
"""

from referral.permissions import FRONTLINE_ROLES, Role

_EVERY_ROLE = frozenset(str(role) for role in Role)
_FRONTLINE = frozenset(str(role) for role in FRONTLINE_ROLES)
_CASE_READERS = _FRONTLINE | {"coordinator", "auditor"}  # CASE_VIEW
_CASE_WORKERS = _FRONTLINE | {"coordinator"}  # CASE_WORK
_COORDINATOR = frozenset({"coordinator"})  # CASE_DECIDE
_AUDITOR = frozenset({"auditor"})  # AUDIT_VIEW

API_EXPECTED: dict[str, frozenset[str]] = {
    "api.list_cases": _CASE_READERS,
    "api.create_case": _FRONTLINE,  # CASE_CREATE
    "api.get_case": _CASE_READERS,
    "api.update_case": _CASE_WORKERS,
    "api.log_indicator": _FRONTLINE,  # INDICATOR_LOG, as the page
    "api.retract_indicator": _CASE_WORKERS,
    "api.record_consent": _CASE_WORKERS,
    "api.transition": _CASE_WORKERS,
    "api.indicators": _EVERY_ROLE,  # USE_APP
    "api.organisations": _EVERY_ROLE,
    "api.workflow": _EVERY_ROLE,
    "api.openapi": _EVERY_ROLE,
    # The audit trail: CASE_VIEW at the gate, then coordinators and auditors only (the view
    # refuses frontline users with 403 before looking the case up).
    "api.case_history": _COORDINATOR | _AUDITOR,
    "api.audit_search": _AUDITOR,
    "api.audit_verify": _AUDITOR,
    # Service referrals, case owners, the inbox and notifications.
    "api.create_referral": _COORDINATOR,
    "api.list_referrals": _CASE_READERS,
    "api.get_referral": _CASE_READERS,
    "api.accept_referral": _CASE_WORKERS,  # the operation decides provider vs coordinator
    "api.decline_referral": _CASE_WORKERS,
    "api.complete_referral": _CASE_WORKERS,
    "api.cancel_referral": _CASE_WORKERS,
    "api.assign_owner": _COORDINATOR,
    "api.inbox": _EVERY_ROLE,  # USE_APP
    "api.read_notification": _EVERY_ROLE,
}
