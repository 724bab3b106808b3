"""Fixtures: an SFTP simulator per test on a real loopback port, with its own folder and login."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.sim.sftp import SftpSimulator
from tests.filedrop.filedrop_support import PASSWORD, PASSWORD_ENV, USER


@pytest.fixture
def sftp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SftpSimulator]:
    """A receiving SFTP server: password login, and a receiver writing ``<messageId>.done`` markers."""
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    with SftpSimulator(tmp_path / "sftp-root", users={USER: PASSWORD}, receiver=True) as server:
        yield server
