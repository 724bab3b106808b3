"""The SFTP simulator in a process of its own (``hub sim sftp``), with a host key that survives restarts."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

import asyncssh

from hub.sim.sftp.server import SftpSimulator


def load_host_key(path: Path) -> asyncssh.SSHKey:
    """The host key kept in ``path``, created there on first use, so clients can pin it across restarts."""
    if path.is_file():
        return asyncssh.read_private_key(path)
    key = asyncssh.generate_private_key("ssh-ed25519")
    path.parent.mkdir(parents=True, exist_ok=True)
    key.write_private_key(path)
    path.chmod(0o600)
    return key


def run_sftp(
    host: str,
    port: int,
    root: Path,
    users: Mapping[str, str],
    *,
    receiver: bool = True,
    host_key_file: Path | None = None,
    announce: Callable[[str], object] = print,
) -> None:
    """Serve the SFTP simulator in this process until interrupted (SIGINT)."""
    key = load_host_key(host_key_file) if host_key_file is not None else None
    with SftpSimulator(root, host=host, port=port, users=users, host_key=key, receiver=receiver) as sim:
        announce(f"SFTP simulator on {sim.url}, serving {sim.root}")
        announce(f"users: {', '.join(users)}; host key: {sim.host_public_key}")
        if receiver:
            announce(f"receiver: writes <name>{sim.receipt_suffix} for each *.json renamed into place")
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
