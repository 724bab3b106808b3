"""The ``fachverfahren-soap`` connector: build a vendor's SOAP request at intake, POST it in the worker.

See :mod:`connectors.fachverfahren.soap` for the settings.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx
from lxml import etree

from connectors.fachverfahren.auth import auth_headers
from connectors.fachverfahren.soap.interface import SoapInterface
from connectors.fachverfahren.soap.pointers import source_pointer
from connectors.fachverfahren.soap.request import InvalidRequest, build_envelope, validate_body, xml_location
from connectors.fachverfahren.soap.response import FaultPolicy, read_answer
from connectors.fachverfahren.soap.settings import CONNECTOR, SoapSettings
from hub.connectors.base import Connector, OutboundMessage, Receipt, SubmissionData
from hub.connectors.http import client_for, transport_errors
from hub.errors import ConfigError, FieldProblem, MappingError
from hub.mapping import pointer
from hub.mapping.engine import apply_spec
from hub.mapping.spec import MappingSpec

DEFAULT_STANDARD = "fachverfahren-soap-json"
"""The mapping standard when the destination names none: a JSON-target spec whose targets are the
operation's parameters (``/Antragsteller/Name``); the catalog treats ``*-json`` standards as JSON targets."""
HUB_MESSAGE_ID = "X-Hub-Message-Id"


class SoapConnector(Connector):
    name = CONNECTOR

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Everything is read on first use, so a broken destination fails its builds (at intake) and
        # its sends (retried, with the reason in lastError), not the process that constructs it.
        self._lock = threading.Lock()
        self._settings: SoapSettings | None = None
        self._interface: SoapInterface | None = None
        self._http: httpx.Client | None = None

    @property
    def settings(self) -> SoapSettings:
        with self._lock:
            if self._settings is None:
                self._settings = SoapSettings.read(self.destination)
            return self._settings

    @property
    def interface(self) -> SoapInterface:
        settings = self.settings
        with self._lock:
            if self._interface is None:
                self._interface = SoapInterface(settings, self.destination.id)
            return self._interface

    @property
    def http(self) -> httpx.Client:
        with self._lock:
            if self._http is None:
                self._http = client_for(self.destination)
            return self._http

    # -- intake ----------------------------------------------------------------------------------

    def build(self, submission: SubmissionData, message_id: str) -> OutboundMessage:
        interface = self.interface
        spec = self.context.mappings.get(submission.service, self.destination.standard or DEFAULT_STANDARD)
        params = apply_spec(spec, dict(submission.envelope))
        if self.settings.message_id_target:
            pointer.assign(params, self.settings.message_id_target, message_id)
        operation = interface.operation
        try:
            with interface.pool.client() as (client, service):
                envelope = build_envelope(client, service, operation.name, interface.request_element, params)
            body = _body_element(envelope)
            if interface.validator is not None and body is not None:
                validate_body(interface.validator, body, params)
        except InvalidRequest as exc:
            raise self._mapping_error(spec, exc) from exc
        headers = {**operation.http_headers(), HUB_MESSAGE_ID: message_id}
        data = bytes(etree.tostring(envelope, xml_declaration=True, encoding="utf-8"))
        return OutboundMessage(message_id=message_id, media_type=operation.media_type, body=data, headers=headers)

    def _mapping_error(self, spec: MappingSpec, exc: InvalidRequest) -> MappingError | ConfigError:
        operation = self.interface.operation.name
        unknown = [p for p in exc.problems if p.unknown_name]
        if unknown:
            # The spec's targets are fixed: every submission would fail the same way.
            names = "; ".join(f"/{'/'.join(map(str, p.path))}: {p.message}" for p in unknown)
            return ConfigError(
                f"destination {self.destination.id!r} ({CONNECTOR}): mapping spec {spec.path.name} does not fit "
                f"the WSDL's {operation}: {names}"
            )
        problems = [
            FieldProblem(
                pointer=source_pointer(spec, p.path),
                message=f"the destination's interface ({operation}) refuses it: {p.message}",
                rule="wsdl",
                location=p.location or xml_location(operation, p.path),
            )
            for p in exc.problems
        ]
        return MappingError(f"the submission does not fit the interface of {self.destination.id}", problems)

    # -- worker ----------------------------------------------------------------------------------

    def send(self, message: OutboundMessage) -> Receipt:
        settings = self.settings
        operation = self.interface.operation
        headers = {**message.headers, **auth_headers(self.destination)}
        headers.setdefault(HUB_MESSAGE_ID, message.message_id)
        with transport_errors():
            response = self.http.post(operation.address, content=message.body, headers=headers)
        namespaces = {"tns": operation.target_namespace, **settings.namespaces}
        return read_answer(
            response,
            operation=operation.name,
            policy=FaultPolicy(settings.permanent_faults, settings.transient_faults),
            receipt_path=settings.receipt_path,
            namespaces=namespaces,
        )

    def close(self) -> None:
        with self._lock:
            interface, self._interface = self._interface, None
            http, self._http = self._http, None
        if interface is not None:
            interface.close()
        if http is not None:
            http.close()


def _body_element(envelope: etree._Element) -> etree._Element | None:
    """The first element inside the envelope's Body: the operation's request element."""
    for child in envelope:
        if isinstance(child.tag, str) and etree.QName(child).localname == "Body":
            return next((c for c in child if isinstance(c.tag, str)), None)
    return None
