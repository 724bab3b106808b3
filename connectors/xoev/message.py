"""The stored message of an XÖV-over-XTA destination: the XML, and what must not change between attempts.

``build`` stores the XÖV message as the body and, in headers, the hub's ids and the OSCI metadata
that every attempt must repeat: the ``Qualifier/Subject`` (template ``subject``, default
``Hub-Nachricht {messageId}``) and the payload schema (default: the message's root namespace). The
XML comes from the XML mapping spec (:class:`~hub.connectors.xml_target.XmlTargetBuilder`) or from
the destination's ``builder`` — ``fn(submission, message_id, destination) -> bytes``, an escape
hatch for messages no spec can express, loaded by :func:`load_builder`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from lxml import etree

from connectors.xoev.settings import XtaDestination
from connectors.xoev.xta import XtaMetadata
from hub.connectors.base import Destination, OutboundMessage, SubmissionData
from hub.errors import ConfigError
from hub.xml import XmlError, parse_xml

MEDIA_TYPE = "application/xml"
HUB_MESSAGE_ID = "X-Hub-Message-Id"
HUB_SUBMISSION_ID = "X-Hub-Submission-Id"
XTA_SUBJECT = "X-Xta-Subject"
XTA_PAYLOAD_SCHEMA = "X-Xta-Payload-Schema"

Builder = Callable[[SubmissionData, str, Destination], bytes]


def load_builder(reference: str, destination_id: str = "?") -> Builder:
    """The function named ``module.path:function`` (``function`` may be dotted: ``Class.method``)."""
    module_name, sep, attribute = reference.partition(":")
    if not sep or not module_name or not attribute:
        raise ConfigError(f"destination {destination_id!r} (xoev-xta): builder {reference!r} is not 'module:function'")
    try:
        found: Any = importlib.import_module(module_name)
        for part in attribute.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"destination {destination_id!r} (xoev-xta): builder {reference!r} not found: {exc}") from exc
    if not callable(found):
        raise ConfigError(f"destination {destination_id!r} (xoev-xta): builder {reference!r} is not callable")
    builder: Builder = found
    return builder


def stored_message(
    body: bytes, submission: SubmissionData, message_id: str, config: XtaDestination, fail: Callable[[str], ConfigError]
) -> OutboundMessage:
    """``body`` (made by the spec or the builder) with the headers every attempt sends the same."""
    if not isinstance(body, bytes):
        raise fail(f"builder {config.builder!r} returned {type(body).__name__}, not bytes")
    try:
        root = parse_xml(body)
    except XmlError as exc:
        raise fail(f"builder {config.builder!r} made no usable XML: {exc}") from exc
    payload_schema = config.payload_schema or etree.QName(root).namespace
    if not payload_schema:
        raise fail("the message's root element has no namespace: set 'payloadSchema'")
    subject = config.subject.format_map(
        {
            "messageId": message_id,
            "submissionId": submission.id,
            "service": submission.service,
            "municipality": submission.municipality,
        }
    )
    headers = {
        HUB_MESSAGE_ID: message_id,
        HUB_SUBMISSION_ID: submission.id,
        XTA_SUBJECT: subject,
        XTA_PAYLOAD_SCHEMA: str(payload_schema),
    }
    return OutboundMessage(message_id, MEDIA_TYPE, body, headers=headers)


def xta_metadata(config: XtaDestination, message: OutboundMessage) -> XtaMetadata:
    """The OSCI metadata of one send: the destination's parties and codes, the stored subject and schema."""
    return XtaMetadata(
        author=config.client.account,
        reader=config.reader,
        service=config.service,
        business_scenario=config.business_scenario,
        message_type=config.message_type,
        payload_schema=message.headers.get(XTA_PAYLOAD_SCHEMA) or config.payload_schema or config.service,
        subject=message.headers.get(XTA_SUBJECT),
        test=config.test,
    )
