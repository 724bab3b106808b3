"""The XTA 2 operations the simulator answers, as plain functions from request to answer elements.

Each handler gets the parsed request and returns the body and header elements of its answer, or
raises :class:`~hub.sim.xta.soap.SoapFault`. A sender needs checkAccountActive, lookupService,
createMessageId, sendMessage and getTransportReport; a reader getStatusList, getMessage and close.
The reader's message box is the set of messages addressed to it (``Destinations/Reader``), told
apart by the ``Author`` header the reader sends with each call.
"""

from __future__ import annotations

import base64
import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from hub.sim.xta.schema import OSCI_NS, OSCIMETA_NS, WSA_NS, XTA_NS
from hub.sim.xta.soap import (
    INVALID_MESSAGE_ID,
    MESSAGE_ID_TAKEN,
    PARAMETER_NOT_VALID,
    SoapFault,
    SoapRequest,
    q,
)
from hub.sim.xta.state import Content, ReportStatus, StoredMessage, XtaState, utc_now

RECORD_CODE_LIST = "urn:de:emscher-lippe:xta-sim:record-type"
"""XTA has no published record-type code list; the simulator's report entries use this one."""
MSGBOX_NO_MATCH = "http://www.osci.eu/ws/2008/05/transport/MsgBox/reasons/NoMatch"


@dataclass(slots=True)
class Answer:
    """Body and header elements of a successful answer."""

    body: list[etree._Element] = field(default_factory=list)
    headers: list[etree._Element] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Context:
    """What every handler may need besides the request."""

    state: XtaState
    server_identity: str
    report: ReportStatus | None = None
    report_reason: str | None = None


Handler = Callable[[SoapRequest, Context], Answer]


def _text(el: etree._Element | None, path: str) -> str:
    found = el.find(path) if el is not None else None
    return (found.text or "").strip() if found is not None else ""


def _caller(request: SoapRequest) -> str | None:
    """The account named in the optional ``AuthorIdentifier`` header (an ``oscimeta:Author``)."""
    author = request.headers.get(q(OSCIMETA_NS, "Author"))
    if author is None:
        return None
    return _text(author, q(OSCIMETA_NS, "Identifier")) or None


def check_account_active(request: SoapRequest, ctx: Context) -> Answer:
    return Answer()


def create_message_id(request: SoapRequest, ctx: Context) -> Answer:
    message_id = etree.Element(q(WSA_NS, "MessageID"))
    message_id.text = f"urn:de:xta:messageid:{uuid.uuid4()}"
    return Answer(body=[message_id])


def lookup_service(request: SoapRequest, ctx: Context) -> Answer:
    """Every asked-for service is reported available: the simulator stands in for a DVDV that knows all."""
    response = etree.Element(q(XTA_NS, "LookupServiceResponse"))
    results = etree.SubElement(response, q(XTA_NS, "LookupServiceResultList"))
    assert request.body is not None
    for lookup in request.body.iter(q(XTA_NS, "LookupService")):
        result = etree.SubElement(results, q(XTA_NS, "LookupServiceResult"))
        for child in lookup:
            result.append(copy.deepcopy(child))
        value = etree.SubElement(result, q(XTA_NS, "IsServiceAvailableValue"))
        etree.SubElement(value, q(XTA_NS, "ServiceIsAvailable")).text = "true"
    return Answer(body=[response])


def send_message(request: SoapRequest, ctx: Context) -> Answer:
    metadata = request.headers.get(q(OSCIMETA_NS, "MessageMetaData"))
    if metadata is None:
        raise SoapFault("sendMessage needs the MessageMetaData header", PARAMETER_NOT_VALID)
    assert request.body is not None
    message = _stored(metadata, request.body)
    if ctx.report is not None:
        message.status, message.reason = ctx.report, ctx.report_reason
    if not ctx.state.store(message):
        raise SoapFault(f"message id {message.message_id} was already used", MESSAGE_ID_TAKEN)
    return Answer()


def _stored(metadata: etree._Element, container: etree._Element) -> StoredMessage:
    """The accepted message with the metadata fields a test or an operator looks for."""
    m = f"{{{OSCIMETA_NS}}}"
    scenario = metadata.find(f"{m}Qualifier/{m}BusinessScenario")
    scenario_text = _text(scenario, f"{m}Defined/code") or _text(scenario, f"{m}Undefined")
    contents = container.find(q(XTA_NS, "ContentContainer"))
    if contents is not None:
        message = _content(contents.find(q(XTA_NS, "Message")))
        attachments = [_content(a) for a in contents.findall(q(XTA_NS, "Attachment"))]
    else:  # end-to-end encrypted (xenc:EncryptedData): only the reader can open it
        message, attachments = Content(b"", {"encrypted": "true"}), []
    return StoredMessage(
        message_id=_text(metadata, f"{m}MsgIdentification/{{{WSA_NS}}}MessageID"),
        author=_text(metadata, f"{m}Originators/{m}Author/{m}Identifier"),
        reader=_text(metadata, f"{m}Destinations/{m}Reader/{m}Identifier"),
        service=_text(metadata, f"{m}Qualifier/{m}Service"),
        business_scenario=scenario_text,
        message_type=_text(metadata, f"{m}Qualifier/{m}MessageType/code"),
        metadata=copy.deepcopy(metadata),
        container=copy.deepcopy(container),
        message=message,
        attachments=attachments,
        received_at=utc_now(),
    )


def _content(el: etree._Element | None) -> Content:
    assert el is not None
    # The schema has checked the base64 lexical form; whitespace and line breaks are allowed in it.
    return Content(base64.b64decode("".join((el.text or "").split())), dict(el.attrib))


def _known_message(request: SoapRequest, ctx: Context, message_id: str) -> StoredMessage:
    """A message the caller may ask about: a stranger's or an unknown id is error 9070 alike."""
    message = ctx.state.get(message_id)
    caller = _caller(request)
    if message is None or (caller is not None and caller not in (message.author, message.reader)):
        raise SoapFault(f"message id {message_id} is not known for this account", INVALID_MESSAGE_ID)
    return message


def get_transport_report(request: SoapRequest, ctx: Context) -> Answer:
    assert request.body is not None
    message = _known_message(request, ctx, (request.body.text or "").strip())
    report = etree.Element(q(XTA_NS, "TransportReport"))
    report.append(copy.deepcopy(message.metadata))
    etree.SubElement(report, q(XTA_NS, "ReportTime")).text = utc_now().isoformat()
    etree.SubElement(report, q(XTA_NS, "XTAServerIdentity")).text = ctx.server_identity
    status = etree.SubElement(report, q(XTA_NS, "MessageStatus"))
    etree.SubElement(status, q(XTA_NS, "Status")).text = str(message.status.number)
    if message.reason:
        list_name, entry_name = {
            ReportStatus.RED: ("ErrorList", "Error"),
            ReportStatus.YELLOW: ("WarnList", "Warning"),
        }.get(message.status, ("InfoList", "Info"))
        entries = etree.SubElement(status, q(XTA_NS, list_name))
        entry = etree.SubElement(entries, q(XTA_NS, entry_name))
        etree.SubElement(entry, q(XTA_NS, "Timestamp")).text = message.received_at.isoformat()
        code = etree.SubElement(entry, q(XTA_NS, "Code"), listURI=RECORD_CODE_LIST, listVersionID="1.0")
        etree.SubElement(code, "code").text = message.status.value
        etree.SubElement(entry, q(XTA_NS, "Reason")).text = message.reason
    if message.status in (ReportStatus.OPEN, ReportStatus.YELLOW):
        # Delivery to the reader's box is still under way: done by the time anyone asks again.
        message.status, message.reason = ReportStatus.GREEN, None
    return Answer(body=[report])


def _box_response(delivered: int, pending: int) -> etree._Element:
    """The ``MsgBoxResponse`` header: a request id, then "nothing matched" or how many more are waiting."""
    response = etree.Element(q(OSCI_NS, "MsgBoxResponse"), MsgBoxRequestID=f"urn:uuid:{uuid.uuid4()}")
    if delivered:
        etree.SubElement(response, q(OSCI_NS, "ItemsPending")).text = str(pending)
    else:
        etree.SubElement(response, q(OSCI_NS, "NoMessageAvailable"), reason=MSGBOX_NO_MATCH)
    return response


def _selected_ids(request_el: etree._Element) -> list[str]:
    selector = request_el.find(q(OSCI_NS, "MsgSelector"))
    if selector is None:
        return []
    return [(el.text or "").strip() for el in selector.findall(q(WSA_NS, "MessageID"))]


def get_status_list(request: SoapRequest, ctx: Context) -> Answer:
    """Pending messages of the caller's box, as MessageMetaData (default) or OSCI MsgAttributes."""
    assert request.body is not None
    pending = ctx.state.pending_for(_caller(request))
    wanted = _selected_ids(request.body)
    if wanted:
        pending = [m for m in pending if m.message_id in wanted]
    limit = int(request.body.get("maxListItems", "0")) or len(pending)
    listed = pending[:limit]
    status_list = etree.Element(q(OSCI_NS, "MsgStatusList"))
    # The schema spells the enumeration value "MsgAtrributes" (sic).
    if request.body.get("ListForm") == "MsgAtrributes":
        for message in listed:
            status_list.append(_attributes(message))
    else:
        for message in listed:
            status_list.append(copy.deepcopy(message.metadata))
    return Answer(body=[status_list], headers=[_box_response(len(listed), len(pending) - len(listed))])


def _attributes(message: StoredMessage) -> etree._Element:
    attrs = etree.Element(q(OSCI_NS, "MsgAttributes"))
    etree.SubElement(attrs, q(WSA_NS, "MessageID")).text = message.message_id
    etree.SubElement(attrs, q(OSCI_NS, "TypeOfBusinessScenario")).text = message.business_scenario
    size = len(message.message.data) + sum(len(a.data) for a in message.attachments)
    etree.SubElement(attrs, q(OSCI_NS, "MsgSize")).text = str(size)
    etree.SubElement(attrs, q(OSCI_NS, "DeliveryTime")).text = message.received_at.isoformat()
    return attrs


def get_message(request: SoapRequest, ctx: Context) -> Answer:
    """The selected (or the oldest pending) message, exactly as its author sent it."""
    assert request.body is not None
    caller = _caller(request)
    wanted = _selected_ids(request.body)
    pending = ctx.state.pending_for(caller)
    if wanted:
        message = _known_message(request, ctx, wanted[0])
        if message.closed or (caller is not None and message.reader != caller):
            raise SoapFault(f"message id {wanted[0]} is not in this message box", INVALID_MESSAGE_ID)
    elif pending:
        message = pending[0]
    else:
        raise SoapFault("the message box is empty", INVALID_MESSAGE_ID)
    others = sum(1 for m in pending if m.message_id != message.message_id)
    return Answer(
        body=[copy.deepcopy(message.container)],
        headers=[copy.deepcopy(message.metadata), _box_response(1, others)],
    )


def close(request: SoapRequest, ctx: Context) -> Answer:
    """Confirm the fetch: the listed messages leave the caller's box for good."""
    assert request.body is not None
    ids = [(el.text or "").strip() for el in request.body.findall(q(OSCI_NS, "LastMsgReceived"))]
    unknown = ctx.state.close(ids, _caller(request))
    if unknown:
        raise SoapFault(f"message id(s) not in this message box: {', '.join(unknown)}", INVALID_MESSAGE_ID)
    return Answer()


@dataclass(frozen=True, slots=True)
class Operation:
    """Where an operation lives in the WSDL: port, action, expected body element, handler."""

    name: str
    port: str
    action: str
    body: str | None
    handler: Handler


_XTA_ACTION = "http://www.xta.de/XTA/"
_MSGBOX_ACTION = "http://www.osci.eu/ws/2008/05/transport/urn/messageTypes/"

OPERATIONS: dict[str, Operation] = {
    op.action: op
    for op in (
        Operation(
            "checkAccountActive", "ManagementPort", _XTA_ACTION + "CheckAccountActive", None, check_account_active
        ),
        Operation(
            "lookupService",
            "ManagementPort",
            _XTA_ACTION + "IsServiceAvailable",
            q(XTA_NS, "LookupServiceRequest"),
            lookup_service,
        ),
        Operation("createMessageId", "ManagementPort", _XTA_ACTION + "CreateMessageID", None, create_message_id),
        Operation(
            "getTransportReport",
            "ManagementPort",
            _XTA_ACTION + "GetTransportReport",
            q(WSA_NS, "MessageID"),
            get_transport_report,
        ),
        Operation(
            "sendMessage",
            "SendXtaPort",
            _XTA_ACTION + "SendMessage",
            q(XTA_NS, "GenericContentContainer"),
            send_message,
        ),
        Operation(
            "getStatusList",
            "MsgBoxPort",
            _MSGBOX_ACTION + "MsgBoxStatusListRequest",
            q(OSCI_NS, "MsgBoxStatusListRequest"),
            get_status_list,
        ),
        Operation(
            "getMessage",
            "MsgBoxPort",
            _MSGBOX_ACTION + "MsgBoxFetchRequest",
            q(OSCI_NS, "MsgBoxFetchRequest"),
            get_message,
        ),
        Operation(
            "close", "MsgBoxPort", _MSGBOX_ACTION + "MsgBoxCloseRequest", q(OSCI_NS, "MsgBoxCloseRequest"), close
        ),
    )
}
"""The simulated operations by WS-Addressing action (unique in the WSDL, unlike the body element)."""

PORTS = frozenset(op.port for op in OPERATIONS.values())
