"""The keyring: the key-encryption keys (KEKs) the hub wraps its data keys with.

Given as ``HUB_DATA_KEYS_FILE`` (a file, mode 0600, outside the database's backups) or
``HUB_DATA_KEYS`` (the same content inline, for secret stores that inject environment variables).
The content is JSON::

    {"current": "2026-12", "keys": {"2026-06": "<base64 of 32 random bytes>",
                                    "2026-12": "<base64 of 32 random bytes>"}}

``current`` names the key every new value is sealed under; the other keys only open values sealed
earlier, until ``hub keys rotate`` has re-sealed them and ``hub keys status`` shows that no row
needs them any more; then they can be removed. A key id is 1 to 32 letters, digits, ``.``, ``_``
or ``-`` and is stored in clear in every sealed value (it names a key, it is no secret).
``hub keys generate`` writes a new key into such a file and makes it current.
"""

from __future__ import annotations

import base64
import os
import re
from dataclasses import dataclass
from pathlib import Path

import orjson

from hub.errors import ConfigError

KEY_BYTES = 32  # AES-256
_KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,32}$")


class KeyringError(ConfigError):
    """The keyring is malformed (never quotes a key)."""


@dataclass(frozen=True)
class Keyring:
    current: str
    keys: dict[str, bytes]

    def __post_init__(self) -> None:
        for key_id, key in self.keys.items():
            if not _KEY_ID.match(key_id):
                raise KeyringError(f"keyring: key id {key_id!r} is not 1-32 of A-Z a-z 0-9 . _ -")
            if len(key) != KEY_BYTES:
                raise KeyringError(f"keyring: key {key_id!r} is {len(key)} bytes, AES-256 needs {KEY_BYTES}")
        if self.current not in self.keys:
            raise KeyringError(f"keyring: the current key {self.current!r} is not among its keys")

    def to_json(self) -> bytes:
        keys = {k: base64.b64encode(v).decode() for k, v in self.keys.items()}
        return orjson.dumps({"current": self.current, "keys": keys}, option=orjson.OPT_INDENT_2)

    def with_new_current(self, key_id: str, key: bytes | None = None) -> Keyring:
        """This keyring with another key (fresh random bytes unless given) as the current one."""
        if key_id in self.keys:
            raise KeyringError(f"keyring: key id {key_id!r} exists already")
        return Keyring(key_id, {**self.keys, key_id: key if key is not None else generate_key()})


def generate_key() -> bytes:
    return os.urandom(KEY_BYTES)


def parse_keyring(content: str | bytes, source: str) -> Keyring:
    try:
        raw = orjson.loads(content)
    except orjson.JSONDecodeError as error:
        raise KeyringError(f"{source}: not JSON ({error.msg} at position {error.pos})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("keys"), dict) or not isinstance(raw.get("current"), str):
        raise KeyringError(f'{source}: expected {{"current": "<key id>", "keys": {{"<key id>": "<base64>"}}}}')
    keys: dict[str, bytes] = {}
    for key_id, encoded in raw["keys"].items():
        try:
            keys[key_id] = base64.b64decode(encoded, validate=True)
        except (ValueError, TypeError):
            raise KeyringError(f"{source}: key {key_id!r} is not base64") from None
    try:
        return Keyring(raw["current"], keys)
    except KeyringError as error:
        raise KeyringError(f"{source}: {error}") from None


def load_keyring(keys_file: Path | None, keys_inline: str | None) -> Keyring | None:
    """The configured keyring, or None when neither setting is given (encryption off)."""
    if keys_file is not None and keys_inline:
        raise KeyringError("set HUB_DATA_KEYS_FILE or HUB_DATA_KEYS, not both")
    if keys_file is not None:
        try:
            content = keys_file.read_bytes()
        except OSError as error:
            raise KeyringError(f"HUB_DATA_KEYS_FILE {keys_file}: {error.strerror}") from None
        return parse_keyring(content, f"HUB_DATA_KEYS_FILE {keys_file}")
    if keys_inline:
        return parse_keyring(keys_inline, "HUB_DATA_KEYS")
    return None


def write_keyring(path: Path, keyring: Keyring) -> None:
    """Write atomically with mode 0600: a crash leaves the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(keyring.to_json())
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
