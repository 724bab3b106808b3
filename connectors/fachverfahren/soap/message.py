"""Building the SOAP request at intake: the spec's parameters, the hub's message id, zeep's envelope,
the WSDL's schema; what does not fit is a 422 at the submission's JSON pointers.

The stored message is the serialized envelope with the binding's SOAP 1.1 or 1.2 headers, so every
attempt sends the same bytes. A problem the parameters' *names* cause (a spec target the WSDL does not
have) would fail every submission the same way: that is the destination's configuration, a
:class:`~hub.errors.ConfigError`, not the applicant's data.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from connectors.fachverfahren.soap.interface import SoapInterface
from connectors.fachverfahren.soap.request import InvalidRequest, build_envelope, validate_body, xml_location
from connectors.fachverfahren.soap.settings import CONNECTOR
from hub.connectors.base import OutboundMessage
from hub.connectors.mapping import MappingSpec, source_pointer
from hub.errors import ConfigError, FieldProblem, MappingError

HUB_MESSAGE_ID = "X-Hub-Message-Id"


def build_message(
    interface: SoapInterface, spec: MappingSpec, params: dict[str, Any], message_id: str, destination_id: str
) -> OutboundMessage:
    """The request for ``params`` (the spec's output, the message id already in place)."""
    operation = interface.operation
    try:
        with interface.pool.client() as (client, service):
            envelope = build_envelope(client, service, operation.name, interface.request_element, params)
        body = _body_element(envelope)
        if interface.validator is not None and body is not None:
            validate_body(interface.validator, body, params)
    except InvalidRequest as exc:
        raise _mapping_error(spec, exc, operation.name, destination_id) from exc
    headers = {**operation.http_headers(), HUB_MESSAGE_ID: message_id}
    data = bytes(etree.tostring(envelope, xml_declaration=True, encoding="utf-8"))
    return OutboundMessage(message_id=message_id, media_type=operation.media_type, body=data, headers=headers)


def _mapping_error(
    spec: MappingSpec, exc: InvalidRequest, operation: str, destination_id: str
) -> MappingError | ConfigError:
    unknown = [p for p in exc.problems if p.unknown_name]
    if unknown:
        # The spec's targets are fixed: every submission would fail the same way.
        names = "; ".join(f"/{'/'.join(map(str, p.path))}: {p.message}" for p in unknown)
        return ConfigError(
            f"destination {destination_id!r} ({CONNECTOR}): mapping spec {spec.path.name} does not fit "
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
    return MappingError(f"the submission does not fit the interface of {destination_id}", problems)


def _body_element(envelope: etree._Element) -> etree._Element | None:
    """The first element inside the envelope's Body: the operation's request element."""
    for child in envelope:
        if isinstance(child.tag, str) and etree.QName(child).localname == "Body":
            return next((c for c in child if isinstance(c.tag, str)), None)
    return None
