"""``hub operators`` (console accounts) and ``hub audit`` (who did what) commands."""

from __future__ import annotations

import json
import sys

import click
from rich.table import Table

from hub.store.operators import OPERATOR_ROLES


@click.group()
def operators() -> None:
    """Operator accounts of the web console (/console)."""


@operators.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(OPERATOR_ROLES), default="viewer", show_default=True)
@click.option("--municipality", "-m", "municipalities", multiple=True, help="AGS the operator may see (repeat).")
@click.option("--all-municipalities", is_flag=True, help="Every municipality of the region.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (else: prompt).")
def operators_create(
    name: str, role: str, municipalities: tuple[str, ...], all_municipalities: bool, password_stdin: bool
) -> None:
    """Create an operator account; its password is stored only as an argon2id hash."""
    from hub.ops.cli import _hub, _settings, console
    from hub.routing.region import load_region

    if not municipalities and not all_municipalities:
        raise click.UsageError("give --municipality AGS (repeatable) or --all-municipalities")
    region = load_region(_settings().config_dir)
    unknown = [m for m in municipalities if m not in region.municipalities]
    if unknown:
        raise click.BadParameter(f"unknown AGS {unknown}", param_hint="--municipality")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    hub = _hub(migrate=True)
    try:
        account = hub.operators.create(
            name, password, role=role, municipalities=["*"] if all_municipalities else list(municipalities)
        )
        hub.audit.record("cli:operators", "create_operator", target=name, detail={"role": role})
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    finally:
        hub.close()
    console.print(f"operator [bold]{account.name}[/] ({account.role}; {', '.join(sorted(account.municipalities))})")


@operators.command("list")
def operators_list() -> None:
    """List operator accounts."""
    from hub.ops.cli import _hub, console

    hub = _hub()
    table = Table("name", "role", "municipalities")
    for a in hub.operators.list():
        table.add_row(a.name, a.role, ",".join(sorted(a.municipalities)))
    hub.close()
    console.print(table)


@click.group()
def audit() -> None:
    """The audit log of operator actions."""


@audit.command("list")
@click.option("--actor", help="Only this actor, e.g. console:anna or cli:root.")
@click.option("--action", help="Only this action: replay, pause, resume, reset_circuit, login, ...")
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def audit_list(actor: str | None, action: str | None, limit: int, as_json: bool) -> None:
    """Newest first: when, who, what, on which target and items."""
    from hub.ops.cli import _hub, console

    hub = _hub()
    entries = hub.audit.list(actor=actor, action=action, limit=limit)
    hub.close()
    if as_json:
        for e in entries:
            click.echo(json.dumps({**e.__dict__, "at": e.at.isoformat()}, ensure_ascii=False))
        return
    table = Table("at", "actor", "action", "target", "items")
    for e in entries:
        table.add_row(e.at.isoformat(timespec="seconds"), e.actor, e.action, e.target or "", ",".join(e.items))
    console.print(table)
