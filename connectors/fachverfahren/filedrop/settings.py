"""The ``settings`` of a ``fachverfahren-filedrop`` destination, read into typed values.

Destination settings::

    target: sftp://host:22/incoming/hundesteuer     # or file:///srv/drop/gladbeck, or a plain folder path
                                                    # (sftp://host/~/incoming: relative to the login folder)
    auth: {username: hub, passwordEnv: VAR}         # SFTP only; or keyFile: /etc/hub/id_ed25519
                                                    #   [, passphraseEnv: VAR]; both may be given
    knownHostsFile: /etc/hub/known_hosts            # SFTP host key check: a known_hosts file ([host]:port
    hostKey: "ssh-ed25519 AAAA..."                  #   entries), or the server's public key(s) to pin;
    insecureAcceptAnyHostKey: false                 #   without either, the destination is refused unless
                                                    #   this is explicitly true (test systems only)
    timeoutSeconds: 10                              # per step: connect, write, rename, receipt; a send
                                                    #   takes at most 4 × this (the hub sizes its lease to it)
    receipt: {suffix: ".done", directory: null, pollSeconds: 0.5}   # optional (or `receipt: true` for
    receiptTimeoutSeconds: 10                       #   these defaults): wait for the receiver's marker
                                                    #   <messageId><suffix> (≤ timeoutSeconds; default: it)

Credentials are referenced by environment variable and read at connect time. ``keyFile`` and
``knownHostsFile`` are read from the given path; in a region config a relative path is taken from
the config folder (like the TLS files).

Every problem is a :class:`~hub.errors.ConfigError` naming the destination and the setting. Host keys
are never skipped silently: an SFTP target needs ``knownHostsFile`` or ``hostKey``, or the explicit
``insecureAcceptAnyHostKey: true``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from hub.connectors.base import Destination
from hub.connectors.settings import SettingsReader

CONNECTOR = "fachverfahren-filedrop"
DEFAULT_SFTP_PORT = 22
DEFAULT_RECEIPT_SUFFIX = ".done"
DEFAULT_POLL_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class ReceiptSettings:
    """Where the receiver's done-marker or receipt for a message appears, and how long to wait for it."""

    suffix: str
    directory: str | None
    """``None``: beside the message file; else a folder (relative to the target folder, or absolute)."""
    timeout_seconds: float
    poll_seconds: float


@dataclass(frozen=True, slots=True)
class SftpAuth:
    username: str
    password_env: str | None = None
    key_file: Path | None = None
    passphrase_env: str | None = None


@dataclass(frozen=True, slots=True)
class HostKeyPolicy:
    """How the server's host key is checked: a known_hosts file, pinned keys, or (explicitly) not at all."""

    known_hosts_file: Path | None = None
    host_keys: tuple[str, ...] = ()
    accept_any: bool = False


@dataclass(frozen=True, slots=True)
class SftpTarget:
    host: str
    port: int
    directory: str
    """The target folder on the server: absolute, or relative to the login folder."""
    auth: SftpAuth
    host_keys: HostKeyPolicy

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        path = self.directory if self.directory.startswith("/") else f"/~/{self.directory}"
        return f"sftp://{self.auth.username}@{host}:{self.port}{path}"


@dataclass(frozen=True, slots=True)
class LocalTarget:
    directory: Path

    @property
    def url(self) -> str:
        return self.directory.as_uri()


@dataclass(frozen=True, slots=True)
class FileDropSettings:
    target: LocalTarget | SftpTarget
    receipt: ReceiptSettings | None
    timeout_seconds: float

    @classmethod
    def read(cls, destination: Destination) -> FileDropSettings:
        return _Reader(destination).read()


class _Reader(SettingsReader):
    def __init__(self, destination: Destination) -> None:
        super().__init__(destination, CONNECTOR)

    def read(self) -> FileDropSettings:
        timeout = self.seconds("timeoutSeconds", self.settings.get("timeoutSeconds", 10.0))
        return FileDropSettings(target=self.target(), receipt=self.receipt(timeout), timeout_seconds=timeout)

    def target(self) -> LocalTarget | SftpTarget:
        raw = self.text("target")
        parts = urlsplit(raw)
        if parts.scheme == "sftp":
            return self.sftp(raw)
        if parts.scheme == "file":
            if parts.netloc not in ("", "localhost"):
                raise self.fail(f"target {raw!r}: a file URL names no host (file:///folder)")
            return LocalTarget(Path(unquote(parts.path)))
        if parts.scheme and len(parts.scheme) > 1:  # not a Windows drive letter
            raise self.fail(f"target {raw!r}: use sftp://host[:port]/folder, file:///folder or a folder path")
        return LocalTarget(Path(raw).expanduser().absolute())

    def sftp(self, raw: str) -> SftpTarget:
        parts = urlsplit(raw)
        if not parts.hostname:
            raise self.fail(f"target {raw!r} names no host")
        if parts.password:
            raise self.fail("target: put no password in the URL; use auth.passwordEnv")
        try:
            port = parts.port or DEFAULT_SFTP_PORT
        except ValueError:
            raise self.fail(f"target {raw!r} has an invalid port") from None
        path = unquote(parts.path) or "/"
        # sftp://host/~/folder is relative to the login folder (draft-ietf-secsh-scp-sftp-ssh-uri).
        directory = (path[3:] or ".") if path.startswith("/~/") or path == "/~" else path
        directory = str(PurePosixPath(directory))
        auth = self.auth(parts.username)
        return SftpTarget(
            host=parts.hostname, port=port, directory=directory, auth=auth, host_keys=self.host_keys(parts.hostname)
        )

    def auth(self, url_user: str | None) -> SftpAuth:
        raw = self.mapping("auth", self.settings.get("auth") or {})
        username = self.optional_text("auth.username", raw.get("username")) or (unquote(url_user) if url_user else None)
        if not username:
            raise self.fail("an sftp target needs auth.username (or user@ in the URL)")
        password_env = self.optional_text("auth.passwordEnv", raw.get("passwordEnv"))
        key_file = self.optional_text("auth.keyFile", raw.get("keyFile"))
        if password_env is None and key_file is None:
            raise self.fail("an sftp target needs auth.passwordEnv or auth.keyFile")
        return SftpAuth(
            username=username,
            password_env=password_env,
            key_file=Path(key_file).expanduser().absolute() if key_file else None,
            passphrase_env=self.optional_text("auth.passphraseEnv", raw.get("passphraseEnv")),
        )

    def host_keys(self, host: str) -> HostKeyPolicy:
        known = self.optional_text("knownHostsFile")
        raw_keys = self.settings.get("hostKey")
        keys = (raw_keys,) if isinstance(raw_keys, str) else tuple(raw_keys or ())
        pinned = tuple(self.text("hostKey", k) for k in keys)
        accept_any = self.flag("insecureAcceptAnyHostKey")
        if accept_any and (known or pinned):
            raise self.fail("'insecureAcceptAnyHostKey' contradicts 'knownHostsFile'/'hostKey': choose one")
        if not (known or pinned or accept_any):
            raise self.fail(
                f"the host key of {host} cannot be checked: set 'knownHostsFile' or 'hostKey' "
                "(or, for a test system only, 'insecureAcceptAnyHostKey: true')"
            )
        return HostKeyPolicy(
            known_hosts_file=Path(known).expanduser().absolute() if known else None,
            host_keys=pinned,
            accept_any=accept_any,
        )

    def receipt(self, timeout: float) -> ReceiptSettings | None:
        raw = self.settings.get("receipt")
        if raw is None or raw is False:
            return None
        raw = self.mapping("receipt", {} if raw is True else raw)
        suffix = self.text("receipt.suffix", raw.get("suffix", DEFAULT_RECEIPT_SUFFIX))
        directory = self.optional_text("receipt.directory", raw.get("directory"))
        if "/" in suffix or "\\" in suffix:
            raise self.fail("setting 'receipt.suffix' must not contain a path separator")
        wait = self.seconds("receiptTimeoutSeconds", self.settings.get("receiptTimeoutSeconds", timeout))
        if wait > timeout:
            # One send is bounded by timeoutSeconds per step (connect, write, rename, receipt): the
            # hub's lease on the delivery is sized from that, so a longer wait could outlive it.
            raise self.fail("'receiptTimeoutSeconds' must not exceed 'timeoutSeconds'; raise 'timeoutSeconds'")
        return ReceiptSettings(
            suffix=suffix,
            directory=directory,
            timeout_seconds=wait,
            poll_seconds=self.seconds("receipt.pollSeconds", raw.get("pollSeconds", DEFAULT_POLL_SECONDS)),
        )
