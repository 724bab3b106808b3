"""What every ``hub`` command shares: the terminal, the settings, the hub built from them, the actor.

The hub is built lazily inside each command (``open_hub``): ``hub --help`` and the commands that
need no database import neither the delivery engine nor the store.
"""

from __future__ import annotations

import getpass
import sys
from datetime import datetime
from typing import TYPE_CHECKING

import click
from rich.console import Console

from hub.config import Settings

if TYPE_CHECKING:
    from hub.bootstrap import HubContext

# Piped output (cron, scripts, CI) gets wide lines: ids must never be cut to fit 80 columns.
console = Console() if sys.stdout.isatty() else Console(width=400, soft_wrap=True)


def settings() -> Settings:
    return Settings()


def open_hub(migrate: bool = False, *, api: bool = False, worker: bool = False) -> HubContext:
    """The hub of this command, logging configured; the caller closes it."""
    from hub.bootstrap import build
    from hub.logging import configure

    current = settings()
    configure(current.log_level, current.log_format)
    return build(current, migrate=migrate, api=api, worker=worker)


def cli_actor() -> str:
    """The audit log's actor for a terminal command: the OS user who ran it."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        user = "unknown"
    return f"cli:{user}"


def moment(value: str | None) -> datetime | None:
    """An ISO time given on the command line; it must name its timezone."""
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise click.BadParameter("give a timezone, e.g. 2026-11-24T10:00:00+01:00")
    return parsed


def bound_municipalities(municipalities: tuple[str, ...], all_municipalities: bool) -> list[str]:
    """The AGS a new API key or operator account is bound to (``*``: all), checked against the region."""
    if not municipalities and not all_municipalities:
        raise click.UsageError("give --municipality AGS (repeatable) or --all-municipalities")
    from hub.routing.region import load_region

    region = load_region(settings().config_dir)
    unknown = [m for m in municipalities if m not in region.municipalities]
    if unknown:
        raise click.BadParameter(f"unknown AGS {unknown}", param_hint="--municipality")
    return ["*"] if all_municipalities else list(municipalities)
