"""Atomic writing into a local folder: the same protocol as over SFTP, on this machine's file system."""

from __future__ import annotations

import hashlib
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from connectors.fachverfahren.filedrop import FileDropConnector
from hub.config import PROJECT_ROOT
from hub.connectors.base import AttachmentData, ConnectorContext, Destination, SubmissionData
from hub.domain.message import OutboundMessage
from hub.errors import PermanentError, TransientError
from hub.mapping.catalog import MappingCatalog
from tests.filedrop.test_filedrop_plan import message_with
from tests.support.envelopes import sample

SCAN = os.urandom(200_000)


def connector(target: Path | str, **settings: Any) -> FileDropConnector:
    destination = Destination(
        id="gladbeck-ablage",
        name="Ablage",
        connector="fachverfahren-filedrop",
        settings={"target": str(target), **settings},
    )
    return FileDropConnector(destination, ConnectorContext(mappings=MappingCatalog([])))


def listing(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def test_the_files_arrive_complete_with_no_temporary_file_left(tmp_path: Path) -> None:
    message = message_with([("scan.pdf", SCAN), ("foto.png", b"PNG")])

    receipt = connector(tmp_path).send(message)

    assert listing(tmp_path) == ["m-1", "m-1.json", "m-1/foto.png", "m-1/scan.pdf"]
    assert (tmp_path / "m-1.json").read_bytes() == message.body
    assert (tmp_path / "m-1" / "scan.pdf").read_bytes() == SCAN
    assert receipt.reference == "m-1.json"
    assert receipt.detail == {"target": tmp_path.as_uri(), "path": "m-1.json", "files": 3}


def test_each_file_is_renamed_into_place_and_the_message_file_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a spy on the renames (they still happen)
    renames: list[tuple[str, str, bool]] = []
    real_replace = os.replace

    def spy(src: Any, dst: Any) -> None:
        final = Path(dst)
        renames.append((Path(src).name, final.relative_to(tmp_path).as_posix(), (tmp_path / "m-1.json").exists()))
        real_replace(src, dst)

    monkeypatch.setattr("connectors.fachverfahren.filedrop.local.os.replace", spy)

    # When a message with two attachments is dropped
    connector(tmp_path).send(message_with([("scan.pdf", SCAN), ("foto.png", b"PNG")]))

    # Then every file came from its hidden .part name, and the message file was renamed last
    assert renames == [
        (".scan.pdf.part", "m-1/scan.pdf", False),
        (".foto.png.part", "m-1/foto.png", False),
        (".m-1.json.part", "m-1.json", False),
    ]


def test_a_retry_after_a_crash_replaces_what_the_interrupted_attempt_left(tmp_path: Path) -> None:
    # Given the remains of an attempt that died half-way: a torn .part and a stale attachment
    (tmp_path / "m-1").mkdir()
    (tmp_path / "m-1" / ".scan.pdf.part").write_bytes(SCAN[:1000])
    (tmp_path / "m-1" / "foto.png").write_bytes(b"stale")
    (tmp_path / ".m-1.json.part").write_bytes(b'{"trunc')
    message = message_with([("scan.pdf", SCAN), ("foto.png", b"PNG")])

    # When the same message is sent again
    connector(tmp_path).send(message)

    # Then the same names hold the right bytes and no temporary file is left
    assert listing(tmp_path) == ["m-1", "m-1.json", "m-1/foto.png", "m-1/scan.pdf"]
    assert (tmp_path / "m-1" / "scan.pdf").read_bytes() == SCAN
    assert (tmp_path / "m-1" / "foto.png").read_bytes() == b"PNG"
    assert (tmp_path / "m-1.json").read_bytes() == message.body


def test_sending_twice_is_harmless(tmp_path: Path) -> None:
    drop = connector(tmp_path)
    message = message_with([("scan.pdf", SCAN)])

    drop.send(message)
    drop.send(message)

    assert listing(tmp_path) == ["m-1", "m-1.json", "m-1/scan.pdf"]


def test_a_missing_target_folder_is_permanent(tmp_path: Path) -> None:
    with pytest.raises(PermanentError, match="does not exist"):
        connector(tmp_path / "nowhere").send(message_with([]))
    assert not (tmp_path / "nowhere").exists()


def test_a_write_that_fails_is_transient_and_leaves_no_part_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("connectors.fachverfahren.filedrop.local.os.fsync", disk_full)

    with pytest.raises(TransientError, match="No space left"):
        connector(tmp_path).send(message_with([("scan.pdf", SCAN)]))
    assert [p for p in listing(tmp_path) if p.endswith(".part")] == []


def write_later(path: Path, content: bytes, delay: float) -> threading.Timer:
    timer = threading.Timer(delay, path.write_bytes, args=(content,))
    timer.start()
    return timer


def test_with_a_receipt_the_send_waits_for_the_receivers_marker(tmp_path: Path) -> None:
    drop = connector(tmp_path, receipt={"pollSeconds": 0.02}, receiptTimeoutSeconds=3)
    timer = write_later(tmp_path / "m-1.done", b'{"status": "accepted", "receiptId": "EL-4711"}', 0.3)

    receipt = drop.send(message_with([]))

    timer.join()
    assert receipt.reference == "EL-4711"
    assert receipt.detail["receiptFile"] == str(tmp_path / "m-1.done")


def test_a_rejecting_receipt_is_permanent(tmp_path: Path) -> None:
    drop = connector(tmp_path, receipt={"directory": "quittungen", "pollSeconds": 0.02}, receiptTimeoutSeconds=3)
    (tmp_path / "quittungen").mkdir()
    timer = write_later(tmp_path / "quittungen" / "m-1.done", b"REJECTED Aktenzeichen fehlt", 0.1)

    with pytest.raises(PermanentError, match="Aktenzeichen fehlt"):
        drop.send(message_with([]))
    timer.join()


def test_no_receipt_in_time_is_transient(tmp_path: Path) -> None:
    drop = connector(tmp_path, receipt={"pollSeconds": 0.02}, receiptTimeoutSeconds=0.2, timeoutSeconds=1)

    with pytest.raises(TransientError, match="no receipt"):
        drop.send(message_with([]))


def test_a_retry_finding_the_receipt_reports_the_earlier_delivery_without_writing_again(tmp_path: Path) -> None:
    # Given the receiver took the message and removed it, leaving its marker
    (tmp_path / "m-1.done").write_bytes(orjson.dumps({"status": "accepted", "receiptId": "EL-1"}))
    drop = connector(tmp_path, receipt={"pollSeconds": 0.02}, receiptTimeoutSeconds=1)

    # When the hub retries (its first attempt's answer was lost)
    receipt = drop.send(message_with([("scan.pdf", SCAN)]))

    # Then it reports the earlier delivery and does not hand the receiver the message again
    assert receipt.reference == "EL-1"
    assert receipt.detail["duplicate"] is True
    assert listing(tmp_path) == ["m-1.done"]


def test_build_maps_the_application_and_lists_the_attachments_where_they_will_be(tmp_path: Path) -> None:
    catalog = MappingCatalog.load(PROJECT_ROOT / "mappings")
    destination = Destination(
        id="gladbeck-ablage",
        name="Ablage",
        connector="fachverfahren-filedrop",
        standard="fachverfahren-json",
        settings={"target": str(tmp_path)},
    )
    drop = FileDropConnector(destination, ConnectorContext(mappings=catalog))
    files = (
        AttachmentData("nachweis.pdf", "application/pdf", hashlib.sha256(SCAN).hexdigest(), SCAN),
        AttachmentData("../nachweis.pdf", "application/pdf", hashlib.sha256(b"2").hexdigest(), b"2"),
    )
    submission = SubmissionData("s-1", datetime(2026, 3, 1, tzinfo=UTC), sample(), files)

    message = drop.build(submission, "m-9")

    body = orjson.loads(message.body)
    assert body["nachricht"]["nachrichtId"] == "m-9"
    assert [(a["dateiname"], a["pfad"], a["groesse"]) for a in body["anlagen"]] == [
        ("nachweis.pdf", "m-9/nachweis.pdf", len(SCAN)),
        ("../nachweis.pdf", "m-9/2_nachweis.pdf", 1),
    ]
    sent = OutboundMessage(message.message_id, message.media_type, message.body, attachments=())
    with pytest.raises(PermanentError, match="not among the submission's files"):
        drop.send(sent)
