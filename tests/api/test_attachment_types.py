"""Attachments are what they claim: the declared media type against the content's magic bytes and the
service's allowed types, over real HTTP on SQLite and PostgreSQL; a refusal stores nothing."""

from __future__ import annotations

import base64
import hashlib
import struct
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.conftest import RunningHub, make_settings, start_hub, stop_hub
from tests.support.envelopes import sample
from tests.support.rows import row_counts

# A minimal PE: the DOS header whose e_lfanew points at the "PE\0\0" signature and a COFF header (x86-64).
WINDOWS_PE = (
    b"MZ" + b"\x90\x00" * 29 + struct.pack("<I", 64) + b"PE\x00\x00" + struct.pack("<H", 0x8664) + b"\x00" * 200
)
# An ELF header: 64-bit, little-endian, an executable for x86-64.
LINUX_ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + struct.pack("<HH", 2, 0x3E) + b"\x00" * 200
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog>>endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
TIFF = b"II*\x00\x08\x00\x00\x00" + b"\x00" * 40
TEXT = "Bescheinigung über die Haltung eines Hundes\n".encode("latin-1")  # not UTF-8: still text


def file(content: bytes, media_type: str, name: str = "nachweis.pdf") -> dict[str, str]:
    return {
        "fileName": name,
        "mediaType": media_type,
        "sha256": hashlib.sha256(content).hexdigest(),
        "content": base64.b64encode(content).decode("ascii"),
    }


def refused(answer: httpx.Response) -> list[dict[str, Any]]:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["type"] == "/problems/validation-error"
    errors: list[dict[str, Any]] = body["errors"]
    return errors


@pytest.mark.parametrize("executable", [WINDOWS_PE, LINUX_ELF], ids=["windows-pe", "linux-elf"])
def test_an_executable_declared_as_pdf_is_refused_naming_the_attachment(hub: RunningHub, executable: bytes) -> None:
    # Given a Hundesteuer-Anmeldung with a real PDF first and an executable claiming to be a PDF second
    envelope = sample(attachments=[file(PDF, "application/pdf"), file(executable, "application/pdf", "impfpass.pdf")])

    # When the portal posts it
    errors = refused(hub.api.post("/v1/submissions", json=envelope))

    # Then the second attachment's content is named, as an executable, and nothing was stored
    assert [e["pointer"] for e in errors] == ["/attachments/1/content"]
    assert "not application/pdf" in errors[0]["detail"]
    assert "executable" in errors[0]["detail"] or "msdownload" in errors[0]["detail"]
    assert set(row_counts(hub).values()) == {0}


def test_an_executable_declared_as_text_and_a_pdf_without_signature_are_refused(hub: RunningHub) -> None:
    # Given a PE posted as plain text and bytes without any PDF header posted as a PDF
    envelope = sample(attachments=[file(WINDOWS_PE, "text/plain", "liesmich.txt"), file(TEXT, "application/pdf")])

    errors = refused(hub.api.post("/v1/submissions", json=envelope))

    # Then both are named by pointer, and nothing was stored
    assert [e["pointer"] for e in errors] == ["/attachments/0/content", "/attachments/1/content"]
    assert "not text" in errors[0]["detail"]
    assert "lacks" in errors[1]["detail"]
    assert set(row_counts(hub).values()) == {0}


def test_a_type_the_service_does_not_take_is_refused_at_the_media_type(hub: RunningHub) -> None:
    # Given a Windows executable declared honestly as one
    envelope = sample(attachments=[file(WINDOWS_PE, "application/x-msdownload", "setup.exe")])

    errors = refused(hub.api.post("/v1/submissions", json=envelope))

    # Then the declared type is named, with the types that are taken
    assert [e["pointer"] for e in errors] == ["/attachments/0/mediaType"]
    assert "application/pdf" in errors[0]["detail"]
    assert set(row_counts(hub).values()) == {0}


def test_every_default_type_passes_when_it_is_what_it_claims(hub: RunningHub) -> None:
    # Given one file of each type the region takes by default, each what it claims
    files = [
        file(PDF, "application/pdf"),
        file(PNG, "image/png", "hund.png"),
        file(JPEG, "image/jpeg", "hund.jpg"),
        file(TIFF, "image/tiff", "scan.tif"),
        file(TEXT, "text/plain", "notiz.txt"),
        file(b'<?xml version="1.0"?><nachweis/>', "application/xml", "nachweis.xml"),
    ]

    answer = hub.api.post("/v1/submissions", json=sample(attachments=files))

    # Then the submission is accepted with all of them
    assert answer.status_code == 202, answer.text
    assert row_counts(hub)["attachment"] == len(files)


def test_a_service_declares_its_own_allowed_types(database_url: str, region_dir: Path) -> None:
    # Given a region whose Hundesteuer-Anmeldung takes PDF only (attachments: {allowedTypes} in region.yaml)
    path = region_dir / "region.yaml"
    region = yaml.safe_load(path.read_text(encoding="utf-8"))
    for service in region["services"]:
        if service["id"] == "hundesteuer-anmeldung":
            service["attachments"] = {"allowedTypes": ["application/pdf"]}
    path.write_text(yaml.safe_dump(region), encoding="utf-8")
    hub = start_hub(make_settings(database_url, region_dir), run_worker=False)
    try:
        # When a PNG is posted with it
        errors = refused(hub.api.post("/v1/submissions", json=sample(attachments=[file(PNG, "image/png", "a.png")])))

        # Then it is refused at its media type (by the service's schema in the API contract, which lists the
        # allowed types, before intake's own check); a PDF passes
        assert [e["pointer"] for e in errors] == ["/attachments/0/mediaType"]
        assert "application/pdf" in errors[0]["detail"]
        assert (
            hub.api.post("/v1/submissions", json=sample(attachments=[file(PDF, "application/pdf")])).status_code == 202
        )
    finally:
        stop_hub(hub)
