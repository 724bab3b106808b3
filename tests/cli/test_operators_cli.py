"""``hub operators create`` and ``hub audit list`` run as real subprocesses on a SQLite file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hub.config import PROJECT_ROOT
from hub.store.db import Database
from hub.store.operators import OperatorStore
from tests.support.cli import CLI_TIMEOUT_SECONDS, HubCli, hub_env
from tests.support.region import GLADBECK

PASSWORD = "correct horse battery staple"


def test_an_operator_created_with_password_stdin_logs_in_and_the_creation_is_audited(
    tmp_path: Path, region_dir: Path
) -> None:
    # Given an empty database file
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    env = hub_env(url, region_dir)

    # When an operator of Gladbeck is created with the password on standard input
    created = subprocess.run(
        [sys.executable, "-m", "hub", "operators", "create", "anna", "--role", "operator", "-m", GLADBECK,
         "--password-stdin"],
        env=env, cwd=PROJECT_ROOT, input=PASSWORD + "\n", capture_output=True, text=True,
        timeout=CLI_TIMEOUT_SECONDS, check=False,
    )  # fmt: skip

    # Then the account exists with its role and scope, and only that password opens it
    assert created.returncode == 0, created.stderr
    assert "anna" in created.stdout
    db = Database(url)
    store = OperatorStore(db)
    account = store.authenticate("anna", PASSWORD)
    assert account is not None
    assert (account.role, account.municipalities) == ("operator", frozenset({GLADBECK}))
    assert store.authenticate("anna", PASSWORD + "!") is None
    db.dispose()

    # And `hub audit list` shows the creation
    entries = [json.loads(line) for line in HubCli(env).ok("audit", "list", "--json").splitlines()]
    assert [(e["action"], e["target"]) for e in entries] == [("create_operator", "anna")]


def test_an_unknown_municipality_is_refused(tmp_path: Path, region_dir: Path) -> None:
    # When an operator is created for an AGS outside the region
    result = HubCli(hub_env(f"sqlite:///{tmp_path / 'hub.db'}", region_dir)).run(
        "operators", "create", "bob", "-m", "09999999", "--password-stdin"
    )

    # Then the command fails naming the AGS
    assert result.returncode != 0
    assert "09999999" in result.stderr
