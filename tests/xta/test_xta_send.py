"""The XTA send and receive sequences against the simulator, over real HTTP."""

from __future__ import annotations

import base64
import os

import httpx
import pytest

from connectors.xoev.xta import ReportStatus, XtaClient, XtaContent, XtaMetadata
from hub.errors import PermanentError

MESSAGE = "<anmeldung xmlns='urn:x'><halter>Jürgen Weiß</halter></anmeldung>".encode()
ATTACHMENT = XtaContent(bytes(range(256)) + os.urandom(4096), "application/pdf", filename="impfpass.pdf")


def _stored(sim: httpx.Client, message_id: str) -> dict[str, object]:
    response = sim.get(f"/_sim/messages/{message_id}")
    response.raise_for_status()
    stored: dict[str, object] = response.json()
    return stored


def test_send_and_confirm_is_green_and_the_simulator_holds_the_exact_message(
    sender: XtaClient, sim: httpx.Client, metadata: XtaMetadata
) -> None:
    receipt = sender.send_and_confirm(MESSAGE, metadata, [ATTACHMENT])

    assert receipt["reportStatus"] == "GREEN"
    assert receipt["messageId"].startswith("urn:de:xta:messageid:")
    assert {"sentAt", "reportTime", "confirmedAt", "xtaServer"} <= receipt.keys()
    stored = _stored(sim, receipt["messageId"])
    assert stored["author"] == metadata.author.identifier
    assert stored["reader"] == metadata.reader.identifier
    assert stored["service"] == metadata.service
    assert stored["businessScenario"] == "XHUNDESTEUER_DATA"
    assert stored["messageType"] == "hundesteuer.anmeldung.0100"
    assert stored["report"] == "GREEN"
    message = stored["message"]
    assert isinstance(message, dict)
    assert base64.b64decode(message["data"]) == MESSAGE
    assert message["attributes"]["contentType"] == "application/xml"
    attachments = stored["attachments"]
    assert isinstance(attachments, list)
    assert [base64.b64decode(a["data"]) for a in attachments] == [ATTACHMENT.data]
    assert attachments[0]["attributes"]["filename"] == "impfpass.pdf"


def test_report_of_a_sent_message_is_green(sender: XtaClient, metadata: XtaMetadata) -> None:
    message_id = sender.create_message_id()
    sender.send_message(MESSAGE, metadata.with_message_id(message_id))

    report = sender.get_transport_report(message_id)

    assert report.status is ReportStatus.GREEN
    assert report.message_id == message_id


def test_reader_lists_fetches_and_closes_the_message(
    sender: XtaClient, reader: XtaClient, sim: httpx.Client, metadata: XtaMetadata
) -> None:
    message_id = sender.send_and_confirm(MESSAGE, metadata, [ATTACHMENT])["messageId"]

    listed = reader.get_status_list()
    assert [m.message_id for m in listed.messages] == [message_id]
    assert listed.messages[0] == metadata.with_message_id(message_id)
    assert sender.get_status_list().messages == []  # the author's own box stays empty

    fetched = reader.get_message(message_id)
    assert fetched.metadata == metadata.with_message_id(message_id)
    assert fetched.message.data == MESSAGE
    assert fetched.attachments == [ATTACHMENT]

    reader.close_box(fetched.request_id, [message_id])

    assert reader.get_status_list().messages == []
    with pytest.raises(PermanentError, match="InvalidMessageIDException 9070"):
        reader.get_message(message_id)
    assert _stored(sim, message_id)["closed"] is True


def test_a_message_id_is_used_once(sender: XtaClient, metadata: XtaMetadata) -> None:
    stamped = metadata.with_message_id(sender.create_message_id())
    sender.send_message(MESSAGE, stamped)

    with pytest.raises(PermanentError, match="ParameterIsNotValidException 9024"):
        sender.send_message(MESSAGE, stamped)


def test_report_of_an_unknown_message_is_refused(sender: XtaClient) -> None:
    with pytest.raises(PermanentError, match="InvalidMessageIDException"):
        sender.get_transport_report("urn:de:xta:messageid:never-sent")
