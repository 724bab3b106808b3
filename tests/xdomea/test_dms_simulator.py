"""The DMS simulator refuses containers a careful DMS must refuse: unsafe, oversized, or not matching the message."""

from __future__ import annotations

import io
import uuid
import zipfile
from datetime import UTC, datetime

import httpx
import pytest

from connectors.fachverfahren.xdomea.container import ContainerFile, Manifest, build_container
from connectors.fachverfahren.xdomea.message import MANIFEST_HEADER
from hub.connectors.base import AttachmentData, SubmissionData
from hub.domain.message import MessageAttachment
from hub.schemas import SchemaCatalog
from hub.sim.dms import container as dms_container
from hub.sim.dms.container import Refused, read_container
from tests.xdomea.test_xdomea_property import connector
from tests.xdomea.xdomea_support import sample, sha256

PDF = b"%PDF-1.7\nbeleg\n"


def container(catalog: SchemaCatalog, content: bytes = PDF) -> tuple[Manifest, bytes, bytes]:
    """(manifest, message XML, container) of a sample application with one PDF."""
    files = (AttachmentData("beleg.pdf", "application/pdf", sha256(PDF), PDF),)
    submission = SubmissionData(str(uuid.uuid4()), datetime.now(UTC), sample("sperrmuell"), files)
    message = connector(catalog).build(submission, str(uuid.uuid4()))
    manifest = Manifest.decode(message.headers[MANIFEST_HEADER])
    stored = (MessageAttachment("beleg.pdf", "application/pdf", sha256(content), content),)
    manifest = Manifest(manifest.message, manifest.created, (ContainerFile(manifest.files[0].name, sha256(content)),))
    return manifest, message.body, build_container(manifest, message.body, stored)


def rezip(data: bytes, extra: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", compression) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
        for name, content in extra.items():
            target.writestr(name, content)
    return out.getvalue()


def test_a_file_whose_content_differs_from_the_message_is_refused(catalog: SchemaCatalog) -> None:
    # Given a container whose PDF is not the one the message describes (other bytes)
    _, _, data = container(catalog, content=PDF + b"tampered")

    # When the DMS reads it
    with pytest.raises(Refused) as refused:
        read_container(data, catalog)

    # Then it names the file and the SHA-256 mismatch
    assert any("SHA-256" in e for e in refused.value.errors), refused.value.errors


@pytest.mark.parametrize("name", ["../evil.pdf", "/etc/passwd", "ordner/datei.pdf", "a\\b.pdf"])
def test_path_names_are_refused(catalog: SchemaCatalog, name: str) -> None:
    # Given a valid container plus an entry with a path for a name (zip-slip)
    _, _, data = container(catalog)
    # When the DMS reads it / Then it is refused for the name
    with pytest.raises(Refused, match="plain file name"):
        read_container(rezip(data, {name: b"x"}), catalog)


def test_a_zip_bomb_is_refused_without_expanding_it(catalog: SchemaCatalog, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a container with an entry that deflates a thousandfold
    _, _, data = container(catalog)
    bomb = rezip(data, {"bomb.bin": b"\0" * 2_000_000}, zipfile.ZIP_DEFLATED)
    # When the DMS reads it / Then it is refused as too compressed
    with pytest.raises(Refused, match="too large or too compressed"):
        read_container(bomb, catalog)
    # and an entry beyond the size limit is refused too
    monkeypatch.setattr(dms_container, "MAX_ENTRY_BYTES", 1000)
    with pytest.raises(Refused):
        read_container(rezip(data, {"big.bin": bytes(range(256)) * 8}), catalog)


def test_an_unnamed_extra_file_is_a_422_over_http_and_nothing_is_filed(
    catalog: SchemaCatalog, dms: httpx.Client
) -> None:
    # Given a valid container plus a file the message does not name
    _, _, data = container(catalog)
    # When it is posted to the DMS
    answer = dms.post(
        "/dms/gladbeck/xdomea",
        content=rezip(data, {"unbekannt.txt": b"?"}),
        headers={"Idempotency-Key": str(uuid.uuid4()), "Content-Type": "application/zip"},
    )
    # Then the DMS answers 422 naming the file, and files nothing
    assert answer.status_code == 422, answer.text
    assert any("unbekannt.txt" in e for e in answer.json()["errors"])
    assert dms.get("/_sim/messages").json() == []
