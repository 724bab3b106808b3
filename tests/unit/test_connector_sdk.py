"""The connector SDK's small pieces: the settings reader, values made on first use, lent clients, the HTTP base."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from hub.connectors.base import ConnectorContext, Destination, OutboundMessage, Receipt, SubmissionData
from hub.connectors.first_use import FirstUse
from hub.connectors.http_connector import HttpConnector
from hub.connectors.lending import ClientLender
from hub.connectors.settings import SettingsReader
from hub.errors import ConfigError, TransientError
from hub.testing import closed_port


def reader(**settings: Any) -> SettingsReader:
    return SettingsReader(Destination(id="d-1", name="D", connector="kind-x", settings=settings))


def test_the_reader_checks_each_kind_of_setting_and_names_destination_connector_and_setting() -> None:
    # Given settings of every kind, well and badly written
    good = reader(url=" https://x.example ", wait=2, auth={"kind": "none"}, on=True, faults=["A", "{urn:x}B"])

    # When they are read, then each comes out typed (text stripped, absent optional text as None)
    assert good.text("url") == "https://x.example"
    assert good.optional_text("missing") is None
    assert good.mapping("auth") == {"kind": "none"}
    assert good.seconds("wait") == 2.0
    assert good.flag("on") is True
    assert good.flag("off") is False
    assert good.names("faults") == frozenset({"A", "{urn:x}B"})
    assert good.text("auth.kind", good.mapping("auth")["kind"]) == "none"

    # And a wrong one is a ConfigError saying which destination, connector and setting
    with pytest.raises(ConfigError, match=r"destination 'd-1' \(kind-x\): setting 'url' must be a non-empty string"):
        reader(url="  ").text("url")
    with pytest.raises(ConfigError, match="setting 'wait' must be a positive number of seconds"):
        reader(wait=True).seconds("wait")
    with pytest.raises(ConfigError, match="setting 'on' must be true or false"):
        reader(on="yes").flag("on")
    with pytest.raises(ConfigError, match="lacks the setting 'url'"):
        reader().value("url")


def test_first_use_makes_the_value_once_for_all_threads_and_again_after_take() -> None:
    # Given a value whose making is counted and slow enough for threads to meet
    made: list[int] = []
    barrier = threading.Barrier(8)

    def make() -> int:
        made.append(1)
        return len(made)

    value = FirstUse(make)

    def get() -> int:
        barrier.wait()
        return value.get()

    # When eight threads ask at once, then it was made once and all got it
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(lambda _: get(), range(8))) == {1}
    # And take() hands it over and forgets it, so the next get makes a new one
    assert value.take() == 1
    assert value.take() is None
    assert value.get() == 2


def test_a_lender_lends_each_client_to_one_borrower_and_keeps_it_for_the_next() -> None:
    # Given a lender of fresh objects
    lender = ClientLender(lambda: object())

    # When two borrow at once, then they get different clients; a later borrower gets one back
    with lender.borrow() as first, lender.borrow() as second:
        assert first is not second
    with lender.borrow() as again:
        assert again in (first, second)
    # And after close, a returned client is not kept
    lender.close()
    with lender.borrow() as fresh:
        assert fresh not in (first, second)


class Probe(HttpConnector):
    name = "probe"

    def build(self, submission: SubmissionData, message_id: str) -> OutboundMessage:
        raise NotImplementedError

    def send(self, message: OutboundMessage) -> Receipt:
        raise NotImplementedError


def test_the_http_base_makes_its_client_on_first_use_maps_transport_failures_and_closes_twice() -> None:
    # Given an HTTP connector for a destination where nothing listens
    with closed_port() as port:
        destination = Destination(id="p", name="P", connector="probe", settings={"timeoutSeconds": 2})
        connector = Probe(destination, ConnectorContext(mappings=None))  # type: ignore[arg-type]  (no mapping needed)

        # When it posts, then the client is one shared httpx client and the refusal is transient
        with pytest.raises(TransientError, match="transport error"):
            connector.post(f"http://127.0.0.1:{port}/x", content=b"{}", headers={})
        assert isinstance(connector.client, httpx.Client)
        assert connector.client is connector.client
        assert connector.deadline is None

    # And close releases it, twice without harm; a later request would make a new one
    client = connector.client
    connector.close()
    connector.close()
    assert client.is_closed
    assert connector.client is not client
    connector.close()
