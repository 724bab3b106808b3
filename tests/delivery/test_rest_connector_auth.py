"""The back-office REST connector's credentials, end to end over real sockets, on SQLite.

A TLS client certificate (``settings.tls``) against a simulator that requires one, and a bearer token
read from the environment (``settings.auth``) against a simulator that checks it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.applications import Starlette

from hub.sim.backoffice import STATE_KEY, BackofficeState, create_backoffice_app
from hub.sim.kit.server import ServerThread
from tests.conftest import RunningHub, make_settings, start_hub, stop_hub
from tests.support.envelopes import sample
from tests.support.region import write_region
from tests.support.tls import Pki, TlsServerThread, make_pki
from tests.support.waiting import wait_for

TOKEN_ENV = "HUB_TEST_BACKOFFICE_TOKEN"
TOKEN = "s3cret"
# Plenty of quick attempts, so a delivery that keeps failing stays "retrying" while the test looks at it.
PATIENT_RETRY: dict[str, Any] = {"initialSeconds": 0.1, "multiplier": 1, "jitter": 0, "maxAttempts": 100}


@dataclass
class Backoffice:
    """A simulator app and the server it runs in; the app's state is read directly."""

    app: Starlette
    url: str

    @property
    def state(self) -> BackofficeState:
        state: BackofficeState = getattr(self.app.state, STATE_KEY)
        return state


def patch_destination_settings(region: Path, **settings: Any) -> Path:
    """Add ``settings`` to the destination template of a region written by ``write_region``."""
    path = region / "region.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    (template,) = document["destinationTemplates"]
    template["settings"].update(settings)
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return region


@contextmanager
def hub_on_sqlite(tmp_path: Path, region: Path) -> Iterator[RunningHub]:
    running = start_hub(make_settings(f"sqlite:///{tmp_path / 'hub.db'}", region))
    try:
        yield running
    finally:
        stop_hub(running)


def submit(hub: RunningHub) -> str:
    answer = hub.api.post("/v1/submissions", json=sample())
    assert answer.status_code == 202, answer.text
    return str(answer.json()["id"])


def status_of(hub: RunningHub, submission_id: str) -> dict[str, Any]:
    answer = hub.api.get(f"/v1/submissions/{submission_id}")
    assert answer.status_code == 200, answer.text
    status: dict[str, Any] = answer.json()
    return status


def wait_status(hub: RunningHub, submission_id: str, wanted: str, timeout: float = 20) -> dict[str, Any]:
    return wait_for(
        lambda: (s := status_of(hub, submission_id))["status"] == wanted and s,
        timeout=timeout,
        what=f"submission status {wanted}",
    )


def retried_twice(hub: RunningHub, submission_id: str) -> dict[str, Any] | None:
    """The submission's delivery once it is waiting for its next attempt after at least two failed ones."""
    delivery: dict[str, Any] = status_of(hub, submission_id)["deliveries"][0]
    return delivery if delivery["state"] == "retrying" and delivery["attempts"] >= 2 else None


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return make_pki(tmp_path / "pki")


@pytest.fixture
def tls_backoffice(pki: Pki) -> Iterator[Backoffice]:
    """The back-office simulator over HTTPS, refusing clients without a certificate from the test CA."""
    app = create_backoffice_app()
    with TlsServerThread(app, pki) as server:
        yield Backoffice(app, server.url)


@pytest.fixture
def token_backoffice() -> Iterator[Backoffice]:
    """The back-office simulator over HTTP, accepting deliveries only with ``Authorization: Bearer s3cret``."""
    app = create_backoffice_app(token=TOKEN)
    with ServerThread(app) as server:
        yield Backoffice(app, server.url)


def test_client_certificate_is_presented_and_the_server_is_verified_against_the_ca(
    tmp_path: Path, pki: Pki, tls_backoffice: Backoffice
) -> None:
    # Given a back office on https://127.0.0.1 that requires a client certificate from the test CA,
    # and a destination holding that client certificate and trusting that CA
    region = write_region(tmp_path / "r", tls_backoffice.url)
    patch_destination_settings(
        region,
        tls={"certFile": str(pki.client_cert_file), "keyFile": str(pki.client_key_file), "caFile": str(pki.ca_file)},
    )
    with hub_on_sqlite(tmp_path, region) as hub:
        # When a Hundesteuer-Anmeldung for Gladbeck is submitted
        submission_id = submit(hub)

        # Then it is delivered on the first attempt
        delivery = wait_status(hub, submission_id, "delivered")["deliveries"][0]
        assert delivery["state"] == "delivered"
        assert delivery["attempts"] == 1
        assert delivery["lastStatusCode"] == 201

    # And the simulator holds the message once, as seen in its state and through its HTTPS control API
    received = tls_backoffice.state.messages("gladbeck")
    assert [m["messageId"] for m in received] == [delivery["messageId"]]
    assert received[0]["receiptId"] == delivery["receipt"]["reference"]
    assert received[0]["body"]["nachricht"]["einreichungId"] == submission_id
    with pki.client(tls_backoffice.url) as control:
        listed = control.get("/_sim/messages", params={"system": "gladbeck"})
    assert listed.status_code == 200
    assert [m["messageId"] for m in listed.json()] == [delivery["messageId"]]


def tls_settings(pki: Pki, *, client_certificate: bool, trust_ca: bool) -> dict[str, str]:
    tls: dict[str, str] = {}
    if client_certificate:
        tls |= {"certFile": str(pki.client_cert_file), "keyFile": str(pki.client_key_file)}
    if trust_ca:
        tls["caFile"] = str(pki.ca_file)
    return tls


def is_refused_client_certificate(last_error: str) -> bool:
    # With TLS 1.3 the server judges the client certificate after the client's side of the handshake is done:
    # uvicorn (asyncio) closes the connection without flushing its alert, so httpx sees a disconnect; a server
    # that does send the alert yields "tlsv13 alert certificate required". Both are transport errors.
    return "RemoteProtocolError: Server disconnected" in last_error or "certificate required" in last_error.lower()


def is_untrusted_server(last_error: str) -> bool:
    return "CERTIFICATE_VERIFY_FAILED" in last_error


@pytest.mark.parametrize(
    ("client_certificate", "trust_ca", "explains"),
    [(False, True, is_refused_client_certificate), (True, False, is_untrusted_server)],
    ids=["no-client-certificate", "server-ca-not-trusted"],
)
def test_a_refused_tls_handshake_is_transient_and_retried(
    tmp_path: Path,
    pki: Pki,
    tls_backoffice: Backoffice,
    client_certificate: bool,
    trust_ca: bool,
    explains: Callable[[str], bool],
) -> None:
    # Given the same HTTPS back office, and a destination lacking the client certificate
    # (or lacking the CA, so the server's certificate cannot be verified against the system's trust store)
    region = write_region(tmp_path / "r", tls_backoffice.url, retry=PATIENT_RETRY)
    patch_destination_settings(region, tls=tls_settings(pki, client_certificate=client_certificate, trust_ca=trust_ca))
    with hub_on_sqlite(tmp_path, region) as hub:
        # When a submission is made
        submission_id = submit(hub)

        # Then the failed TLS session counts as a transient transport failure: the delivery keeps retrying
        delivery = wait_for(
            lambda: retried_twice(hub, submission_id), timeout=20, what="a retrying delivery, 2+ attempts"
        )
        assert delivery is not None
        assert delivery["lastStatusCode"] is None
        last_error: str = delivery["lastError"]
        assert last_error.startswith("transport error: ")
        assert explains(last_error), last_error
        events = hub.api.get(f"/v1/submissions/{submission_id}/events").json()["events"]
        outcomes = [e["detail"]["outcome"] for e in events if e["kind"] == "attempt"]
        assert len(outcomes) >= 2
        assert set(outcomes) == {"transient"}
        assert status_of(hub, submission_id)["status"] != "delivered"

    # And no HTTP request ever reached the simulator
    stats = tls_backoffice.state.stats()
    assert stats["requests"] == 0
    assert stats["received"] == 0


def test_bearer_token_from_the_environment_is_accepted(
    tmp_path: Path, token_backoffice: Backoffice, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a back office that wants "Bearer s3cret", and a destination naming the env var holding the token
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    region = write_region(tmp_path / "r", token_backoffice.url)
    patch_destination_settings(region, auth={"kind": "bearer", "tokenEnv": TOKEN_ENV})
    with hub_on_sqlite(tmp_path, region) as hub:
        # When a submission is made
        submission_id = submit(hub)

        # Then it is delivered on the first attempt
        delivery = wait_status(hub, submission_id, "delivered")["deliveries"][0]
        assert delivery["attempts"] == 1

    # And the protected endpoint accepted exactly that one request and stored the message
    assert token_backoffice.state.stats()["requests"] == 1
    assert [m["messageId"] for m in token_backoffice.state.messages("gladbeck")] == [delivery["messageId"]]


def test_a_refused_bearer_token_is_permanent_and_the_delivery_dead_after_one_attempt(
    tmp_path: Path, token_backoffice: Backoffice, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a back office that wants "Bearer s3cret", and the env var holding another token
    monkeypatch.setenv(TOKEN_ENV, "wrong")
    region = write_region(tmp_path / "r", token_backoffice.url, retry=PATIENT_RETRY)
    patch_destination_settings(region, auth={"kind": "bearer", "tokenEnv": TOKEN_ENV})
    with hub_on_sqlite(tmp_path, region) as hub:
        # When a submission is made
        submission_id = submit(hub)

        # Then the 401 is permanent: the delivery is dead after one attempt, with the receiver's reason
        delivery = wait_status(hub, submission_id, "failed")["deliveries"][0]
        assert delivery["state"] == "dead"
        assert delivery["attempts"] == 1
        assert delivery["lastStatusCode"] == 401
        assert "401" in delivery["lastError"]
        assert "missing or wrong bearer token" in delivery["lastError"]

    # And the simulator saw that single request and stored nothing
    assert token_backoffice.state.stats()["requests"] == 1
    assert token_backoffice.state.messages() == []


def test_an_unset_credential_is_retried_without_sending_and_delivered_once_it_is_set(
    tmp_path: Path, token_backoffice: Backoffice, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a destination whose token variable is not set
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    region = write_region(tmp_path / "r", token_backoffice.url)
    patch_destination_settings(region, auth={"kind": "bearer", "tokenEnv": TOKEN_ENV})
    with hub_on_sqlite(tmp_path, region) as hub:
        # When a submission is made
        submission_id = submit(hub)

        # Then it waits for the operator, naming the variable, and nothing unauthenticated is sent
        retrying = wait_for(
            lambda: (d := status_of(hub, submission_id)["deliveries"][0])["attempts"] >= 2 and d,
            what="two attempts",
        )
        assert retrying["state"] in ("retrying", "in_flight", "pending")
        assert TOKEN_ENV in retrying["lastError"]
        assert token_backoffice.state.stats()["requests"] == 0

        # When the operator sets the variable
        monkeypatch.setenv(TOKEN_ENV, "s3cret")

        # Then the next attempt delivers it
        wait_status(hub, submission_id, "delivered")
    assert token_backoffice.state.stats()["requests"] == 1
