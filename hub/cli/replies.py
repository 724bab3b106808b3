"""``hub replies post|list``: an operator answers a case from the terminal (docs/replies.md).

``post`` stores the reply with the delivery that returns it the way the case came (a portal's
signed callback, an XTA message to the sending authority, a FIT-Connect reply), as the API does;
the workers send it. ``list`` shows a case's replies with their delivery state; ``--text`` prints
the decision texts (personal data: the read is audited). The actor is ``cli:<user>``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import mimetypes
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from hub.cli.context import cli_actor, console, open_hub
from hub.domain.replies import ReplyStatus
from hub.domain.tenancy import ALL_MUNICIPALITIES
from hub.service.replies import (
    CaseNotFound,
    InvalidReply,
    NoChannelBack,
    Replier,
    ReplyConflict,
    ReplyNotBuildable,
)


@click.group("replies")
def replies() -> None:
    """Replies to cases, returned the way each case came."""


def _document(path: Path, media_type: str | None) -> dict[str, Any]:
    content = path.read_bytes()
    guessed = media_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return {
        "fileName": path.name,
        "mediaType": guessed,
        "content": base64.b64encode(content).decode("ascii"),
        "sha256": hashlib.sha256(content).hexdigest(),
    }


@replies.command("post")
@click.argument("submission_id")
@click.option("--status", type=click.Choice([s.value for s in ReplyStatus]), required=True)
@click.option("--text", default=None, help="The decision text (or --text-file).")
@click.option("--text-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
@click.option(
    "--document",
    "documents",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file sent with the reply (repeat).",
)
@click.option("--media-type", default=None, help="Media type of every --document (default: from its name).")
@click.option("--idempotency-key", default=None, help="A repeat with the same key and body stores nothing new.")
def post(
    submission_id: str,
    status: str,
    text: str | None,
    text_file: Path | None,
    documents: tuple[Path, ...],
    media_type: str | None,
    idempotency_key: str | None,
) -> None:
    """Reply to the case SUBMISSION_ID; exit 1 when it is refused (the reason is printed)."""
    if text is not None and text_file is not None:
        raise click.BadParameter("give --text or --text-file, not both", param_hint="--text")
    if text_file is not None:
        text = text_file.read_text(encoding="utf-8")
    body = {"status": status, "text": text, "documents": [_document(p, media_type) for p in documents]}
    replier = Replier(cli_actor(), frozenset({ALL_MUNICIPALITIES}))
    hub = open_hub(migrate=False)
    try:
        assert hub.services.replies is not None
        posted = hub.services.replies.post(replier, submission_id, body, idempotency_key)
    except InvalidReply as exc:
        for problem in exc.problems:
            click.echo(f"{problem.pointer or '/'}: {problem.message}", err=True)
        raise SystemExit(1) from exc
    except CaseNotFound as exc:
        click.echo(f"no case {submission_id}", err=True)
        raise SystemExit(1) from exc
    except (NoChannelBack, ReplyConflict, ReplyNotBuildable) as exc:
        reason = f"key used for reply {exc} with another body" if isinstance(exc, ReplyConflict) else str(exc)
        click.echo(f"refused: {reason}", err=True)
        raise SystemExit(1) from exc
    finally:
        hub.close()
    reply = posted.reply
    again = " (repeat: stored before)" if posted.replayed else ""
    click.echo(f"reply {reply.id} via {reply.channel} to {reply.destination_id}: delivery {reply.delivery_id}{again}")


@replies.command("list")
@click.argument("submission_id")
@click.option("--text", "with_text", is_flag=True, help="Print the decision texts too (audited).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_replies(submission_id: str, with_text: bool, as_json: bool) -> None:
    """The replies to the case SUBMISSION_ID with their delivery state, oldest first."""
    replier = Replier(cli_actor(), frozenset({ALL_MUNICIPALITIES}))
    hub = open_hub(migrate=False)
    try:
        assert hub.services.replies is not None
        found = hub.services.replies.of_case(replier, submission_id)
    except CaseNotFound as exc:
        click.echo(f"no case {submission_id}", err=True)
        raise SystemExit(1) from exc
    finally:
        hub.close()
    rows: list[dict[str, Any]] = [
        {
            "id": r.id,
            "channel": r.channel,
            "status": r.status,
            "by": r.actor,
            "createdAt": r.created_at.isoformat(),
            "documents": len(r.documents),
            "delivery": {"id": r.delivery_id, "destination": r.destination_id, "state": r.delivery_state,
                         "attempts": r.attempts},
            **({"text": r.text} if with_text else {}),
        }
        for r in found
    ]  # fmt: skip
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    table = Table("id", "channel", "status", "by", "created", "documents", "delivery", "attempts")
    for row in rows:
        delivery = row["delivery"]
        table.add_row(row["id"], row["channel"], row["status"], row["by"], row["createdAt"][:19],
                      str(row["documents"]), str(delivery["state"]), str(delivery["attempts"]))  # fmt: skip
    console.print(table)
    if with_text:
        for row in rows:
            click.echo(f"\n{row['id']}:\n{row['text'] or '(no text)'}")
