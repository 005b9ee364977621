"""`flask orgs ...`: manage partner organisations from the command line."""

import click
from flask.cli import with_appcontext

from referral.admin.operations import OrganisationData, save_organisation
from referral.core.exceptions import InvalidInput
from referral.extensions import db
from referral.organisations.models import OrganisationType, Service


@click.group("orgs", help="Manage partner organisations.")
def orgs_cli() -> None:
    pass


@orgs_cli.command("create")
@click.option("--name", required=True)
@click.option("--type", "type_", required=True, help="One of: " + ", ".join(OrganisationType))
@click.option("--region")
@click.option("--services", default="", help="Comma-separated: " + ", ".join(Service))
@click.option("--public-authority", is_flag=True)
@with_appcontext
def create(name: str, type_: str, region: str | None, services: str, public_authority: bool):
    data = OrganisationData(
        name=name,
        type=type_,
        region=region,
        is_public_authority=public_authority,
        services=tuple(s.strip() for s in services.split(",") if s.strip()),
    )
    try:
        organisation = save_organisation(data)
    except InvalidInput as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Created organisation {organisation.id}: {organisation.name}")
