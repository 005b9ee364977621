"""Who may do what: roles and their permissions, as data a person can read.

This table is the single source of truth. It is shown to every signed-in user on the
"Roles and permissions" page and enforced on the server for every route: a route that
declares no permission (and is not explicitly public) refuses everyone.
"""

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    POLICE = "police"
    LABOUR_INSPECTOR = "labour_inspector"
    HEALTH = "health"
    NGO = "ngo"
    PARTNER = "partner"
    COORDINATOR = "coordinator"
    AUDITOR = "auditor"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.POLICE: _l("Police officer"),
    Role.LABOUR_INSPECTOR: _l("Labour inspector"),
    Role.HEALTH: _l("Doctor or health worker"),
    Role.NGO: _l("NGO worker"),
    Role.PARTNER: _l("Other frontline partner"),
    Role.COORDINATOR: _l("NRM coordinator"),
    Role.AUDITOR: _l("Auditor"),
    Role.ADMIN: _l("Administrator"),
}

ROLE_DESCRIPTIONS = {
    Role.POLICE: _l("Police units, including community policing, cybercrime and financial crime."),
    Role.LABOUR_INSPECTOR: _l("Labour inspectorates that meet workers at their workplaces."),
    Role.HEALTH: _l("Doctors, nurses and other health workers."),
    Role.NGO: _l("Non-governmental organisations that find and support victims."),
    Role.PARTNER: _l(
        "Teachers, social workers, municipal officers, trade unions, religious and community "
        "workers, businesses."
    ),
    Role.COORDINATOR: _l("The competent authority that decides and coordinates cases."),
    Role.AUDITOR: _l("Reviews, read-only, who did what and who saw what."),
    Role.ADMIN: _l("Manages organisations and accounts; sees no case content."),
}

# Frontline partners notice signs of trafficking and bring a case into the mechanism.
FRONTLINE_ROLES = frozenset(
    {Role.POLICE, Role.LABOUR_INSPECTOR, Role.HEALTH, Role.NGO, Role.PARTNER}
)


class Permission(StrEnum):
    USE_APP = "use_app"
    CASE_CREATE = "case_create"
    CASE_VIEW = "case_view"
    INDICATOR_LOG = "indicator_log"
    CASE_WORK = "case_work"
    CASE_DECIDE = "case_decide"
    REFERRAL_ANSWER = "referral_answer"
    AUDIT_VIEW = "audit_view"
    MANAGE_ORGANISATIONS = "manage_organisations"
    MANAGE_USERS = "manage_users"


PERMISSION_LABELS = {
    Permission.USE_APP: _l(
        "Sign in, see their own work, the roles of every partner and the NRM workflow"
    ),
    Permission.CASE_CREATE: _l("Record a new anonymised case"),
    Permission.CASE_VIEW: _l(
        "Read the cases they need to know: frontline partners their organisation's cases, "
        "providers the cases sent to them, coordinators and auditors all cases"
    ),
    Permission.INDICATOR_LOG: _l("Log the indicators of trafficking they observed"),
    Permission.CASE_WORK: _l(
        "Work on a case they may see: edit its profile, record consent, retract indicators, "
        "take the steps of the process that their role allows"
    ),
    Permission.CASE_DECIDE: _l(
        "Take the reasonable-grounds and conclusive-grounds decisions, close and reopen cases, "
        "refer the person to service providers, assign case owners"
    ),
    Permission.REFERRAL_ANSWER: _l(
        "Accept, decline and complete the service referrals sent to their organisation; "
        "state its capacity"
    ),
    Permission.AUDIT_VIEW: _l(
        "Search and export the audit log, see who has seen a case, verify the audit chain"
    ),
    Permission.MANAGE_ORGANISATIONS: _l("Create, edit and deactivate partner organisations"),
    Permission.MANAGE_USERS: _l("Create, edit and disable accounts; reset passwords"),
}

_FRONTLINE = frozenset(
    {
        Permission.USE_APP,
        Permission.CASE_CREATE,
        Permission.CASE_VIEW,
        Permission.INDICATOR_LOG,
        Permission.CASE_WORK,
        Permission.REFERRAL_ANSWER,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.POLICE: _FRONTLINE,
    Role.LABOUR_INSPECTOR: _FRONTLINE,
    Role.HEALTH: _FRONTLINE,
    Role.NGO: _FRONTLINE,
    Role.PARTNER: _FRONTLINE,
    Role.COORDINATOR: frozenset(
        {Permission.USE_APP, Permission.CASE_VIEW, Permission.CASE_WORK, Permission.CASE_DECIDE}
    ),
    Role.AUDITOR: frozenset({Permission.USE_APP, Permission.CASE_VIEW, Permission.AUDIT_VIEW}),
    Role.ADMIN: frozenset(
        {Permission.USE_APP, Permission.MANAGE_ORGANISATIONS, Permission.MANAGE_USERS}
    ),
}


def role_has(role: str, permission: Permission) -> bool:
    try:
        return permission in ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False
