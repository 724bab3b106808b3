"""The ``fachverfahren-soap`` connector: build a vendor's SOAP request at intake, POST it in the worker.

See :mod:`connectors.fachverfahren.soap` for what it does and :mod:`.settings` for the settings.
"""

from __future__ import annotations

from connectors.fachverfahren.soap.interface import SoapInterface
from connectors.fachverfahren.soap.message import HUB_MESSAGE_ID, build_message
from connectors.fachverfahren.soap.response import FaultPolicy, read_answer
from connectors.fachverfahren.soap.settings import CONNECTOR, SoapSettings
from hub.connectors.auth import auth_headers
from hub.connectors.base import ConnectorContext, Destination, OutboundMessage, Receipt, SubmissionData
from hub.connectors.first_use import FirstUse
from hub.connectors.http_connector import HttpConnector
from hub.connectors.mapping import apply_spec, assign_pointer

DEFAULT_STANDARD = "fachverfahren-soap-json"
"""The mapping standard when the destination names none: a JSON-target spec whose targets are the
operation's parameters (``/Antragsteller/Name``); the catalog treats ``*-json`` standards as JSON targets."""


class SoapConnector(HttpConnector):
    name = CONNECTOR

    def __init__(self, destination: Destination, context: ConnectorContext) -> None:
        super().__init__(destination, context)
        # Everything is read on first use, so a broken destination fails its builds (at intake) and
        # its sends (retried, with the reason in lastError), not the process that constructs it.
        self._settings = FirstUse(lambda: SoapSettings.read(self.destination))
        self._interface = FirstUse(lambda: SoapInterface(self.settings, self.destination.id))

    @property
    def settings(self) -> SoapSettings:
        return self._settings.get()

    @property
    def interface(self) -> SoapInterface:
        return self._interface.get()

    def build(self, submission: SubmissionData, message_id: str) -> OutboundMessage:
        interface = self.interface
        spec = self.context.mappings.get(submission.service, self.destination.standard or DEFAULT_STANDARD)
        params = apply_spec(spec, dict(submission.envelope))
        if self.settings.message_id_target:
            assign_pointer(params, self.settings.message_id_target, message_id)
        return build_message(interface, spec, params, message_id, self.destination.id)

    def send(self, message: OutboundMessage) -> Receipt:
        settings = self.settings
        operation = self.interface.operation
        headers = {**message.headers, **auth_headers(self.destination)}
        headers.setdefault(HUB_MESSAGE_ID, message.message_id)
        response = self.post(operation.address, content=message.body, headers=headers)
        namespaces = {"tns": operation.target_namespace, **settings.namespaces}
        return read_answer(
            response,
            operation=operation.name,
            policy=FaultPolicy(settings.permanent_faults, settings.transient_faults),
            receipt_path=settings.receipt_path,
            namespaces=namespaces,
        )

    def close(self) -> None:
        interface = self._interface.take()
        if interface is not None:
            interface.close()
        super().close()
