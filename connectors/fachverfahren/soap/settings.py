"""The ``settings`` of a ``fachverfahren-soap`` destination, read and checked into typed values.

The format is documented in :mod:`connectors.fachverfahren.soap`. Every problem is a
:class:`~hub.errors.ConfigError` naming the destination and the setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from hub.connectors.base import Destination
from hub.connectors.mapping import parse_pointer
from hub.connectors.settings import SettingsReader

CONNECTOR = "fachverfahren-soap"


@dataclass(frozen=True, slots=True)
class SoapSettings:
    wsdl: Path
    """The vendor's WSDL (absolute: the region loader resolves ``wsdlFile`` against the config folder)."""
    operation: str
    service: str | None = None
    port: str | None = None
    address: str | None = None
    """The endpoint; ``None``: the ``soap:address`` of the chosen port in the WSDL."""
    receipt_path: str | None = None
    """XPath (1.0) evaluated on the answer's ``Body``; its value is the receipt's reference."""
    namespaces: Mapping[str, str] = field(default_factory=dict)
    """Prefixes for ``receiptPath`` (``tns`` is the WSDL's target namespace unless given)."""
    permanent_faults: frozenset[str] = frozenset()
    """Fault detail elements (local or ``{ns}local`` name) that make even a Server fault permanent."""
    transient_faults: frozenset[str] = frozenset()
    """Fault detail elements that make even a Client fault worth retrying."""
    message_id_target: str | None = None
    """JSON pointer into the operation's parameters where the hub's message id goes."""

    @classmethod
    def read(cls, destination: Destination) -> SoapSettings:
        return _Reader(destination).read()


class _Reader(SettingsReader):
    def __init__(self, destination: Destination) -> None:
        super().__init__(destination, CONNECTOR)

    def read(self) -> SoapSettings:
        if "wsdl" in self.settings and "wsdlFile" not in self.settings:
            raise self.fail("the WSDL is set with 'wsdlFile' (relative to the config folder), not 'wsdl'")
        wsdl = Path(self.text("wsdlFile")).expanduser()
        if not wsdl.is_file():
            raise self.fail(f"the WSDL {str(wsdl)!r} is not a file")
        namespaces = self.settings.get("namespaces") or {}
        if not isinstance(namespaces, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in namespaces.items()
        ):
            raise self.fail("setting 'namespaces' must map prefixes to namespace URIs")
        receipt_path = self.optional_text("receiptPath")
        if receipt_path is not None:
            try:
                etree.XPath(receipt_path, namespaces={"tns": "urn:check", **namespaces})
            except etree.XPathSyntaxError as exc:
                raise self.fail(f"setting 'receiptPath' {receipt_path!r} is not an XPath: {exc}") from None
        target = self.optional_text("messageIdParameter")
        if target is not None:
            try:
                if not parse_pointer(target):
                    raise ValueError("the empty pointer names no parameter")
            except ValueError as exc:
                raise self.fail(
                    f"setting 'messageIdParameter' must be a JSON pointer like '/NachrichtId': {exc}"
                ) from None
        tls: Any = self.settings.get("tls")
        if tls is not None and not isinstance(tls, Mapping):
            raise self.fail("setting 'tls' must be a mapping {certFile, keyFile, caFile}")
        return SoapSettings(
            wsdl=wsdl.resolve(),
            operation=self.text("operation"),
            service=self.optional_text("service"),
            port=self.optional_text("port"),
            address=self.optional_text("address"),
            receipt_path=receipt_path,
            namespaces=dict(namespaces),
            permanent_faults=self.names("permanentFaults"),
            transient_faults=self.names("transientFaults"),
            message_id_target=target,
        )
