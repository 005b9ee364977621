"""`flask audit checkpoint` and `flask audit verify`."""

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from referral.audit.chain import Checkpoint, current_checkpoint
from referral.audit.operations import run_verification


@click.group("audit", help="Checkpoint and verify the tamper-evident audit trail.")
def audit_cli() -> None:
    pass


@audit_cli.command("checkpoint")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def checkpoint(output: Path | None) -> None:
    """Write a signed statement of (entry count, head hash, time); keep it outside the system."""
    text = current_checkpoint().to_json()
    if output:
        output.write_text(text)
        click.echo(f"Checkpoint written to {output}", err=True)
    else:
        click.echo(text, nl=False)


@audit_cli.command("verify")
@click.option(
    "--checkpoint",
    "checkpoint_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@with_appcontext
def verify(checkpoint_files: tuple[Path, ...]) -> None:
    """Recompute the whole chain; exit 0 when intact, 1 naming the first bad entry."""
    try:
        checkpoints = [Checkpoint.from_json(p.read_text()) for p in checkpoint_files]
    except (ValueError, KeyError) as error:
        raise click.ClickException(f"Unreadable checkpoint file: {error}") from error
    result = run_verification(checkpoints)
    if result.ok:
        click.echo(f"Audit chain intact: {result.entries} entries.")
        return
    click.echo(
        f"Audit chain BROKEN at entry {result.first_bad_seq}: {result.problem} "
        f"({result.entries} entries verified before it).",
        err=True,
    )
    sys.exit(1)
