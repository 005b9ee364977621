"""`flask users ...`: accounts and API tokens from the command line."""

import click
from flask.cli import with_appcontext

from referral.admin.operations import UserData, create_user, find_organisation
from referral.auth.operations import find_user_by_email
from referral.auth.sessions import issue_api_token, revoke_api_tokens
from referral.core.exceptions import InvalidInput
from referral.extensions import db
from referral.permissions import Role


@click.group("users", help="Manage accounts and API tokens.")
def users_cli() -> None:
    pass


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, help="One of: " + ", ".join(Role))
@click.option("--org", "org_name", required=True, help="Organisation name.")
@click.option("--password", help="Prompted for when not given.")
@click.option("--locale", default="en", show_default=True)
@with_appcontext
def create(email: str, role: str, org_name: str, password: str | None, locale: str):
    organisation = find_organisation(org_name)
    if organisation is None:
        raise click.ClickException(f"Unknown organisation: {org_name}")
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    data = UserData(email=email, role=role, organisation_id=organisation.id, locale=locale)
    try:
        user = create_user(data, password)
    except InvalidInput as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Created user {user.id}: {user.email} ({user.role}, {organisation.name})")


@users_cli.command("token")
@click.argument("email")
@with_appcontext
def token(email: str):
    """Print a new personal API token for EMAIL. It is shown once and stored hashed."""
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"Unknown user: {email}")
    if not user.is_active:
        raise click.ClickException(f"The account {user.email} is disabled.")
    value = issue_api_token(user)
    db.session.commit()
    click.echo(value)


@users_cli.command("revoke-tokens")
@click.argument("email")
@with_appcontext
def revoke_tokens(email: str):
    """Revoke every API token of EMAIL (for example when a partner system is retired)."""
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"Unknown user: {email}")
    count = revoke_api_tokens(user)
    db.session.commit()
    click.echo(f"Revoked {count} token(s) of {user.email}.")
