"""``hub deadletters list`` and ``hub search``: the console's dead-letter and search pages in a terminal.

Both read through :class:`hub.service.queries.Queries`, with the console's filters, for
all municipalities (the terminal runs with the database's credentials, not an operator's scope).
"""

from __future__ import annotations

import json

import click
from rich.table import Table

from hub.cli.context import console, moment, open_hub
from hub.service.queries import ERROR_KINDS


@click.group("deadletters")
def deadletters() -> None:
    """Dead letters: deliveries that failed for good, with the receiver's reason."""


@deadletters.command("list")
@click.option("--destination")
@click.option("--municipality", help="AGS")
@click.option("--service")
@click.option("--error-kind", type=click.Choice(ERROR_KINDS), help="refused (4xx) or exhausted (retries used up)")
@click.option("--since", help="Died at or after this ISO time (with timezone).")
@click.option("--until", help="Died before this ISO time (with timezone).")
@click.option("--limit", default=200, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def deadletters_list(
    destination: str | None,
    municipality: str | None,
    service: str | None,
    error_kind: str | None,
    since: str | None,
    until: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """Newest first; replay them with 'hub replay'."""
    hub = open_hub()
    letters = hub.services.queries.dead_letters(
        municipalities=None,
        destination=destination,
        municipality=municipality,
        service=service,
        error_kind=error_kind,
        since=moment(since),
        until=moment(until),
        limit=limit,
    )
    hub.close()
    if as_json:
        for d in letters:
            click.echo(json.dumps({**d.__dict__, "error_kind": d.error_kind}, default=str, ensure_ascii=False))
        return
    table = Table("delivery", "submission", "destination", "municipality", "service", "attempts", "died", "kind",
                  "reason")  # fmt: skip
    for d in letters:
        died = d.dead_at.isoformat(timespec="seconds") if d.dead_at else ""
        table.add_row(d.id, d.submission_id, d.destination_id, d.municipality, d.service, str(d.attempts), died,
                      d.error_kind, d.last_error or "")  # fmt: skip
    console.print(table)
    console.print(f"{len(letters)} dead letters")


@click.command("search")
@click.argument("text", required=False)
@click.option("--municipality", help="AGS")
@click.option("--service")
@click.option("--limit", default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def search(text: str | None, municipality: str | None, service: str | None, limit: int, as_json: bool) -> None:
    """Submissions by id, idempotency key or portal reference (TEXT, exact), municipality, service."""
    if not (text or municipality or service):
        raise click.UsageError("give TEXT (id, idempotency key, portal reference), --municipality or --service")
    hub = open_hub()
    hits = hub.services.queries.search(
        municipalities=None, text=text, municipality=municipality, service=service, limit=limit
    )
    hub.close()
    if as_json:
        for h in hits:
            click.echo(json.dumps(h.__dict__, default=str, ensure_ascii=False))
        return
    table = Table("submission", "service", "municipality", "status", "idempotency key", "portal reference", "received")
    for h in hits:
        table.add_row(h.id, h.service, h.municipality, h.status, h.idempotency_key or "", h.portal_reference or "",
                      h.received_at.isoformat(timespec="seconds"))  # fmt: skip
    console.print(table)
    console.print(f"{len(hits)} found")
