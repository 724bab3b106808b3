"""The attachment type check on its own: which declared type and content pairs pass, and what names a refusal."""

from __future__ import annotations

import socket

import pytest

from hub.scanning.clamd import parse_url
from hub.service.attachment_types import DEFAULT_ALLOWED_TYPES, detect, type_problem

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
PE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120
ZIP = b"PK\x03\x04\x14\x00\x00\x00" + b"\x00" * 120


@pytest.mark.parametrize(
    ("media_type", "content"),
    [
        ("application/pdf", PDF),
        ("Application/PDF", PDF),  # media types are case-insensitive (RFC 2045)
        ("image/jpg", b"\xff\xd8\xff\xdb" + b"\x00" * 40),  # a common misspelling of image/jpeg
        ("image/tiff", b"MM\x00*" + b"\x00" * 40),  # big-endian TIFF
        ("text/plain", "Grüße aus Gladbeck".encode("cp1252")),
        ("text/xml", b"<?xml version='1.0'?><a/>"),
    ],
)
def test_what_it_claims_passes(media_type: str, content: bytes) -> None:
    assert type_problem(0, media_type, content, None) is None


@pytest.mark.parametrize(
    ("media_type", "content", "pointer", "words"),
    [
        ("application/pdf", PE, "/attachments/3/content", "application/x-msdownload"),
        ("application/pdf", ELF, "/attachments/3/content", "application/x-executable"),
        ("image/png", PDF, "/attachments/3/content", "application/pdf"),
        ("application/pdf", b"just text", "/attachments/3/content", "lacks"),
        ("text/plain", ZIP, "/attachments/3/content", "not text"),
        ("application/zip", ZIP, "/attachments/3/mediaType", "not accepted"),
    ],
)
def test_a_contradiction_names_the_attachment(media_type: str, content: bytes, pointer: str, words: str) -> None:
    problem = type_problem(3, media_type, content, None)
    assert problem is not None
    assert (problem.pointer, problem.rule) == (pointer, "attachment-type")
    assert words in problem.message


def test_a_service_list_replaces_the_default_and_unknown_types_refuse_only_recognised_content() -> None:
    allowed = ["application/pdf", "application/x-gov-form"]
    assert type_problem(0, "image/png", b"\x89PNG\r\n\x1a\n", allowed) is not None
    assert type_problem(0, "application/x-gov-form", b"FORM1 ...", allowed) is None
    refused = type_problem(0, "application/x-gov-form", PE, allowed)
    assert refused is not None
    assert refused.pointer == "/attachments/0/content"
    assert "image/png" in DEFAULT_ALLOWED_TYPES
    assert detect(b"") is None


def test_clamd_urls() -> None:
    assert parse_url("unix:///run/clamav/clamd.ctl") == (socket.AF_UNIX, "/run/clamav/clamd.ctl")
    assert parse_url("tcp://127.0.0.1:3310") == (socket.AF_INET, ("127.0.0.1", 3310))
    with pytest.raises(ValueError, match="HUB_CLAMD_URL"):
        parse_url("http://clamd:3310")
