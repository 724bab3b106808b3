"""The ``xta-msgbox`` inbound source: a receiving authority's XTA 2 message box.

Settings (``inbound:`` entry of ``region.yaml``, same keys as an ``xoev-xta`` destination where
they mean the same)::

    baseUrl: https://xta.example/xta          # or endpoints: {management, send, msgBox}
    account: {identifier: "dvdv:05562014-gewerbeamt", name: "Gewerbeamt Gladbeck"}  # the reader: our box
    wsdl: path/to/XTA.wsdl                    # optional: default XTA.wsdl of the catalog's xta2-2.1.1 set
    timeoutSeconds: 10                        # per network operation of a SOAP call
    fetchSeconds: 60                          # one getMessage, its whole answer included
    maxListItems: 50                          # messages listed per getStatusList
    tls: {certFile: ..., keyFile: ..., caFile: ...}

A poll lists the box, then fetches the listed messages one by one; a message whose announced
size is over the cap is handed over without its content (the hub quarantines it and closes it),
as is one whose answer turns out larger than the cap while it streams in.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import structlog

from connectors.xoev.settings import _Reader as XtaSettingsReader
from connectors.xoev.xta.client import FetchedMessage
from connectors.xoev.xta.metadata import KeyCode, XtaContent, XtaMetadata
from connectors.xoev.xta.reader import MessageTooLarge, XtaReader
from connectors.xoev.xta.settings import XtaSettings
from hub.connectors.base import ConnectorContext, Destination
from hub.connectors.inbound import InboundSource, Received, ReceivedPart, SourceConfig
from hub.errors import PermanentError

log = structlog.get_logger(__name__)

DEFAULT_LIST_ITEMS = 50


class XtaMessageBoxSource(InboundSource):
    kind = "xta-msgbox"

    def __init__(self, config: SourceConfig, context: ConnectorContext) -> None:
        super().__init__(config, context)
        # The settings read like an XTA destination's: one reader for both directions.
        as_destination = Destination(id=config.id, name=config.name, connector=self.kind, settings=config.settings)
        reader = XtaSettingsReader(as_destination, context.schemas)
        self.settings = XtaSettings(
            wsdl_path=reader.wsdl(),
            endpoints=reader.endpoints(),
            account=reader.party("account"),
            timeout=as_destination.timeout_seconds,
            tls=reader.tls(),
        )
        self.fetch_seconds = reader.seconds("fetchSeconds", config.settings.get("fetchSeconds", 60.0))
        self.max_items = int(config.settings.get("maxListItems", DEFAULT_LIST_ITEMS))
        self._reader: XtaReader | None = None

    @property
    def reader(self) -> XtaReader:
        if self._reader is None:
            self._reader = XtaReader(self.settings)
        return self._reader

    def describe(self) -> str:
        return f"XTA 2 box of {self.settings.account.identifier} at {self.settings.endpoints.msgbox}"

    def poll(self) -> Iterator[Received]:
        cap = self.config.max_message_bytes
        listing = self.reader.waiting(self.max_items)
        for waiting in listing.messages:
            metadata = waiting.metadata
            assert metadata.message_id is not None  # a listed message always has its id
            if waiting.size is not None and waiting.size > cap:
                yield self._unread(metadata, waiting.size, listing.request_id)
                continue
            try:
                fetched = self.reader.fetch(metadata.message_id, cap, self.fetch_seconds)
            except MessageTooLarge:
                # Never read: the listing's request id is the one that closes it.
                yield self._unread(metadata, waiting.size or cap + 1, listing.request_id)
                continue
            except PermanentError as exc:
                # This message cannot be fetched (end-to-end encrypted, gone meanwhile): it stays in
                # the box for an operator, and the messages after it are still read.
                log.warning("xta_message_not_fetched", message=metadata.message_id, error=str(exc))
                continue
            yield self._received(fetched)

    def confirm(self, received: Received) -> None:
        self.reader.close_box(str(received.handle), [received.external_id])

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def _received(self, fetched: FetchedMessage) -> Received:
        metadata = fetched.metadata
        assert metadata.message_id is not None
        attachments = tuple(_part(a) for a in fetched.attachments)
        return Received(
            external_id=metadata.message_id,
            sender=metadata.author.identifier,
            reader=metadata.reader.identifier,
            message=_part(fetched.message),
            attachments=attachments,
            header=header(metadata),
            size=len(fetched.message.data) + sum(len(a.data) for a in attachments),
            handle=fetched.request_id,
        )

    def _unread(self, metadata: XtaMetadata, size: int, request_id: str) -> Received:
        assert metadata.message_id is not None
        return Received(
            external_id=metadata.message_id,
            sender=metadata.author.identifier,
            reader=metadata.reader.identifier,
            message=None,
            header=header(metadata),
            size=size,
            handle=request_id,
        )


def header(metadata: XtaMetadata) -> dict[str, Any]:
    """The transport metadata kept with a received message; the subject is left out (it may name a person)."""
    scenario = metadata.business_scenario
    return {
        "transport": "xta2",
        "messageId": metadata.message_id,
        "author": metadata.author.identifier,
        "reader": metadata.reader.identifier,
        "service": metadata.service,
        "businessScenario": scenario.code if isinstance(scenario, KeyCode) else scenario,
        "messageType": metadata.message_type.code,
        "payloadSchema": metadata.payload_schema,
        "test": metadata.test,
    }


def _part(content: XtaContent) -> ReceivedPart:
    return ReceivedPart(content.data, content.content_type or "application/octet-stream", content.filename)
