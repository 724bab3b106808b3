"""Configuration of one XTA 2 account: where the WSDL and the server are, who we are, TLS files.

The WSDL is never bundled: deployments point ``wsdl_path`` at their schema catalog (the official
``XTA.wsdl`` beside its XSDs). Its ``soap:address`` entries are placeholders
(``REPLACE_WITH_ACTUAL_URL``), so each port's address always comes from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PORT_NAMES = ("ManagementPort", "SendXtaPort", "MsgBoxPort")


@dataclass(frozen=True, slots=True)
class Party:
    """An OSCI party identifier (``PartyIdentifierType``): e.g. a DVDV authority key with its type."""

    identifier: str
    type: str = "xoev"
    name: str | None = None
    category: str | None = None


@dataclass(frozen=True, slots=True)
class XtaEndpoints:
    """The address of each of the WSDL's ports; XTA servers may serve them apart."""

    management: str
    send: str
    msgbox: str

    @classmethod
    def under(cls, base_url: str) -> XtaEndpoints:
        """Ports at ``{base_url}/ManagementPort`` and so on (the simulator's layout)."""
        base = base_url.rstrip("/")
        return cls(f"{base}/ManagementPort", f"{base}/SendXtaPort", f"{base}/MsgBoxPort")


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """Client certificate and key for mutual TLS (the WSDL's policy requires one), and the CA to trust."""

    cert: Path | None = None
    key: Path | None = None
    ca: Path | None = None


@dataclass(frozen=True, slots=True)
class XtaSettings:
    """Everything an :class:`~connectors.xoev.xta.client.XtaClient` needs to talk to one account."""

    wsdl_path: Path
    endpoints: XtaEndpoints
    account: Party
    """Our own identity, sent as ``AuthorIdentifier`` header; the reader's message box is this one's."""
    timeout: float = 30.0
    """Seconds for connect, read and write of each call; a timeout is a transient failure."""
    tls: TlsFiles | None = None
