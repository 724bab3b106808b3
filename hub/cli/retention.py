"""``hub purge`` and ``hub erase``: the retention rules carried out now, and erasure on request."""

from __future__ import annotations

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hub.cli.context import cli_actor, console, open_hub


@click.command()
@click.option("--dry-run", is_flag=True, help="Only say which submissions' content and records would go.")
def purge(dry_run: bool) -> None:
    """Remove the personal content and records whose retention period is over (region.yaml retention).

    The worker processes do this by themselves every HUB_PURGE_INTERVAL_SECONDS; this runs a pass now.
    """
    hub = open_hub(migrate=False)
    try:
        columns = (TextColumn("purging content"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, disable=dry_run) as progress:
            task = progress.add_task("purge", total=None)
            report = hub.services.retention.run(
                actor=cli_actor(), dry_run=dry_run, progress=lambda n: progress.advance(task, n)
            )
    finally:
        hub.close()
    verb = "would lose" if dry_run else "lost"
    click.echo(f"{len(report.content)} submissions {verb} their content; {len(report.records)} records "
               f"{'would be' if dry_run else 'were'} deleted")  # fmt: skip
    for submission_id in report.content:
        click.echo(f"content {submission_id}")
    for submission_id in report.records:
        click.echo(f"record {submission_id}")


@click.command()
@click.argument("submission_id")
@click.option("--reason", required=True, help="Why (e.g. the applicant's request of 2026-12-01, ticket 4711).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase(submission_id: str, reason: str, yes: bool) -> None:
    """Remove a submission's personal content at once; deliveries not yet made are cancelled."""
    if not yes:
        click.confirm(f"Erase the content of {submission_id} now? This cannot be undone", abort=True)
    from hub.service.retention import SubmissionNotFound

    hub = open_hub(migrate=False)
    try:
        cancelled = hub.services.retention.erase(submission_id, actor=cli_actor(), reason=reason)
    except SubmissionNotFound:
        raise click.ClickException(f"no submission {submission_id}") from None
    finally:
        hub.close()
    if cancelled is None:
        click.echo(f"{submission_id}: its content was already gone")
        return
    click.echo(f"{submission_id}: content erased; {len(cancelled)} deliveries cancelled")
    for delivery_id in cancelled:
        click.echo(f"cancelled {delivery_id}")
