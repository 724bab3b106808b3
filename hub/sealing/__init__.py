"""Sealing: encryption at rest of the personal content the hub stores (issue 13).

A base library like :mod:`hub.xml`: the store imports it, it imports nothing of the hub but
:mod:`hub.errors`. :mod:`hub.sealing.keyring` reads the key-encryption keys,
:mod:`hub.sealing.sealer` seals and opens values; the format and the key handling are described
there.
"""

from hub.sealing.keyring import Keyring, KeyringError, generate_key, load_keyring
from hub.sealing.sealer import SEALED_TEXT_PREFIX, Sealer, SealError

__all__ = [
    "SEALED_TEXT_PREFIX",
    "Keyring",
    "KeyringError",
    "SealError",
    "Sealer",
    "generate_key",
    "load_keyring",
]
