"""A simulated file-drop receiver: a real SFTP server (asyncssh) on loopback, serving one folder.

The file-drop connector is tested against it over TCP, so it behaves like the servers back offices
run: its own host key (generated, or loaded to stay stable across restarts), password and/or
public-key logins, the OpenSSH ``posix-rename`` and ``fsync`` extensions, and a root folder that
clients cannot leave (``..`` is clamped, symlinks that lead outside are refused, clients cannot
create links). Optionally it acts as the back office itself (:mod:`hub.sim.sftp.receiver`): every
file renamed to a final ``*.json`` name is checked and answered with a receipt written beside it.

Faults, set from the test's thread: :meth:`SftpSimulator.fail_writes` (the next N write requests
answer ``SSH_FX_FAILURE``), :meth:`~SftpSimulator.refuse_auth` (every login is refused),
:meth:`~SftpSimulator.reject_next` (the receiver rejects the next N messages) and
:meth:`~SftpSimulator.slow_writes` (data is written in chunks with a pause before each, so a large
file grows slowly enough to watch).

``with SftpSimulator(root, users={"hub": "secret"}) as sftp: sftp.url, sftp.host_public_key``
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import inspect
import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType

import asyncssh

from hub.sim.kit.server import listening_socket
from hub.sim.sftp.receiver import MESSAGE_SUFFIX, receive
from hub.sim.sftp.state import SftpState

log = logging.getLogger(__name__)

STARTUP_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0


class SftpSimulator:
    """An asyncssh SFTP server on its own event loop in a daemon thread; the port is known after start()."""

    def __init__(
        self,
        root: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        users: Mapping[str, str] | None = None,
        authorized_keys: Mapping[str, Sequence[str]] | None = None,
        host_key: asyncssh.SSHKey | None = None,
        receiver: bool = False,
        receipt_suffix: str = ".done",
        receipt_delay: float = 0.0,
    ) -> None:
        self.root = Path(root).resolve()
        self.host = host
        self.users = dict(users or {})
        self.authorized_keys = {
            user: [asyncssh.import_public_key(k) for k in keys] for user, keys in (authorized_keys or {}).items()
        }
        self.host_key = host_key or asyncssh.generate_private_key("ssh-ed25519")
        self.receiver = receiver
        self.receipt_suffix = receipt_suffix
        self.receipt_delay = receipt_delay
        self.state = SftpState()
        self._requested_port = port
        self._port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._connections: set[asyncssh.SSHServerConnection] = set()
        self._timers: set[asyncio.TimerHandle] = set()

    # -- where it listens --------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("SFTP simulator not started")
        return self._port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"sftp://{host}:{self.port}"

    @property
    def host_public_key(self) -> str:
        """The host key as OpenSSH writes it (``ssh-ed25519 AAAA...``), for a destination's ``hostKey``."""
        return " ".join(self.host_key.export_public_key().decode().split()[:2])

    def known_hosts_line(self) -> str:
        """This server's entry for a ``known_hosts`` file."""
        host = self.host if self.port == 22 else f"[{self.host}]:{self.port}"
        return f"{host} {self.host_public_key}\n"

    # -- life cycle --------------------------------------------------------------------------

    def start(self, timeout: float = STARTUP_TIMEOUT) -> SftpSimulator:
        if self._thread is not None:
            raise RuntimeError("SFTP simulator already started")
        self.root.mkdir(parents=True, exist_ok=True)
        sock = self._bind()
        self._port = sock.getsockname()[1]
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=_run_loop, args=(loop,), name=f"sftp-sim-{self._port}", daemon=True)
        self._thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self._listen(sock), loop).result(timeout)
        except BaseException:
            sock.close()
            self.stop()
            raise
        return self

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Close every connection and the listener, and end the loop; idempotent."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._close(), loop).result(timeout)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        self._loop = self._thread = None

    def __enter__(self) -> SftpSimulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- faults and inspection (any thread) --------------------------------------------------

    def fail_writes(self, count: int, reason: str = "simulated write failure") -> None:
        with self.state.lock:
            self.state.fail_writes, self.state.fail_reason = count, reason

    def refuse_auth(self, refuse: bool = True) -> None:
        with self.state.lock:
            self.state.refuse_auth = refuse

    def reject_next(self, count: int, reason: str = "simulated rejection") -> None:
        with self.state.lock:
            self.state.reject, self.state.reject_reason = count, reason

    def slow_writes(self, seconds_per_chunk: float, chunk_bytes: int = 64 * 1024) -> None:
        """Write each request's data in chunks, waiting before each, so a file grows visibly on disk."""
        with self.state.lock:
            self.state.write_delay, self.state.write_chunk = seconds_per_chunk, chunk_bytes

    def disconnect_all(self) -> None:
        """Close every client connection, as a server restart or an idle timeout would."""
        loop = self._loop
        if loop is not None:
            asyncio.run_coroutine_threadsafe(self._disconnect(), loop).result(STOP_TIMEOUT)

    def reset(self) -> None:
        """No faults, zero counters, nothing received (the files stay)."""
        with self.state.lock:
            lock = self.state.lock
            self.state = SftpState(lock=lock)

    def stats(self) -> dict[str, int]:
        with self.state.lock:
            return dict(self.state.stats)

    def received(self) -> list[str]:
        """Message files the receiver took, as paths relative to the root, in order."""
        with self.state.lock:
            return list(self.state.received)

    # -- on the server's loop ----------------------------------------------------------------

    def _bind(self) -> socket.socket:
        return listening_socket(self.host, self._requested_port, backlog=128)

    async def _listen(self, sock: socket.socket) -> None:
        self._acceptor = await asyncssh.listen(
            sock=sock,
            server_factory=lambda: _Server(self),
            server_host_keys=[self.host_key],
            sftp_factory=lambda chan: _SftpServer(chan, self),
            allow_scp=False,
            config=None,
        )

    async def _close(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        if self._acceptor is not None:
            self._acceptor.close()
            await self._acceptor.wait_closed()
            self._acceptor = None
        await self._disconnect()

    async def _disconnect(self) -> None:
        connections = list(self._connections)
        for conn in connections:
            conn.close()
        for conn in connections:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.wait_closed(), STOP_TIMEOUT)

    def _before_write(self) -> tuple[float, int]:
        """Fail this write if a fault says so; else how slowly to write it (delay per chunk, chunk size)."""
        reason = self.state.take_write_fault()
        if reason is not None:
            raise asyncssh.SFTPFailure(reason)
        with self.state.lock:
            return self.state.write_delay, self.state.write_chunk

    def _renamed(self, local_path: bytes) -> None:
        """A file got its final name: if it is a message and a receiver runs, take it (after the delay)."""
        self.state.count("renames")
        name = os.path.basename(local_path)
        if not self.receiver or not name.endswith(MESSAGE_SUFFIX) or name.startswith(b"."):
            return
        loop = asyncio.get_running_loop()
        timer: asyncio.TimerHandle | None = None

        def fire() -> None:
            if timer is not None:
                self._timers.discard(timer)
            try:
                receive(Path(os.fsdecode(local_path)), self.state, self.root, self.receipt_suffix)
            except Exception:
                log.exception("sftp_sim_receiver_failed")

        timer = loop.call_later(self.receipt_delay, fire)
        self._timers.add(timer)

    def _check_login(self, username: str, check: Callable[[], bool]) -> bool:
        with self.state.lock:
            refused = self.state.refuse_auth
        if refused or not check():
            self.state.count("refusedLogins")
            return False
        return True

    def _password_ok(self, username: str, password: str) -> bool:
        expected = self.users.get(username)
        return expected is not None and hmac.compare_digest(expected.encode(), password.encode())

    def _key_ok(self, username: str, key: asyncssh.SSHKey) -> bool:
        return any(key.public_data == allowed.public_data for allowed in self.authorized_keys.get(username, ()))


class _Server(asyncssh.SSHServer):
    """One client connection's authentication; the simulator decides."""

    def __init__(self, sim: SftpSimulator) -> None:
        self.sim = sim
        self.conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        self.sim._connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.conn is not None:
            self.sim._connections.discard(self.conn)

    def begin_auth(self, username: str) -> bool:
        return True  # every user must authenticate

    def password_auth_supported(self) -> bool:
        return bool(self.sim.users)

    def validate_password(self, username: str, password: str) -> bool:
        return self.sim._check_login(username, lambda: self.sim._password_ok(username, password))

    def public_key_auth_supported(self) -> bool:
        return bool(self.sim.authorized_keys)

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        return self.sim._check_login(username, lambda: self.sim._key_ok(username, key))

    def auth_completed(self) -> None:
        self.sim.state.count("logins")


class _SftpServer(asyncssh.SFTPServer):
    """The root folder as the client's whole world, with the simulator's faults and receiver."""

    def __init__(self, chan: asyncssh.SSHServerChannel[bytes], sim: SftpSimulator) -> None:
        super().__init__(chan, chroot=os.fsencode(sim.root))
        self.sim = sim
        self._root = os.fsencode(sim.root)

    def map_path(self, path: bytes) -> bytes:
        mapped = super().map_path(path)
        real = os.path.realpath(mapped)
        if real != self._root and not real.startswith(self._root + b"/"):
            raise asyncssh.SFTPPermissionDenied("path leads outside the served folder")
        return mapped

    async def write(self, file_obj: object, offset: int, data: bytes) -> int:
        delay, chunk = self.sim._before_write()
        if delay <= 0:
            chunk = len(data) or 1
        written = 0
        for start in range(0, len(data), chunk):
            if delay > 0:
                await asyncio.sleep(delay)
            result = super().write(file_obj, offset + start, data[start : start + chunk])
            written += await result if inspect.isawaitable(result) else result
            flush = getattr(file_obj, "flush", None)
            if delay > 0 and flush is not None:
                flush()  # let a watcher see the file grow
        return written

    def rename(self, oldpath: bytes, newpath: bytes) -> None:
        super().rename(oldpath, newpath)
        self.sim._renamed(self.map_path(newpath))

    def posix_rename(self, oldpath: bytes, newpath: bytes) -> None:
        super().posix_rename(oldpath, newpath)
        self.sim._renamed(self.map_path(newpath))

    def symlink(self, oldpath: bytes, newpath: bytes) -> None:
        raise asyncssh.SFTPPermissionDenied("links are not allowed here")

    def link(self, oldpath: bytes, newpath: bytes) -> None:
        raise asyncssh.SFTPPermissionDenied("links are not allowed here")


def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        with contextlib.suppress(Exception):
            loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
