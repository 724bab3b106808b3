"""The XÖV message frame: authorities read from a destination's settings, and the ``hub`` object."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.xoev.frame import Authority, Reachability, message_frame, with_frame
from hub.connectors.base import SubmissionData


def test_an_authority_is_read_with_its_reachability() -> None:
    raw = {"prefix": "bau", "code": "05562014", "name": "Bauaufsicht Gladbeck",
           "reachability": [{"channel": "01", "address": "bau@gladbeck.example", "listVersion": "3"}]}  # fmt: skip
    authority = Authority.read(raw)
    assert authority.kennung == "bau:05562014"
    assert authority.reachability == (Reachability("01", "bau@gladbeck.example", "3"),)


@pytest.mark.parametrize(
    ("raw", "complaint"),
    [
        ("bau:05562014", "must be a mapping"),
        ({"prefix": "BAU", "code": "05562014", "name": "x"}, "three lower-case letters"),
        ({"prefix": "bau", "code": "0556-2014", "name": "x"}, "code of digits"),
        ({"prefix": "bau", "code": "05562014", "name": " "}, "needs a name"),
        ({"prefix": "bau", "code": "1", "name": "x", "reachability": {"channel": "01"}}, "must be a list"),
        ({"prefix": "bau", "code": "1", "name": "x", "reachability": [{"channel": "01"}]}, "needs channel, address"),
    ],
    ids=["not-a-mapping", "prefix", "code", "name", "reachability-not-list", "reachability-incomplete"],
)
def test_a_malformed_authority_is_refused_saying_why(raw: Any, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        Authority.read(raw)


def test_the_frame_carries_the_ids_the_receipt_time_and_both_authorities() -> None:
    # Given a submission received at a known time
    received = datetime(2026, 5, 4, 8, 15, 0, 123456, tzinfo=UTC)
    submission = SubmissionData("s-1", received, {"service": "bauantrag", "municipality": "05562014"})
    author, reader = Authority("psw", "05562014", "Portal"), Authority("bau", "05562014", "Bauaufsicht")

    # When its frame is made and added to the envelope
    envelope = with_frame(submission, message_frame(submission, "m-1", author, reader))

    # Then the message id, the submission id and the receipt time (to the second) travel in `hub`
    assert envelope["hub"] == {
        "messageId": "m-1",
        "submissionId": "s-1",
        "createdAt": "2026-05-04T08:15:00+00:00",
        "author": {"prefix": "psw", "code": "05562014", "name": "Portal", "reachability": []},
        "reader": {"prefix": "bau", "code": "05562014", "name": "Bauaufsicht", "reachability": []},
    }
    # and the stored envelope is not changed
    assert "hub" not in submission.envelope
