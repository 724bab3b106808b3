"""``hub inbound poll|list|show|release|discard``: the inbound mailroom from the terminal (docs/inbound.md).

``poll`` runs one pass over the region's inbound sources now, under the same lease as the worker
processes' schedule: while another process polls, it says so (or waits with ``--wait``).
``list`` and ``show`` read the received cases and the quarantine; ``show --content`` prints the
message itself, personal data, and is recorded in the audit log. ``release`` re-reads a
quarantined message with the current config and schema sets and, if it passes now, makes it a case
delivered to its destinations; ``discard`` takes it out of the quarantine. Both are audited.
"""

from __future__ import annotations

import json
import time

import click
from rich.table import Table

from hub.cli.context import cli_actor, console, open_hub
from hub.service.inbound_cases import NotInQuarantine, ReleaseRefused, UnknownMessage


@click.group("inbound")
def inbound() -> None:
    """Messages received from the inbound sources: cases and quarantine."""


@inbound.command("poll")
@click.option("--source", "only", default=None, help="Poll only this source (its id in region.yaml inbound).")
@click.option("--wait", "wait_seconds", type=float, default=0.0, help="Wait this long for another process's poll.")
def poll(only: str | None, wait_seconds: float) -> None:
    """Poll the inbound sources now: store each waiting message once, then close it at its box."""
    hub = open_hub(migrate=False)
    try:
        if only is not None and only not in hub.region.inbound:
            raise click.BadParameter(f"no inbound source {only!r}", param_hint="--source")
        deadline = time.monotonic() + wait_seconds
        report = hub.inbound.poll(only=only)
        while report.busy and time.monotonic() < deadline:
            time.sleep(0.2)
            report = hub.inbound.poll(only=only)
    finally:
        hub.close()
    if report.busy:
        click.echo("another process is polling the inbound sources now; nothing polled here")
        return
    failed = False
    for source in report.sources:
        line = (f"{source.source_id}: {source.received} received, {source.quarantined} quarantined, "
                f"{source.duplicates} already received")  # fmt: skip
        if source.error:
            failed = True
            line += f"; stopped: {source.error}"
        click.echo(line)
    if failed:
        raise SystemExit(1)


@inbound.command("list")
@click.option("--state", type=click.Choice(["received", "quarantined", "discarded"]), default=None)
@click.option("--source", "source_id", default=None, help="Only this source's messages.")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_messages(state: str | None, source_id: str | None, limit: int, as_json: bool) -> None:
    """The received messages, newest first."""
    hub = open_hub(migrate=False)
    try:
        found = hub.inbound.recent(state=state, source_id=source_id, limit=limit)
    finally:
        hub.close()
    if as_json:
        rows = [
            {
                "id": m.id,
                "source": m.source_id,
                "externalId": m.external_id,
                "municipality": m.municipality,
                "state": m.state,
                "reason": m.reason,
                "standard": m.standard,
                "messageType": m.message_type,
                "size": m.size,
                "receivedAt": m.received_at.isoformat(),
                "closedAt": m.closed_at.isoformat() if m.closed_at else None,
            }
            for m in found
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    table = Table("id", "source", "state", "reason", "standard", "message type", "size", "received", "closed")
    for m in found:
        closed = m.closed_at.isoformat(timespec="seconds") if m.closed_at else ""
        table.add_row(
            m.id, m.source_id, m.state, m.reason or "", m.standard or "", m.message_type or "", str(m.size),
            m.received_at.isoformat(timespec="seconds"), closed,
        )  # fmt: skip
    console.print(table)


@inbound.command("show")
@click.argument("message_id")
@click.option("--content", is_flag=True, help="Also print the message itself (personal data: audited).")
def show(message_id: str, content: bool) -> None:
    """One received message: its transport header, verdict, hashes and attachments."""
    hub = open_hub(migrate=False)
    try:
        found = hub.inbound.show(message_id)
        if found is not None and content:
            hub.audit.record(cli_actor(), "inbound-content-read", target=message_id)
    finally:
        hub.close()
    if found is None:
        raise click.ClickException(f"no inbound message {message_id}")
    s = found.summary
    click.echo(f"id: {s.id}\nsource: {s.source_id}\nplatform message id: {s.external_id}")
    click.echo(f"municipality: {s.municipality}\nstate: {s.state}")
    if s.reason:
        click.echo(f"reason: {s.reason}: {found.detail or ''}")
    click.echo(f"standard: {s.standard or '-'}\nmessage type: {s.message_type or '-'}")
    click.echo(f"nachrichtenUUID: {found.message_uuid or '-'}\nsender: {found.sender or '-'}\nreader: {found.reader}")
    click.echo(f"destinations: {', '.join(found.destinations) or '-'}")
    click.echo(f"submission: {found.submission_id or '-'}")
    click.echo(f"size: {s.size}\nsha256: {found.sha256 or '-'}")
    click.echo(f"received: {s.received_at.isoformat()}\nclosed: {s.closed_at.isoformat() if s.closed_at else '-'}")
    click.echo(f"header: {json.dumps(found.header, ensure_ascii=False)}")
    for part in found.attachments:
        click.echo(f"attachment {part.position}: {part.media_type}, {part.size} bytes, sha256 {part.sha256}")
    if content and found.content is not None:
        click.echo("--- message")
        click.echo(found.content.decode("utf-8", "replace"))


@inbound.command("release")
@click.argument("message_id")
@click.option("--reason", default=None, help="Why it may go now (recorded in the audit log).")
def release(message_id: str, reason: str | None) -> None:
    """Re-check a quarantined message with the current config; if it passes, deliver it as a case."""
    hub = open_hub(migrate=False)
    try:
        released = hub.inbound_quarantine.release(message_id, cli_actor(), reason)
    except UnknownMessage:
        raise click.ClickException(f"no inbound message {message_id}") from None
    except NotInQuarantine:
        raise click.ClickException(f"inbound message {message_id} is not in quarantine") from None
    except ReleaseRefused as exc:
        raise click.ClickException(f"inbound message {message_id} cannot be released: {exc}") from None
    finally:
        hub.close()
    if not released.released:
        click.echo(f"{message_id} stays in quarantine: {released.reason}: {released.detail or ''}")
        raise SystemExit(1)
    click.echo(f"{message_id} released: submission {released.submission_id}")


@inbound.command("discard")
@click.argument("message_id")
@click.option("--reason", required=True, help="Why it is discarded (recorded in the audit log).")
def discard(message_id: str, reason: str) -> None:
    """Take a message out of the quarantine for good (it is never delivered)."""
    hub = open_hub(migrate=False)
    try:
        hub.inbound_quarantine.discard(message_id, cli_actor(), reason)
    except UnknownMessage:
        raise click.ClickException(f"no inbound message {message_id}") from None
    except NotInQuarantine:
        raise click.ClickException(f"inbound message {message_id} is not in quarantine") from None
    finally:
        hub.close()
    click.echo(f"{message_id} discarded")
