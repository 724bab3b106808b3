"""The vendor's WSDL, loaded offline: the chosen operation, its SOAP version, action and endpoint.

zeep parses the WSDL and its XSDs from the local file system through the XTA client's offline
transport (:class:`~connectors.xoev.xta.transport.HttpxTransport` refuses any ``http(s)``
location), once per file and process (:func:`~connectors.xoev.xta.client.load_wsdl`). The
same WSDL is compiled a second time by lxml (:func:`hub.connectors.schemas.wsdl_types_validator`, which
reads a WSDL's ``<types>`` schema and its imports), so a request can be checked against every facet of
the schema, which zeep's serializer does not look at (lengths, patterns, enumerations).

zeep clients are not thread-safe: :class:`ZeepPool` lends each build its own client; they all
share the parsed WSDL, and none ever opens a connection (sending is the connector's job).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import httpx
import structlog
import zeep
from zeep.exceptions import ExternalReferenceForbidden
from zeep.wsdl import Document
from zeep.wsdl.bindings.soap import Soap12Binding, SoapBinding

from connectors.fachverfahren.soap.settings import CONNECTOR, SoapSettings
from connectors.xoev.xta.client import load_wsdl, zeep_settings
from connectors.xoev.xta.transport import HttpxTransport
from hub.connectors.lending import ClientLender
from hub.connectors.schemas import wsdl_types_validator
from hub.errors import ConfigError

log = structlog.get_logger(__name__)

SOAP11_MEDIA_TYPE = "text/xml"
SOAP12_MEDIA_TYPE = "application/soap+xml"


@dataclass(frozen=True, slots=True)
class Operation:
    """What sending the chosen operation needs to know, taken from the WSDL (and the settings)."""

    name: str
    soap_version: str
    """``1.1`` or ``1.2``, as the port's binding says."""
    soap_action: str
    address: str
    target_namespace: str

    @property
    def media_type(self) -> str:
        return SOAP12_MEDIA_TYPE if self.soap_version == "1.2" else SOAP11_MEDIA_TYPE

    def http_headers(self) -> dict[str, str]:
        """Content-Type and SOAPAction as SOAP 1.1 (``SOAPAction`` header) or 1.2 (``action`` parameter) want."""
        if self.soap_version == "1.2":
            action = f'; action="{self.soap_action}"' if self.soap_action else ""
            return {"Content-Type": f"{SOAP12_MEDIA_TYPE}; charset=utf-8{action}"}
        return {"Content-Type": f"{SOAP11_MEDIA_TYPE}; charset=utf-8", "SOAPAction": f'"{self.soap_action}"'}


def _refuse(request: httpx.Request) -> httpx.Response:
    raise ConfigError(f"{CONNECTOR}: zeep tried to reach {request.url}; it only builds messages here")


class ZeepPool:
    """zeep clients on one WSDL for concurrent builds; grows to as many as run at once."""

    def __init__(self, document: Document, service: str | None, port: str | None) -> None:
        self._document = document
        self._service = service
        self._port = port
        # zeep wants a transport; this one has no network (see _refuse) and is never used to send.
        self._http = httpx.Client(transport=httpx.MockTransport(_refuse))
        self._clients: ClientLender[tuple[Any, Any]] = ClientLender(self._new)

    def _new(self) -> tuple[Any, Any]:
        # zeep's Client is only partly annotated; its service proxies are dynamic anyway.
        factory: Any = zeep.Client
        client = factory(self._document, transport=HttpxTransport(self._http), settings=zeep_settings())
        return client, client.bind(self._service, self._port)

    def client(self) -> AbstractContextManager[tuple[Any, Any]]:
        """A ``(zeep.Client, ServiceProxy)`` pair for this thread alone, returned to the pool afterwards."""
        return self._clients.borrow()

    def close(self) -> None:
        self._clients.close()
        self._http.close()


class SoapInterface:
    """The destination's WSDL: the chosen operation, a pool of zeep clients and the lxml validator."""

    def __init__(self, settings: SoapSettings, destination_id: str) -> None:
        self.settings = settings
        self._destination_id = destination_id
        try:
            document = load_wsdl(settings.wsdl)
        except ExternalReferenceForbidden as exc:
            raise self._fail(f"the WSDL {settings.wsdl} cannot be loaded offline: it refers to {exc.url}") from exc
        except ConfigError as exc:  # the transport refused a network location
            raise self._fail(f"the WSDL {settings.wsdl} cannot be loaded offline: {exc}") from exc
        except Exception as exc:  # zeep raises many kinds: XML syntax, unresolvable references, ...
            raise self._fail(f"the WSDL {settings.wsdl} cannot be loaded: {type(exc).__name__}: {exc}") from exc
        self.operation = self._operation(document)
        self.pool = ZeepPool(document, settings.service, settings.port)
        self.validator, problem = wsdl_types_validator(settings.wsdl)
        if problem is not None:
            log.warning("soap_schema_not_compiled", destination=destination_id, wsdl=str(settings.wsdl), reason=problem)

    def _fail(self, what: str) -> ConfigError:
        return ConfigError(f"destination {self._destination_id!r} ({CONNECTOR}): {what}")

    def _operation(self, document: Document) -> Operation:
        services = document.services
        name = self.settings.service
        if name is not None and name not in services:
            raise self._fail(f"the WSDL has no service {name!r}; it has {', '.join(services) or 'none'}")
        service = services[name] if name is not None else next(iter(services.values()), None)
        if service is None:
            raise self._fail("the WSDL declares no service")
        port_name = self.settings.port
        if port_name is not None and port_name not in service.ports:
            raise self._fail(f"service {service.name!r} has no port {port_name!r}; it has {', '.join(service.ports)}")
        port = service.ports[port_name] if port_name is not None else next(iter(service.ports.values()))
        binding: Any = port.binding  # zeep is only partly annotated
        if not isinstance(port.binding, SoapBinding):
            raise self._fail(f"port {port.name!r} is not bound to SOAP ({type(binding).__name__})")
        try:
            operation = binding.get(self.settings.operation)
        except ValueError:
            known = ", ".join(sorted(binding.port_type.operations)) or "none"
            raise self._fail(
                f"port {port.name!r} has no operation {self.settings.operation!r}; it has {known}"
            ) from None
        # The request's body element (document/literal: one element), shared by every zeep client.
        self.request_element = operation.input.body
        if operation.style != "document" or self.request_element is None:
            raise self._fail(
                f"operation {operation.name!r} is {operation.style}-style; only document/literal is supported"
            )
        address = self.settings.address or port.binding_options.get("address")
        if not address:
            raise self._fail(f"port {port.name!r} has no soap:address: set 'address'")
        return Operation(
            name=operation.name,
            soap_version="1.2" if isinstance(binding, Soap12Binding) else "1.1",
            soap_action=operation.soapaction or "",
            address=str(address),
            target_namespace=str(getattr(binding.name, "namespace", None) or ""),
        )

    def close(self) -> None:
        self.pool.close()
