"""``python -m hub.sim backoffice --port 8101``: a simulator in its own process (demo, by hand)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from hub.sim.backoffice import run_backoffice


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m hub.sim", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    backoffice = commands.add_parser("backoffice", help="the REST/JSON Fachverfahren simulator")
    backoffice.add_argument("--host", default="127.0.0.1")
    backoffice.add_argument("--port", type=int, default=8101)
    backoffice.add_argument("--token", default=None, help="require 'Authorization: Bearer TOKEN'")
    args = parser.parse_args(argv)
    if args.command == "backoffice":
        run_backoffice(args.host, args.port, token=args.token)


if __name__ == "__main__":
    main()
