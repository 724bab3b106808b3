"""The file-drop connector's pure parts: file naming and order, receipt reading, destination settings."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import orjson
import pytest

from connectors.fachverfahren.filedrop.plan import DropPlan, attachment_paths, part_path, safe_file_name
from connectors.fachverfahren.filedrop.receipt import ReceiptIncomplete, read_verdict, receipt_path
from connectors.fachverfahren.filedrop.settings import FileDropSettings, LocalTarget, SftpTarget
from hub.connectors.base import Destination
from hub.domain.message import MessageAttachment, OutboundMessage
from hub.errors import ConfigError, PermanentError

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEkznnIiWRo4AI/WXGOkQ/L5Voz3vq/4YL67BaQauBtG"


def message_with(files: list[tuple[str, bytes]], message_id: str = "m-1") -> OutboundMessage:
    paths = attachment_paths(message_id, [name for name, _ in files])
    listed = [
        {"dateiname": name, "pfad": path, "sha256": hashlib.sha256(content).hexdigest()}
        for (name, content), path in zip(files, paths, strict=True)
    ]
    attachments = tuple(
        MessageAttachment(name, "application/pdf", hashlib.sha256(content).hexdigest(), content)
        for name, content in files
    )
    body = orjson.dumps({"vorgang": {}, **({"anlagen": listed} if listed else {})})
    return OutboundMessage(message_id, "application/json", body, attachments=attachments)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("nachweis.pdf", "nachweis.pdf"),
        ("C:\\Users\\x\\scan 1.pdf", "scan 1.pdf"),
        ("../../etc/passwd", "passwd"),
        (".hidden.json", "hidden.json"),
        ("a:b*c?.png", "a_b_c_.png"),
        ("bad\x00\x1fname.txt", "badname.txt"),
        ("..", "anlage"),
        ("", "anlage"),
        ("x" * 300 + ".pdf", "x" * 176 + ".pdf"),
    ],
)
def test_portal_file_names_become_single_harmless_path_components(given: str, expected: str) -> None:
    assert safe_file_name(given) == expected


def test_colliding_names_get_their_position_and_everything_lives_in_the_message_folder() -> None:
    assert attachment_paths("m-1", ["a.pdf", "A.PDF", "b.pdf", "dir/a.pdf"]) == [
        "m-1/a.pdf",
        "m-1/2_A.PDF",
        "m-1/b.pdf",
        "m-1/4_a.pdf",
    ]


def test_temporary_names_are_hidden_beside_the_final_name() -> None:
    assert part_path("m-1.json") == ".m-1.json.part"
    assert part_path("m-1/scan.pdf") == "m-1/.scan.pdf.part"


def test_the_plan_writes_the_attachments_first_and_the_message_last() -> None:
    message = message_with([("a.pdf", b"A"), ("b.pdf", b"B")])

    plan = DropPlan.of(message)

    assert [f.path for f in plan.files] == ["m-1/a.pdf", "m-1/b.pdf", "m-1.json"]
    assert [f.content for f in plan.files] == [b"A", b"B", message.body]
    assert plan.folders == ("m-1",)
    assert plan.message_file.path == "m-1.json"


def test_a_message_listing_no_attachments_is_one_file_even_if_the_submission_had_some() -> None:
    # A mapping spec with ``attachments: none`` leaves them out of the body: nothing else is written.
    unlisted = message_with([("a.pdf", b"A")]).attachments
    message = OutboundMessage("m-1", "application/json", message_with([]).body, attachments=unlisted)

    assert [f.path for f in DropPlan.of(message).files] == ["m-1.json"]


def test_a_listed_attachment_whose_bytes_differ_is_refused_for_good() -> None:
    message = message_with([("a.pdf", b"A")])
    tampered = MessageAttachment("a.pdf", "application/pdf", message.attachments[0].sha256, b"not A")
    message = OutboundMessage(message.message_id, message.media_type, message.body, attachments=(tampered,))

    with pytest.raises(PermanentError, match="not among the submission's files"):
        DropPlan.of(message)


def test_a_message_id_that_is_no_safe_file_name_is_refused() -> None:
    with pytest.raises(PermanentError, match="file name"):
        DropPlan.of(OutboundMessage("../x", "application/json", b"{}"))


@pytest.mark.parametrize(
    ("content", "reference"),
    [
        (b"", None),
        (b"OK", None),
        (b'{"status": "accepted", "receiptId": "Q-7"}', "Q-7"),
        (b"<quittung/>", None),
    ],
)
def test_receipts_that_accept(content: bytes, reference: str | None) -> None:
    assert read_verdict(content, "x.done").reference == reference


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"status": "rejected", "reason": "Aktenzeichen fehlt"}', "Aktenzeichen fehlt"),
        (b'{"status": "ERROR", "detail": "kaputt"}', "kaputt"),
        (b"REJECTED: Anlage fehlt\n", "Anlage fehlt"),
        (b"abgelehnt", "abgelehnt"),
    ],
)
def test_receipts_that_reject_are_permanent_failures(content: bytes, reason: str) -> None:
    with pytest.raises(PermanentError, match=reason):
        read_verdict(content, "x.done")


def test_a_receipt_cut_short_is_read_again_later() -> None:
    with pytest.raises(ReceiptIncomplete):
        read_verdict(b'{"status": "rej', "x.done")


def destination(**settings: Any) -> Destination:
    return Destination(id="gladbeck-ablage", name="Ablage", connector="fachverfahren-filedrop", settings=settings)


def test_sftp_settings_are_read_into_typed_values() -> None:
    read = FileDropSettings.read(
        destination(
            target="sftp://drop.example:2222/eingang/hunde%20steuer",
            auth={"username": "hub", "passwordEnv": "PW"},
            hostKey=KEY,
            receipt={"suffix": ".receipt.xml", "directory": "quittungen"},
            timeoutSeconds=5,
            receiptTimeoutSeconds=4,
        )
    )
    target = read.target
    assert isinstance(target, SftpTarget)
    assert (target.host, target.port, target.directory) == ("drop.example", 2222, "/eingang/hunde steuer")
    assert target.host_keys.host_keys == (KEY,)
    assert read.receipt is not None
    assert receipt_path("m-1", read.receipt, target.directory) == "/eingang/hunde steuer/quittungen/m-1.receipt.xml"
    assert read.receipt.timeout_seconds == 4


def test_a_home_relative_sftp_folder_and_the_user_in_the_url() -> None:
    target = FileDropSettings.read(
        destination(target="sftp://ablage@drop.example/~/in", auth={"keyFile": "/k"}, insecureAcceptAnyHostKey=True)
    ).target
    assert isinstance(target, SftpTarget)
    assert (target.auth.username, target.port, target.directory) == ("ablage", 22, "in")


@pytest.mark.parametrize("target", ["file:///srv/drop", "/srv/drop"])
def test_local_targets(target: str) -> None:
    read = FileDropSettings.read(destination(target=target))
    assert read.target == LocalTarget(Path("/srv/drop"))
    assert read.receipt is None


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        ({"target": "sftp://h/x", "auth": {"username": "u", "passwordEnv": "P"}}, "host key of h cannot be checked"),
        (
            {"target": "sftp://h/x", "auth": {"username": "u", "passwordEnv": "P"}, "insecureAcceptAnyHostKey": "yes"},
            "true or false",
        ),
        (
            {
                "target": "sftp://h/x",
                "auth": {"username": "u", "passwordEnv": "P"},
                "hostKey": KEY,
                "insecureAcceptAnyHostKey": True,
            },
            "contradicts",
        ),
        ({"target": "sftp://h/x", "auth": {"passwordEnv": "P"}, "hostKey": KEY}, "auth.username"),
        ({"target": "sftp://h/x", "auth": {"username": "u"}, "hostKey": KEY}, "passwordEnv or auth.keyFile"),
        ({"target": "sftp://u:pw@h/x", "auth": {"passwordEnv": "P"}, "hostKey": KEY}, "no password in the URL"),
        ({"target": "ftp://h/x"}, "use sftp://"),
        ({}, "'target' must be"),
        ({"target": "/x", "receipt": {}, "timeoutSeconds": 2, "receiptTimeoutSeconds": 5}, "must not exceed"),
        ({"target": "/x", "receipt": {"suffix": "/done"}}, "path separator"),
    ],
)
def test_settings_that_are_refused(settings: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ConfigError, match=complaint):
        FileDropSettings.read(destination(**settings))
