"""A reply to a received XÖV message as xdomea 3.1.0 ``Information.Information.0101``.

Why this message: the hub answers an authority (e.g. Gewerbeserviceportal.NRW) that sent a case to
a municipality's box. xdomea is the standard for exchanging records between authorities, and of its
message groups ``Information austauschen`` is the one for handing Schriftgut to another system
"zur Information oder Übernahme" without asking it to file, route or archive anything:

* ``Information.Information.0101``: export of Schriftgutobjekte (Akte, Vorgang, Dokument) for
  information or take-over: a decision and its Bescheid for the sender's case. Chosen.
* not ``Geschaeftsgang.Geschaeftsgang.0201``: it asks external stations to *work on* a document
  along a route (Beteiligungsschritte) and expects their answers; a reply is no such request;
* not ``Abgabe.Abgabe.0401`` (hands records over with import confirmation), not the
  ``FVDaten`` messages (between a Fachverfahren and its own DMS), not the Aussonderung ones.

The Schriftgutobjekt is a Vorgang: ``Identifikation/ID`` the reply's id, ``AllgemeineMetadaten``
with ``Betreff`` (the status in words), ``Kennzeichen`` the received message's ``nachrichtenUUID``
(what the sender matches the answer with) and ``Bemerkung`` the decision text; one ``Dokument``
per document, its file named ``<uuid>_<name>`` as ``stringDateinameType`` requires (the XTA
attachment carries the same name); and an ``AnwendungsspezifischeErweiterung``
(``urn:x-emscher-lippe-hub:antwort``) with the status code, the reference and the reply id as
fields, for a receiver that processes answers automatically. ``Empfangsbestaetigung`` is false: the
XTA transport report is the receipt.

Absender and Empfaenger are the XTA parties: the box's account and the received message's author,
each as Behördenkennung ``prefix:code`` where the identifier has that form.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from hub.domain.message import MessageAttachment
from hub.domain.replies import ReplyDocument, ReplyStatus

NAMESPACE = "urn:xoev-de:xdomea:schema:3.1.0"
MESSAGE_NAME = "Information.Information.0101"
MESSAGE_CODE = "0101"
SCHEMA_SET = "xdomea-3.1.0"
SCHEMA_ENTRY = "xdomea.xsd"
EXTENSION = "urn:x-emscher-lippe-hub:antwort"
PRODUCT = "Emscher-Lippe Integration Hub"
OTHER_FORMAT = "100"  # "Sonstiges" in urn:xoev-de:xdomea:codeliste:dateiformat; the MIME type names it
_NAMESPACE_IDS = uuid.uuid5(uuid.NAMESPACE_URL, "https://hub.emscher-lippe.example/xdomea/antwort-dokument")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_PDF_VERSION = re.compile(rb"^%PDF-(\d\.\d)")

SUBJECTS = {
    ReplyStatus.ACCEPTED: "Eingangsbestätigung: in Bearbeitung",
    ReplyStatus.APPROVED: "Entscheidung: stattgegeben",
    ReplyStatus.REJECTED: "Entscheidung: abgelehnt",
    ReplyStatus.NEEDS_INFORMATION: "Nachforderung von Angaben oder Unterlagen",
    ReplyStatus.OTHER: "Mitteilung",
}


@dataclass(frozen=True)
class Party:
    """An authority as the xdomea Kopf names it: its XTA identifier and a display name."""

    identifier: str
    name: str


@dataclass(frozen=True)
class InformationReply:
    message_id: str
    reply_id: str
    created_at: datetime
    sender: Party
    receiver: Party
    status: ReplyStatus
    text: str | None
    reference: str | None
    documents: Sequence[ReplyDocument]


def document_file_name(reply_id: str, index: int, original: str) -> str:
    """``<uuid>_<sanitised name>``: the Dateiname of the message and the XTA attachment's name."""
    safe = _UNSAFE.sub("_", original).strip("._")[:120] or "datei"
    return f"{uuid.uuid5(_NAMESPACE_IDS, f'{reply_id}/{index}')}_{safe}"


def attachments(reply: InformationReply) -> tuple[MessageAttachment, ...]:
    """The documents as XTA attachments, named as the message names them."""
    return tuple(
        MessageAttachment(document_file_name(reply.reply_id, n, d.file_name), d.media_type, d.sha256, d.content)
        for n, d in enumerate(reply.documents)
    )


def _el(parent: etree._Element, name: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NAMESPACE}}}{name}", attributes)
    if text is not None:
        element.text = text
    return element


def _code(parent: etree._Element, name: str, code: str, **attributes: str) -> None:
    holder = _el(parent, name, **attributes)
    etree.SubElement(holder, "code").text = code  # xoev-code: the code element is unqualified


def _contact(parent: etree._Element, name: str, party: Party) -> None:
    contact = _el(parent, name)
    prefix, sep, code = party.identifier.partition(":")
    if sep and prefix and code:
        kennung = _el(contact, "Behoerdenkennung")
        _code(kennung, "Behoerdenschluessel", code)
        _code(kennung, "Praefix", prefix)
    _el(_el(contact, "Institution"), "Name", party.name or party.identifier)


def build(reply: InformationReply) -> bytes:
    root = etree.Element(f"{{{NAMESPACE}}}{MESSAGE_NAME}", nsmap={"xdomea": NAMESPACE})
    head = _el(root, "Kopf")
    _el(head, "ProzessID", reply.message_id)
    _code(
        head,
        "Nachrichtentyp",
        MESSAGE_CODE,
        listURI="urn:xoev-de:xdomea:codeliste:nachrichtentyp",
        listVersionID="2.0",
    )
    _el(head, "Erstellungszeitpunkt", reply.created_at.isoformat(timespec="seconds"))
    _contact(head, "Absender", reply.sender)
    _contact(head, "Empfaenger", reply.receiver)
    _el(_el(head, "SendendesSystem"), "Produktname", PRODUCT)
    _el(head, "Empfangsbestaetigung", "false")
    case = _el(_el(root, "Schriftgutobjekt"), "Vorgang")
    _el(_el(case, "Identifikation"), "ID", reply.reply_id)
    metadata = _el(case, "AllgemeineMetadaten")
    _el(metadata, "Betreff", SUBJECTS[reply.status])
    if reply.reference:
        _el(metadata, "Kennzeichen", reply.reference)
    if reply.text:
        _el(metadata, "Bemerkung", reply.text)
    _el(case, "Typ", "Antwort")
    for n, document in enumerate(reply.documents):
        _document(case, reply.reply_id, n, document)
    extension = _el(case, "AnwendungsspezifischeErweiterung")
    _el(extension, "Kennung", EXTENSION)
    _el(extension, "Name", "Antwort")
    fields = (("status", reply.status.value), ("bezugNachrichtenUUID", reply.reference), ("antwortID", reply.reply_id))
    for name, value in fields:
        if value:
            field = _el(extension, "Feld")
            _el(field, "Name", name)
            _el(field, "Wert", value)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _document(case: etree._Element, reply_id: str, index: int, document: ReplyDocument) -> None:
    element = _el(case, "Dokument")
    _el(_el(element, "Identifikation"), "ID", str(uuid.uuid5(_NAMESPACE_IDS, f"{reply_id}/{index}")))
    _el(_el(element, "AllgemeineMetadaten"), "Betreff", document.file_name)
    _el(element, "Typ", "Anlage zur Antwort")
    version = _el(element, "Version")
    _el(version, "Nummer", "1")
    file_format = _el(version, "Format")
    _code(file_format, "Name", OTHER_FORMAT, listVersionID="1.0")
    _el(file_format, "SonstigerName", document.media_type)
    found = _PDF_VERSION.match(document.content[:16]) if document.media_type == "application/pdf" else None
    _el(file_format, "Version", found.group(1).decode() if found else "unbekannt")
    primary = _el(file_format, "Primaerdokument")
    _el(primary, "Dateiname", document_file_name(reply_id, index, document.file_name))
    _el(primary, "DateinameOriginal", document.file_name)
