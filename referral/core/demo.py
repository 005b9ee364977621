"""Demo data: partner organisations of each main kind and one account per role."""

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from referral.admin.operations import (
    OrganisationData,
    UserData,
    create_user,
    find_organisation,
    save_organisation,
)
from referral.auth.models import User
from referral.extensions import db
from referral.organisations.models import OrganisationType as T
from referral.organisations.models import Service as S
from referral.permissions import Role

DEMO_PASSWORD = "nrm-demo-password"  # noqa: S105 - documented in the README, demo only

DEMO_ORGANISATIONS = [
    OrganisationData("National NRM Office", T.COMPETENT_AUTHORITY, "Capital", True),
    OrganisationData("Central District Police", T.POLICE, "Capital", True, (S.INVESTIGATION,)),
    OrganisationData("State Labour Inspectorate", T.LABOUR_INSPECTORATE, "Capital", True),
    OrganisationData(
        "City Hospital No. 1", T.HEALTH, "Capital", True, (S.MEDICAL, S.PSYCHOLOGICAL)
    ),
    OrganisationData(
        "Safe Harbour",
        T.NGO,
        "Capital",
        False,
        (S.SHELTER, S.PSYCHOLOGICAL, S.INTERPRETATION, S.RETURN),
    ),
    OrganisationData("Legal Aid Centre", T.NGO, "North", False, (S.LEGAL,)),
    OrganisationData(
        "Municipal Social Services",
        T.SOCIAL_SERVICES,
        "North",
        True,
        (S.FINANCIAL, S.EMPLOYMENT, S.EDUCATION),
    ),
    OrganisationData("Riverside Secondary School", T.EDUCATION, "North", True),
    OrganisationData("Builders' Trade Union", T.TRADE_UNION, "South"),
    OrganisationData("State Audit Chamber", T.AUDIT_BODY, "Capital", True),
]

DEMO_USERS = [
    ("police@example.org", Role.POLICE, "Central District Police"),
    ("inspector@example.org", Role.LABOUR_INSPECTOR, "State Labour Inspectorate"),
    ("doctor@example.org", Role.HEALTH, "City Hospital No. 1"),
    ("ngo@example.org", Role.NGO, "Safe Harbour"),
    ("teacher@example.org", Role.PARTNER, "Riverside Secondary School"),
    ("coordinator@example.org", Role.COORDINATOR, "National NRM Office"),
    ("auditor@example.org", Role.AUDITOR, "State Audit Chamber"),
    ("admin@example.org", Role.ADMIN, "National NRM Office"),
]
DEMO_EMAILS = frozenset(email for email, _, _ in DEMO_USERS)


def real_user_count() -> int:
    return db.session.scalar(select(func.count(User.id)).where(User.email.not_in(DEMO_EMAILS))) or 0


def load_demo_data() -> int:
    """Create what is missing; returns the number of accounts created."""
    for data in DEMO_ORGANISATIONS:
        if find_organisation(data.name) is None:
            save_organisation(data)
    created = 0
    for email, role, org_name in DEMO_USERS:
        if db.session.scalar(select(User).where(User.email == email)) is None:
            organisation = find_organisation(org_name)
            assert organisation is not None
            create_user(UserData(email, role, organisation.id, "en"), DEMO_PASSWORD)
            created += 1
    return created


@click.command("demo", help="Load demo organisations and one account per role.")
@click.option("--force", is_flag=True, help="Load even though real accounts exist.")
@click.option("--if-empty", is_flag=True, help="Do nothing when any account exists.")
@with_appcontext
def demo_command(force: bool, if_empty: bool) -> None:
    if if_empty and db.session.scalar(select(func.count(User.id))):
        return
    if real_user_count() and not force:
        raise click.ClickException(
            "This database has real accounts; demo data was not loaded (use --force)."
        )
    created = load_demo_data()
    db.session.commit()
    click.echo(f"Demo data loaded: {created} accounts created.")
    click.echo(f"Every demo account uses the password: {DEMO_PASSWORD}")
    for email, role, org_name in DEMO_USERS:
        click.echo(f"  {email:<26} {role:<17} {org_name}")
