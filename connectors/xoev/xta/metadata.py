"""OSCI MessageMetaData and XTA content, as plain data and as the dicts zeep serialises.

The metadata header says who writes to whom about what (author, reader, service, business
scenario, message type, message id); XTA routes by it and the reader's box lists by it. Keeping
it as frozen dataclasses lets connectors build it without knowing zeep, and lets the receive
side hand back the same shape it was sent in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from connectors.xoev.xta.settings import Party


@dataclass(frozen=True, slots=True)
class KeyCode:
    """An entry of a code list (``oscimeta:KeyCodeType``): code, list URI and list version."""

    code: str
    list_uri: str
    list_version: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class XtaMetadata:
    """The OSCI ``MessageMetaData`` of one message.

    ``business_scenario`` is a :class:`KeyCode` for a scenario from the XTA code list (``Defined``)
    or free text for one that is not (``Undefined``). ``message_id`` is filled in from
    ``createMessageId`` before sending.
    """

    author: Party
    reader: Party
    service: str
    business_scenario: KeyCode | str
    message_type: KeyCode
    payload_schema: str
    message_id: str | None = None
    subject: str | None = None
    test: bool = False

    def with_message_id(self, message_id: str) -> XtaMetadata:
        return replace(self, message_id=message_id)

    def to_soap(self, size: int) -> dict[str, Any]:
        """The header as zeep wants it; ``size`` is the content's byte count (``MsgSize``)."""
        if not self.message_id:
            raise ValueError("the metadata needs a message id (createMessageId) before sending")
        scenario = (
            {"Defined": _key_code(self.business_scenario)}
            if isinstance(self.business_scenario, KeyCode)
            else {"Undefined": self.business_scenario}
        )
        qualifier: dict[str, Any] = {
            "Service": self.service,
            "BusinessScenario": scenario,
            "MessageType": {**_key_code(self.message_type), "payloadSchema": self.payload_schema},
        }
        if self.subject is not None:
            qualifier["Subject"] = self.subject
        data: dict[str, Any] = {
            "DeliveryAttributes": {},
            "Originators": {"Author": party_to_soap(self.author)},
            "Destinations": {"Reader": party_to_soap(self.reader)},
            "MsgIdentification": {"MessageID": {"_value_1": self.message_id}},
            "Qualifier": qualifier,
            "TestMsg": self.test,
        }
        if size > 0:  # xs:positiveInteger
            data["MsgSize"] = size
        return data

    @classmethod
    def from_soap(cls, data: Any) -> XtaMetadata:
        """Read a ``MessageMetaData`` as zeep parsed it (status lists, fetched messages, reports)."""
        qualifier = data.Qualifier
        scenario = qualifier.BusinessScenario
        defined = scenario.Defined
        message_type = qualifier.MessageType
        return cls(
            author=party_from_soap(data.Originators.Author),
            reader=party_from_soap(data.Destinations.Reader),
            service=qualifier.Service,
            business_scenario=_key_code_from_soap(defined) if defined is not None else scenario.Undefined,
            message_type=_key_code_from_soap(message_type),
            payload_schema=message_type.payloadSchema,
            message_id=data.MsgIdentification.MessageID._value_1,
            subject=qualifier.Subject,
            test=bool(data.TestMsg),
        )


@dataclass(frozen=True, slots=True)
class XtaContent:
    """The message or one attachment: bytes plus the MIME attributes of ``xta:ContentType``."""

    data: bytes
    content_type: str = "application/xml"
    filename: str | None = None
    description: str | None = None
    encoding: str | None = None

    def to_soap(self) -> dict[str, Any]:
        item: dict[str, Any] = {"_value_1": self.data, "contentType": self.content_type}
        optional = {"filename": self.filename, "contentDescription": self.description, "encoding": self.encoding}
        item.update({key: value for key, value in optional.items() if value is not None})
        if self.data:
            item["size"] = len(self.data)
        return item

    @classmethod
    def from_soap(cls, item: Any) -> XtaContent:
        return cls(
            data=item._value_1 or b"",
            content_type=item.contentType,
            filename=item.filename,
            description=item.contentDescription,
            encoding=item.encoding,
        )


def party_to_soap(party: Party) -> dict[str, Any]:
    identifier: dict[str, Any] = {"_value_1": party.identifier, "type": party.type}
    if party.name is not None:
        identifier["name"] = party.name
    if party.category is not None:
        identifier["category"] = party.category
    return {"Identifier": identifier}


def party_from_soap(data: Any) -> Party:
    identifier = data.Identifier
    return Party(identifier._value_1, identifier.type, identifier.name, identifier.category)


def _key_code(code: KeyCode) -> dict[str, Any]:
    data: dict[str, Any] = {"code": code.code, "listURI": code.list_uri, "listVersionID": code.list_version}
    if code.name is not None:
        data["name"] = code.name
    return data


def _key_code_from_soap(data: Any) -> KeyCode:
    return KeyCode(data.code, data.listURI, data.listVersionID, data.name)
