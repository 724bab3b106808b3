"""``hub operators``: the accounts operators log in to the web console with."""

from __future__ import annotations

import sys

import click
from rich.table import Table

from hub.cli.context import bound_municipalities, console, open_hub
from hub.domain.tenancy import OPERATOR_ROLES


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
    bound = bound_municipalities(municipalities, all_municipalities)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    hub = open_hub(migrate=True)
    try:
        account = hub.operators.create(name, password, role=role, municipalities=bound)
        hub.audit.record("cli:operators", "create_operator", target=name, detail={"role": role})
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    finally:
        hub.close()
    console.print(f"operator [bold]{account.name}[/] ({account.role}; {', '.join(sorted(account.municipalities))})")


@operators.command("list")
def operators_list() -> None:
    """List operator accounts."""
    hub = open_hub()
    table = Table("name", "role", "municipalities")
    for a in hub.operators.list():
        table.add_row(a.name, a.role, ",".join(sorted(a.municipalities)))
    hub.close()
    console.print(table)
