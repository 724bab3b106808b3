"""Dropping a message on an SFTP server with asyncssh, from the hub's synchronous worker threads.

The transport owns a private event loop in a daemon thread; ``deliver`` (called from any worker
thread) runs the session on it and waits. One SSH connection per destination is kept and shared:
each send opens its own SFTP channel on it, so concurrent sends are multiplexed (keep the
destination's ``concurrency`` within the server's sessions per connection: OpenSSH's ``MaxSessions``
is 10). A connection that broke or timed out is dropped and the next send connects anew.

Errors: connection refused or reset, timeouts, a lost connection and SFTP failures during writing
are transient; a refused login, a host key that does not match, and permission-denied or
write-protected answers are permanent, with a message saying which. A missing target folder is
permanent too (see :mod:`~connectors.fachverfahren.filedrop.sftp_session`). Missing credentials
(an unset ``passwordEnv``, an unreadable ``keyFile``) are :class:`~hub.errors.ConfigError`, retried
until the operator fixes them, like the REST connector's.

A send is bounded by its ``budget`` and by the attempt's deadline (:mod:`hub.connectors.deadline`),
whichever ends first: connecting, logging in, every write and rename and the wait for the receipt
all run inside that one limit. The deadline is read on the worker's thread (the private loop runs in
another context, so it cannot see it) and handed to the loop; when it is what ran out, the send
raises :class:`~hub.connectors.deadline.AttemptTimeout`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import threading
from dataclasses import dataclass

import asyncssh
import structlog

from connectors.fachverfahren.filedrop.plan import DropPlan
from connectors.fachverfahren.filedrop.settings import ReceiptSettings, SftpTarget
from connectors.fachverfahren.filedrop.sftp_session import WAITING_FOR_RECEIPT, SftpSession
from hub.connectors.deadline import AttemptTimeout, Deadline, current_deadline
from hub.domain.message import Receipt
from hub.errors import ConfigError, DeliveryError, PermanentError, TransientError

log = structlog.get_logger(__name__)

CLOSE_SECONDS = 5.0
_PERMANENT_SFTP_CODES = frozenset({asyncssh.FX_PERMISSION_DENIED, asyncssh.FX_WRITE_PROTECT})


@dataclass
class _Attempt:
    """How far one send got: read when it ran out of time, to say where and to drop its connection."""

    connection: asyncssh.SSHClientConnection | None = None
    session: SftpSession | None = None

    @property
    def step(self) -> str:
        return self.session.step if self.session is not None else "connecting and logging in"


class SftpDrop:
    def __init__(self, target: SftpTarget, receipt: ReceiptSettings | None, timeout: float, budget: float) -> None:
        self.target = target
        self.receipt = receipt
        self.timeout = timeout
        self.budget = budget
        """Longest one send may take, everything included; the hub's lease on a delivery is sized to cover it."""
        self._pinned = _pinned_host_keys(target)
        if target.host_keys.accept_any:
            log.warning("filedrop_host_key_unchecked", target=target.url, setting="insecureAcceptAnyHostKey")
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        # Touched only on the private loop:
        self._connection: asyncssh.SSHClientConnection | None = None
        self._connecting: asyncio.Lock | None = None

    # -- the worker threads' side ------------------------------------------------------------

    def deliver(self, plan: DropPlan) -> Receipt:
        deadline = current_deadline()
        limit = self.budget if deadline is None else min(self.budget, deadline.remaining())
        bounded_by = deadline if deadline is not None and limit < self.budget else None
        future = asyncio.run_coroutine_threadsafe(self._deliver(plan, limit, bounded_by), self._running_loop())
        try:
            return future.result(limit + CLOSE_SECONDS)
        except concurrent.futures.TimeoutError:
            future.cancel()
            if bounded_by is not None:
                raise _attempt_timeout(bounded_by, self.target.url, "waiting for the SFTP loop") from None
            raise TransientError(f"{self.target.url}: no answer within {self.budget:g} s") from None
        except concurrent.futures.CancelledError:
            raise TransientError(f"{self.target.url}: the connector was closed during the send") from None

    def close(self) -> None:
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(CLOSE_SECONDS)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(CLOSE_SECONDS)

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=_run_loop, args=(loop,), name=f"filedrop-sftp-{self.target.host}", daemon=True
                )
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    # -- on the private loop -----------------------------------------------------------------

    async def _deliver(self, plan: DropPlan, limit: float, deadline: Deadline | None) -> Receipt:
        """Send within ``limit`` seconds; ``deadline`` is given when it (not the budget) set the limit.

        The send runs as a task of its own and is abandoned at the limit rather than awaited: a hung
        server never answers the SFTP close that unwinding its ``async with`` blocks would wait for.
        """
        attempt = _Attempt()
        task = asyncio.ensure_future(self._attempt(plan, attempt))
        try:
            done, _ = await asyncio.wait({task}, timeout=limit)
        except asyncio.CancelledError:
            task.cancel()
            raise
        if not done:
            self._abandon(task, attempt)
            if deadline is not None:
                raise _attempt_timeout(deadline, self.target.url, attempt.step)
            raise TransientError(f"{self.target.url}: timed out after {self.budget:g} s while {attempt.step}")
        try:
            return task.result()
        except (DeliveryError, ConfigError):
            raise
        except TimeoutError:  # asyncssh's own connect or login timeout
            self._forget(attempt.connection)
            raise TransientError(
                f"{self.target.url}: timed out after {self.timeout:g} s while {attempt.step}"
            ) from None
        except (asyncssh.Error, OSError) as exc:
            if attempt.connection is not None and attempt.connection.is_closed():
                self._forget(attempt.connection)
            raise classify(exc, self.target.url) from exc

    def _abandon(self, task: asyncio.Future[Receipt], attempt: _Attempt) -> None:
        """End a send that ran out of time, in the background."""
        task.add_done_callback(_retrieve)
        if attempt.connection is None or attempt.step == WAITING_FOR_RECEIPT:
            task.cancel()  # still connecting, or a late receipt, which says nothing against the connection
            return
        # An operation that did not finish in time leaves the connection suspect. Closing it fails
        # every wait of the abandoned send; cancelling the send instead would strand the parallel
        # write requests asyncssh has in flight (their errors never retrieved).
        self._forget(attempt.connection)
        asyncio.get_running_loop().call_later(CLOSE_SECONDS, task.cancel)

    async def _attempt(self, plan: DropPlan, attempt: _Attempt) -> Receipt:
        sftp = await self._sftp(attempt)
        async with sftp:
            attempt.session = SftpSession(sftp, self.target, self.receipt)
            receipt = await attempt.session.deliver(plan)
        return receipt

    async def _sftp(self, attempt: _Attempt) -> asyncssh.SFTPClient:
        """An SFTP channel on the shared connection; one fresh connection if the kept one went stale."""
        attempt.connection = await self._connected()
        try:
            return await attempt.connection.start_sftp_client()
        except (asyncssh.ChannelOpenError, asyncssh.DisconnectError, OSError):
            if not attempt.connection.is_closed():
                raise  # alive but refusing another session (sshd's MaxSessions): keep it for the others
            self._forget(attempt.connection)
            attempt.connection = await self._connected()
            return await attempt.connection.start_sftp_client()

    async def _connected(self) -> asyncssh.SSHClientConnection:
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:
            if self._connection is None or self._connection.is_closed():
                self._connection = await self._connect()
            return self._connection

    async def _connect(self) -> asyncssh.SSHClientConnection:
        auth = self.target.auth
        return await asyncssh.connect(
            self.target.host,
            self.target.port,
            username=auth.username,
            password=_env(auth.password_env, self.target.url) if auth.password_env else None,
            client_keys=[self._client_key()] if auth.key_file else None,
            known_hosts=self._known_hosts(),
            agent_path=None,
            config=None,  # no ~/.ssh/config of whoever runs the hub
            connect_timeout=self.timeout,
            login_timeout=self.timeout,
        )

    def _known_hosts(self) -> asyncssh.SSHKnownHosts | str | None:
        policy = self.target.host_keys
        if policy.known_hosts_file is None:
            return self._pinned  # None only with the explicit insecureAcceptAnyHostKey
        if not policy.known_hosts_file.is_file():
            raise ConfigError(f"{self.target.url}: knownHostsFile {policy.known_hosts_file} is not a file")
        return str(policy.known_hosts_file)

    def _client_key(self) -> asyncssh.SSHKey:
        auth = self.target.auth
        assert auth.key_file is not None
        passphrase = _env(auth.passphrase_env, self.target.url) if auth.passphrase_env else None
        try:
            return asyncssh.read_private_key(auth.key_file, passphrase)
        except (OSError, asyncssh.KeyImportError, ValueError) as exc:
            raise ConfigError(f"{self.target.url}: cannot read the private key {auth.key_file}: {exc}") from exc

    def _forget(self, connection: asyncssh.SSHClientConnection | None) -> None:
        if connection is None:
            return
        if self._connection is connection:
            self._connection = None
        connection.close()

    async def _shutdown(self) -> None:
        current = asyncio.current_task()
        pending = [t for t in asyncio.all_tasks() if t is not current]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()
            await connection.wait_closed()


def classify(exc: BaseException, url: str) -> DeliveryError:
    """Which failures a retry can cure, and which only an operator can."""
    if isinstance(exc, asyncssh.PermissionDenied):
        return PermanentError(f"{url}: the server refused the login: {exc.reason}")
    if isinstance(exc, asyncssh.HostKeyNotVerifiable):
        return PermanentError(f"{url}: the server's host key does not match the configured one: {exc.reason}")
    if isinstance(exc, asyncssh.SFTPError):
        if exc.code in _PERMANENT_SFTP_CODES:
            return PermanentError(f"{url}: permission denied: {exc.reason}")
        return TransientError(f"{url}: SFTP failure: {exc.reason}")
    if isinstance(exc, asyncssh.Error):
        return TransientError(f"{url}: {type(exc).__name__}: {exc.reason}")
    return TransientError(f"{url}: {type(exc).__name__}: {exc}")


def _retrieve(task: asyncio.Future[Receipt]) -> None:
    """Collect an abandoned send's outcome, so asyncio does not report it as never retrieved."""
    if not task.cancelled():
        task.exception()


def _attempt_timeout(deadline: Deadline, url: str, step: str) -> AttemptTimeout:
    return AttemptTimeout(f"{url}: attempt deadline of {deadline.seconds:g} s exceeded while {step}")


def _pinned_host_keys(target: SftpTarget) -> asyncssh.SSHKnownHosts | None:
    """The ``hostKey`` setting as a known-hosts list matching this destination's server by any name or port."""
    keys = target.host_keys.host_keys
    if not keys:
        return None
    try:
        return asyncssh.import_known_hosts("".join(f"* {key}\n" for key in keys))
    except (ValueError, asyncssh.KeyImportError) as exc:
        raise ConfigError(f"{target.url}: hostKey is not an OpenSSH public key ('ssh-ed25519 AAAA...'): {exc}") from exc


def _env(name: str | None, url: str) -> str:
    value = os.environ.get(name, "") if name else ""
    if not value:
        raise ConfigError(f"{url}: environment variable {name!r} is not set")
    return value


def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        with contextlib.suppress(Exception):
            loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
