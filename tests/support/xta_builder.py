"""A stand-in XÖV builder for ``xoev-xta`` destinations in tests: a small document with the ids and a name."""

from __future__ import annotations

from lxml import etree

from hub.connectors.base import Destination, SubmissionData

NS = "urn:test:antrag"


def build_antrag(submission: SubmissionData, message_id: str, destination: Destination) -> bytes:
    """``<antrag xmlns="urn:test:antrag">`` with the hub's message id, the submission id and the applicant."""
    root = etree.Element(f"{{{NS}}}antrag", nsmap={None: NS})
    for tag, text in (
        ("nachrichtenUUID", message_id),
        ("id", submission.id),
        ("empfaenger", destination.id),
        ("familienname", str(submission.envelope["applicant"]["familyName"])),
    ):
        etree.SubElement(root, f"{{{NS}}}{tag}").text = text
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return data


def build_text(submission: SubmissionData, message_id: str, destination: Destination) -> bytes:
    """Not XML at all: the connector must refuse it at intake."""
    return b"Antrag " + submission.id.encode()


NOT_CALLABLE = "a string, not a builder"
