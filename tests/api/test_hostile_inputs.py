"""Inputs that used to escape as 500s, bodies that are not JSON, duplicate keys: each gets its
problem+json, nothing is stored, and the keep-alive connection serves the next request."""

from __future__ import annotations

import json
import socket

import httpx

from tests.conftest import RunningHub
from tests.support.envelopes import sample
from tests.support.rows import row_counts

NOTHING = {"submission": 0, "delivery": 0, "event": 0, "attachment": 0}


def _exchange(sock: socket.socket, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 request and its whole response on an open connection."""
    sock.sendall(request)
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(65536)
        assert chunk, f"the hub closed the connection: {received!r}"
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in header_lines)}
    while len(body) < int(headers["content-length"]):
        chunk = sock.recv(65536)
        assert chunk, "the hub closed the connection mid-answer"
        body += chunk
    return int(status_line.split()[1]), headers, body


def _request(method: str, path: str, key: str, body: bytes = b"", content_type: str = "application/json") -> bytes:
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: hub",
        f"Authorization: Bearer {key}",
        f"Content-Type: {content_type}",
        f"Content-Length: {len(body)}",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def test_replay_with_a_body_that_is_not_utf8_is_400_and_the_connection_serves_on(hub: RunningHub) -> None:
    host, port = hub.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        # Given one keep-alive connection, when a replay body that is not UTF-8 is posted
        status, headers, body = _exchange(
            sock, _request("POST", "/v1/operator/replay", hub.operator_key, b'{"destination": "\xff\xfe"}')
        )
        # Then it is a 400 problem naming the byte
        assert status == 400, body
        assert headers["content-type"] == "application/problem+json"
        problem = json.loads(body)
        assert problem["type"] == "/problems/malformed-json"
        assert "UTF-8" in problem["detail"]
        assert headers.get("connection", "").lower() != "close"

        # And the same connection answers the next, good request
        status, _, body = _exchange(
            sock,
            _request("POST", "/v1/operator/replay", hub.operator_key, b'{"destination": "gladbeck-fachverfahren"}'),
        )
        assert status == 200, body
        assert json.loads(body) == {"replayed": [], "count": 0, "refused": []}


def test_event_cursor_beyond_64_bits_is_422_and_the_largest_one_is_fine(hub: RunningHub) -> None:
    accepted = hub.api.post("/v1/submissions", json=sample())
    assert accepted.status_code == 202, accepted.text
    events = f"/v1/submissions/{accepted.json()['id']}/events"

    for bad in ("9223372036854775808", "-1", "1e3"):
        answer = hub.api.get(events, params={"after": bad})
        assert answer.status_code == 422, (bad, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert [e["pointer"] for e in answer.json()["errors"]] == ["/query/after"]

    assert hub.api.get(events, params={"after": str(2**63 - 1)}).json()["events"] == []
    assert hub.api.get(events, params={"after": "0"}).json()["events"]


def test_ids_that_are_not_ids_are_422_not_lookups(hub: RunningHub) -> None:
    for bad in ("x" * 65, "a b", "ö"):
        answer = hub.api.get(f"/v1/submissions/{bad}")
        assert answer.status_code == 422, (bad, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
    assert hub.api.get("/v1/submissions/00000000-0000-4000-8000-000000000000").status_code == 404


def test_duplicate_keys_are_400_naming_the_key_and_nothing_is_stored(hub: RunningHub) -> None:
    good = json.dumps(sample())
    # A gateway reading the first value would see Herten; the hub must not take Gladbeck instead.
    top = good.replace('"municipality": "05562014"', '"municipality": "05562020", "municipality": "05562014"')
    nested = good.replace('"name": "Bello"', '"name": "Bello", "name": "Rex"')
    assert top != good
    assert nested != good

    for body, pointer in ((top, "/municipality"), (nested, "/form/dogs/0/name")):
        answer = hub.api.post("/v1/submissions", content=body, headers={"content-type": "application/json"})
        assert answer.status_code == 400, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        problem = answer.json()
        assert problem["type"] == "/problems/duplicate-key"
        assert [e["pointer"] for e in problem["errors"]] == [pointer]
    assert row_counts(hub) == NOTHING

    # The same key in two different objects is no duplicate.
    assert (
        hub.api.post("/v1/submissions", content=good, headers={"content-type": "application/json"}).status_code == 202
    )


def test_replay_bodies_get_the_problems_intake_bodies_get(hub: RunningHub) -> None:
    with hub.client(hub.operator_key) as ops:
        cases = [
            (b'{"destination": ', "application/json", 400, "/problems/malformed-json"),
            (b'{"ids": ["a"], "ids": []}', "application/json", 400, "/problems/duplicate-key"),
            (b"destination=x", "application/x-www-form-urlencoded", 415, "/problems/unsupported-media-type"),
            (b"{}", "application/json", 422, "/problems/validation-error"),
            (b'{"destination": "x", "since": 1700000000}', "application/json", 422, "/problems/validation-error"),
        ]
        for body, ctype, status, kind in cases:
            answer = ops.post("/v1/operator/replay", content=body, headers={"content-type": ctype})
            assert answer.status_code == status, (body, answer.text)
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.json()["type"] == kind

        # A moment beyond the calendar in UTC is that end of it, not an overflow.
        edge = {
            "destination": "gladbeck-fachverfahren",
            "since": "0001-01-01T00:00:00+05:00",
            "until": "9999-12-31T23:59:59-05:00",
        }
        assert ops.post("/v1/operator/replay", json=edge).status_code == 200


def test_an_undocumented_method_is_405_with_allow(hub: RunningHub) -> None:
    answer = hub.api.delete("/v1/submissions")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "POST"
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "/problems/method-not-allowed"


def test_the_front_door_leads_to_the_console(hub: RunningHub) -> None:
    answer = httpx.get(f"{hub.url}/", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/"
    assert "/" not in httpx.get(f"{hub.url}/openapi.json").json()["paths"]
