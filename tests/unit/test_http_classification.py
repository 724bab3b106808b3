from __future__ import annotations

import email.utils

import httpx
import pytest

from hub.connectors.http import parse_retry_after, raise_for_delivery
from hub.errors import PermanentError, TransientError


def response(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=body, headers=headers or {}, request=httpx.Request("POST", "http://x"))


@pytest.mark.parametrize("status", [408, 425, 429, 500, 502, 503, 504])
def test_transient_statuses(status: int) -> None:
    with pytest.raises(TransientError) as info:
        raise_for_delivery(response(status, headers={"Retry-After": "7"}))
    assert info.value.status_code == status
    assert info.value.retry_after == 7


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 410, 422])
def test_other_4xx_are_permanent_with_the_receivers_reason(status: int) -> None:
    body = b'{"type":"about:blank","title":"Bad","detail":"Aktenzeichen fehlt"}'
    with pytest.raises(PermanentError) as info:
        raise_for_delivery(response(status, body, {"content-type": "application/problem+json"}))
    assert "Aktenzeichen fehlt" in str(info.value)


def test_2xx_passes() -> None:
    raise_for_delivery(response(201, b"{}"))


def test_retry_after_as_http_date() -> None:
    when = email.utils.formatdate(1_000_100, usegmt=True)
    assert parse_retry_after(when, now=1_000_000) == pytest.approx(100)
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
