"""Sealing and opening values: AES-256-GCM under per-period data keys wrapped by the keyring's KEK.

Format of a sealed value (version 1), all of it stored in the row::

    b"\\xa7HS" | 0x01 | len(key id) | key id | wrapped data key (40) | nonce (12) | ciphertext+tag

* The data key is random, 32 bytes, and wrapped with the current key-encryption key by AES key
  wrap (RFC 3394, ``cryptography``'s ``aes_key_wrap``). A process makes one per KEK and period
  (:data:`DATA_KEY_PERIOD_SECONDS`) and keeps it in memory; readers keep the data keys they have
  unwrapped (bounded cache). Sealing therefore costs no database round trip and no extra row: the
  wrapped key travels inside the value.
* The nonce is 96 random bits per value (NIST SP 800-38D's limit of 2^32 values per key is far
  above what one process seals under one data key in one period).
* Associated data is the header (version, key id, wrapped key) and the value's *context*: table,
  column and the row's identity (``"delivery.payload/<delivery id>"``). A value copied into another
  row, column or table, or a header changed, does not authenticate: :class:`SealError`.
* Columns that hold JSON or text store ``"hs1:" + base64(sealed value)`` (:data:`SEALED_TEXT_PREFIX`),
  binary columns the bytes. A value without the marker is plaintext written before encryption was
  on (or while it is off): it is read as it is, and ``hub keys rotate`` seals it.

With no keyring configured the sealer is *off*: values are written in plaintext, a sealed value
cannot be opened (SealError naming the key id) and the hub logs a warning at start.
"""

from __future__ import annotations

import base64
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from hub.errors import HubError
from hub.sealing.keyring import KEY_BYTES, Keyring

MAGIC = b"\xa7HS"
VERSION = 1
SEALED_TEXT_PREFIX = "hs1:"
WRAPPED_BYTES = KEY_BYTES + 8
NONCE_BYTES = 12
DATA_KEY_PERIOD_SECONDS = 24 * 3600
_UNWRAPPED_CACHE_SIZE = 4096


class SealError(HubError):
    """A sealed value cannot be opened. The message names the context and key id, never content."""


@dataclass(frozen=True)
class _DataKey:
    key_id: str
    wrapped: bytes
    cipher: AESGCM
    made_at: float


@dataclass(frozen=True)
class Header:
    key_id: str
    wrapped: bytes
    body_at: int


def parse_header(blob: bytes, context: str) -> Header:
    if len(blob) < 5 or blob[:3] != MAGIC:
        raise SealError(f"{context}: not a sealed value")
    if blob[3] != VERSION:
        raise SealError(f"{context}: sealed in format version {blob[3]}, this hub reads version {VERSION}")
    id_end = 5 + blob[4]
    wrapped_end = id_end + WRAPPED_BYTES
    if len(blob) < wrapped_end + NONCE_BYTES + 16:
        raise SealError(f"{context}: sealed value is truncated")
    return Header(blob[5:id_end].decode("ascii", "replace"), blob[id_end:wrapped_end], wrapped_end)


class Sealer:
    """Seals values under the keyring's current key and opens values sealed under any of its keys."""

    def __init__(self, keyring: Keyring | None) -> None:
        self.keyring = keyring
        self._lock = threading.Lock()
        self._writing: _DataKey | None = None
        self._unwrapped: dict[bytes, AESGCM] = {}

    @property
    def enabled(self) -> bool:
        return self.keyring is not None

    @property
    def current_key_id(self) -> str | None:
        return self.keyring.current if self.keyring else None

    # -- bytes ---------------------------------------------------------------------------------

    def seal(self, plaintext: bytes, context: str) -> bytes:
        """``plaintext`` sealed for ``context`` (unchanged when sealing is off)."""
        if self.keyring is None:
            return plaintext
        dk = self._data_key()
        head = MAGIC + bytes((VERSION, len(dk.key_id))) + dk.key_id.encode("ascii") + dk.wrapped
        nonce = os.urandom(NONCE_BYTES)
        return head + nonce + dk.cipher.encrypt(nonce, plaintext, head + context.encode())

    def open(self, stored: bytes, context: str) -> bytes:
        """The plaintext of a stored value: opened if sealed, as it is if it was stored in plaintext."""
        if stored[:3] != MAGIC:
            return stored
        header = parse_header(stored, context)
        cipher = self._cipher_for(header, context)
        at = header.body_at
        nonce, body = stored[at : at + NONCE_BYTES], stored[at + NONCE_BYTES :]
        try:
            return cipher.decrypt(nonce, body, stored[:at] + context.encode())
        except InvalidTag:
            raise SealError(
                f"{context}: sealed value does not authenticate (altered, or moved from another row or column)"
            ) from None

    # -- JSON and text columns -----------------------------------------------------------------

    def seal_text(self, value: str | None, context: str) -> str | None:
        if value is None or self.keyring is None:
            return value
        return self._token(value.encode(), context)

    def open_text(self, stored: str | None, context: str) -> str | None:
        if stored is None or not stored.startswith(SEALED_TEXT_PREFIX):
            return stored
        return self.open(_decode_token(stored, context), context).decode()

    def seal_json(self, value: Any, context: str) -> Any:
        """A JSON column's value sealed as a JSON string (None stays None)."""
        if value is None or self.keyring is None:
            return value
        return self._token(orjson.dumps(value), context)

    def _token(self, plaintext: bytes, context: str) -> str:
        """A sealed value as text: the prefix and the sealed bytes in base64."""
        return SEALED_TEXT_PREFIX + base64.b64encode(self.seal(plaintext, context)).decode("ascii")

    def open_json(self, stored: Any, context: str) -> Any:
        if isinstance(stored, str) and stored.startswith(SEALED_TEXT_PREFIX):
            return orjson.loads(self.open(_decode_token(stored, context), context))
        return stored

    def open_bytes(self, stored: bytes | None, context: str) -> bytes | None:
        return None if stored is None else self.open(stored, context)

    def seal_bytes(self, value: bytes | None, context: str) -> bytes | None:
        return None if value is None else self.seal(value, context)

    # -- keys ----------------------------------------------------------------------------------

    def _data_key(self) -> _DataKey:
        assert self.keyring is not None
        dk = self._writing
        now = time.monotonic()
        if dk is not None and dk.key_id == self.keyring.current and now - dk.made_at < DATA_KEY_PERIOD_SECONDS:
            return dk
        with self._lock:
            data_key = AESGCM.generate_key(bit_length=256)
            kek = self.keyring.keys[self.keyring.current]
            dk = _DataKey(self.keyring.current, aes_key_wrap(kek, data_key), AESGCM(data_key), now)
            self._writing = dk
            self._unwrapped[dk.wrapped] = dk.cipher
        return dk

    def _cipher_for(self, header: Header, context: str) -> AESGCM:
        cipher = self._unwrapped.get(header.wrapped)
        if cipher is not None:
            return cipher
        kek = self.keyring.keys.get(header.key_id) if self.keyring else None
        if kek is None:
            held = "no keyring is configured" if self.keyring is None else "the keyring does not hold it"
            raise SealError(f"{context}: sealed under key id {header.key_id!r}, {held}")
        try:
            cipher = AESGCM(aes_key_unwrap(kek, header.wrapped))
        except InvalidUnwrap:
            raise SealError(f"{context}: the data key does not unwrap under key id {header.key_id!r}") from None
        with self._lock:
            if len(self._unwrapped) >= _UNWRAPPED_CACHE_SIZE:
                self._unwrapped.clear()
            self._unwrapped[header.wrapped] = cipher
        return cipher


def _decode_token(stored: str, context: str) -> bytes:
    try:
        return base64.b64decode(stored[len(SEALED_TEXT_PREFIX) :], validate=True)
    except ValueError:
        raise SealError(f"{context}: sealed text is not base64") from None


def key_id_of(stored: Any) -> str | None:
    """The key id a stored value is sealed under; None for plaintext (and for None)."""
    if isinstance(stored, str):
        if not stored.startswith(SEALED_TEXT_PREFIX):
            return None
        # base64 of the first 5+32 bytes is enough for the header's key id
        try:
            stored = base64.b64decode(stored[len(SEALED_TEXT_PREFIX) : len(SEALED_TEXT_PREFIX) + 52] + "==")
        except ValueError:
            return "?"
    if isinstance(stored, bytes | memoryview):
        blob = bytes(stored[:40])
        if blob[:3] != MAGIC or len(blob) < 5:
            return None
        return blob[5 : 5 + blob[4]].decode("ascii", "replace")
    return None
