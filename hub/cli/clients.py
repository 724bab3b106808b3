"""``hub clients``: the API keys of portals and operators (stored only as hashes)."""

from __future__ import annotations

import click
from rich.table import Table

from hub.cli.context import bound_municipalities, console, open_hub


@click.group()
def clients() -> None:
    """API clients (portals and operators)."""


@clients.command("create")
@click.argument("name")
@click.option(
    "--municipality",
    "-m",
    "municipalities",
    multiple=True,
    help="AGS the key may act for (repeat).",
)
@click.option("--all-municipalities", is_flag=True, help="Bind the key to every municipality.")
@click.option("--service", "services", multiple=True, help="Restrict to these services (repeat).")
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice(["portal", "operator", "admin", "back-office"]),
    default=["portal"],
    help="portal: submit and read status; operator: the operator API; admin: the audit log; "
    "back-office: post replies to cases (repeat).",
)
@click.option("--callback-url", default=None, help="URL for signed status callbacks.")
@click.option(
    "--callback-secret",
    default=None,
    help="Shared secret for callback signatures (generated if omitted).",
)
def clients_create(
    name: str,
    municipalities: tuple[str, ...],
    all_municipalities: bool,
    services: tuple[str, ...],
    roles: tuple[str, ...],
    callback_url: str | None,
    callback_secret: str | None,
) -> None:
    """Create an API key; it is printed once and stored only as a hash."""
    bound = bound_municipalities(municipalities, all_municipalities)
    hub = open_hub(migrate=True)
    client, key = hub.clients.create(
        name,
        bound,
        services=list(services) or None,
        roles=list(roles),
        callback_url=callback_url,
        callback_secret=callback_secret,
    )
    hub.close()
    console.print(f"client [bold]{client.name}[/] ({client.id})")
    console.print(f"API key (shown once): [bold]{key}[/]")
    if client.callback_secret:
        console.print(f"callback secret: {client.callback_secret}")


@clients.command("list")
def clients_list() -> None:
    """List API clients."""
    hub = open_hub()
    table = Table("name", "id", "roles", "municipalities", "services", "callback")
    for c in hub.clients.list():
        table.add_row(
            c.name, c.id, ",".join(sorted(c.roles)), ",".join(sorted(c.municipalities)),
            ",".join(sorted(c.services or [])) or "all", c.callback_url or "",
        )  # fmt: skip
    console.print(table)
    hub.close()
