"""The XÖV message frame: what every XÖV message's header says, from the destination's configuration.

A portal's envelope knows the application, not the XÖV header (``nachrichtenkopf``): the message's
UUID, its creation time, and the authorities that write and read it, each a DVDV Behördenkennung
(prefix and code, e.g. ``bau:05562014``). The connector adds them to (a copy of) the envelope as the
``hub`` object, which mapping specs read like any other field::

    hub:
      messageId: 3f2c…        # nachrichtenUUID; the hub's message id, the same on every retry
      submissionId: 6c1f…     # the application's id in the hub (referenzAntragsservice)
      createdAt: 2026-05-04T10:15:00+02:00
      author: {prefix, code, name, reachability}   # the sending side
      reader: {prefix, code, name, reachability}   # the receiving authority

``reachability`` (XÖV ``erreichbarkeit``) lists how the authority can be reached for queries:
``[{channel, address, listVersion}]`` with ``channel`` a code of ``urn:de:xoev:codeliste:erreichbarkeit``
(e.g. ``01`` e-mail, ``02`` telephone) and ``listVersion`` that list's version as the receiver
expects it; it is empty unless the destination's settings give it.

``createdAt`` is the submission's receipt time, not the clock at mapping: the message is built once,
at intake, and stored; a retry sends the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.connectors.base import SubmissionData

_PREFIX = re.compile(r"^[a-z]{3}$")
_CODE = re.compile(r"^\d+$")


@dataclass(frozen=True, slots=True)
class Reachability:
    """One way to reach an authority (XÖV ``erreichbarkeit``): a channel code and the address on it."""

    channel: str
    address: str
    list_version: str

    def as_dict(self) -> dict[str, str]:
        return {"channel": self.channel, "address": self.address, "listVersion": self.list_version}

    @classmethod
    def read(cls, raw: Any) -> Reachability:
        if not isinstance(raw, Mapping):
            raise ValueError("reachability entries must be mappings {channel, address, listVersion}")
        channel, address, version = (str(raw.get(k) or "").strip() for k in ("channel", "address", "listVersion"))
        if not (channel and address and version):
            raise ValueError("a reachability entry needs channel, address and listVersion")
        return cls(channel, address, version)


@dataclass(frozen=True, slots=True)
class Authority:
    """A DVDV-registered authority: Behördenkennung ``prefix:code``, a display name, how to reach it."""

    prefix: str
    code: str
    name: str
    reachability: tuple[Reachability, ...] = ()

    @property
    def kennung(self) -> str:
        return f"{self.prefix}:{self.code}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "prefix": self.prefix,
            "code": self.code,
            "name": self.name,
            "reachability": [r.as_dict() for r in self.reachability],
        }

    @classmethod
    def read(cls, raw: Any) -> Authority:
        """From ``{prefix, code, name}``; a DVDV Behördenkennung is three lower-case letters and digits.

        Raises ``ValueError`` saying what is wrong (the caller names the setting).
        """
        if not isinstance(raw, Mapping):
            raise ValueError("must be a mapping {prefix, code, name}")
        prefix, code, name = (str(raw.get(key) or "").strip() for key in ("prefix", "code", "name"))
        if not _PREFIX.match(prefix):
            raise ValueError(f"needs a Behördenkennung prefix of three lower-case letters, not {prefix!r}")
        if not _CODE.match(code):
            raise ValueError(f"needs a Behördenkennung code of digits, not {code!r}")
        if not name:
            raise ValueError("needs a name")
        reachability = raw.get("reachability") or []
        if not isinstance(reachability, list):
            raise ValueError("'reachability' must be a list")
        return cls(prefix, code, name, tuple(Reachability.read(r) for r in reachability))


def message_frame(submission: SubmissionData, message_id: str, author: Authority, reader: Authority) -> dict[str, Any]:
    """The ``hub`` object of one message (see the module docstring)."""
    return {
        "messageId": message_id,
        "submissionId": submission.id,
        "createdAt": submission.received_at.isoformat(timespec="seconds"),
        "author": author.as_dict(),
        "reader": reader.as_dict(),
    }


def with_frame(submission: SubmissionData, frame: dict[str, Any]) -> dict[str, Any]:
    """A shallow copy of the envelope with the ``hub`` object added (the stored envelope is not touched)."""
    return {**submission.envelope, "hub": frame}
