"""A receiver over the SFTP file-drop simulator (:mod:`hub.sim.sftp`) with its back office running.

The simulator serves a temporary folder with an ``inbox`` in it and logs in one user whose password
is put into the environment variable :data:`PASSWORD_ENV` while it runs (destinations name
credentials by variable, never by value). Its receiver acknowledges each ``<messageId>.json`` with a
``<messageId>.done`` marker; ``refuse_next`` makes that marker a rejection, ``fail_transiently``
fails write requests.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

import orjson

from hub.sim.sftp import SftpSimulator
from hub.testing.environment import environment_variable

USER = "hub"
PASSWORD_ENV = "HUB_TESTING_SFTP_PASSWORD"  # noqa: S105  (the name of a variable)
INBOX = "inbox"


class SftpReceiver:
    """A running :class:`~hub.sim.sftp.SftpSimulator`; ``address`` is its ``sftp://host:port`` URL."""

    def __init__(self, sim: SftpSimulator, user: str = USER, password_env: str = PASSWORD_ENV) -> None:
        self.sim = sim
        self.user = user
        self.password_env = password_env

    @classmethod
    @contextmanager
    def serve(cls, password: str | None = None, password_env: str = PASSWORD_ENV) -> Iterator[SftpReceiver]:
        """Run the simulator with a fresh random password (in ``password_env`` while it runs)."""
        password = password or secrets.token_urlsafe(16)
        with (
            environment_variable(password_env, password),
            tempfile.TemporaryDirectory(prefix="hub-sftp-") as root,
            SftpSimulator(Path(root), users={USER: password}, receiver=True) as sim,
        ):
            (sim.root / INBOX).mkdir()
            yield cls(sim, USER, password_env)

    @property
    def address(self) -> str:
        return self.sim.url

    @property
    def host_public_key(self) -> str:
        return self.sim.host_public_key

    def settings(self, address: str | None = None, **changes: Any) -> dict[str, Any]:
        """``fachverfahren-filedrop`` settings dropping into the inbox and waiting for the receipt."""
        return {
            "target": f"{address or self.address}/{INBOX}",
            "auth": {"username": self.user, "passwordEnv": self.password_env},
            "hostKey": self.host_public_key,
            "receipt": {"suffix": ".done", "pollSeconds": 0.02},
            "timeoutSeconds": 3,
            **changes,
        }

    def clear(self) -> None:
        self.sim.reset()

    def fail_transiently(self, times: int) -> None:
        self.sim.fail_writes(times)

    def refuse_next(self) -> None:
        self.sim.reject_next(1, "simulated refusal")

    def received_message_ids(self) -> list[str]:
        """Messages the back office accepted (its marker says so), by the message file's name."""
        ids = []
        for relative in self.sim.received():
            path = PurePosixPath(relative)
            marker = self.sim.root / path.parent / (path.stem + ".done")
            if marker.is_file() and orjson.loads(marker.read_bytes()).get("status") == "accepted":
                ids.append(path.stem)
        return ids


__all__ = ["INBOX", "PASSWORD_ENV", "SftpReceiver"]
