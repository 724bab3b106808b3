"""``hub serve`` on TLS, as a real subprocess: HTTPS with the CA works, plain HTTP and old TLS do not, and
with a client CA a client without a certificate (or with one of another CA) is refused in the handshake.

The PKI is a throw-away one made with trustme (tests/support/tls.py).
"""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from hub.config import PROJECT_ROOT
from hub.store.clients import ClientStore
from hub.store.db import Database
from tests.support.cli import free_port, hub_env
from tests.support.tls import Pki, make_pki
from tests.support.waiting import wait_for


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return make_pki(tmp_path / "pki")


@pytest.fixture
def database(tmp_path: Path) -> tuple[str, str]:
    """A migrated SQLite file and an operator key on it."""
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    db = Database(url)
    db.upgrade()
    _, key = ClientStore(db).create("ops", ["*"], roles=["operator"])
    db.dispose()
    return url, key


@contextmanager
def served(url: str, region_dir: Path, log: Path, args: list[str], ready: ssl.SSLContext, **env: str) -> Iterator[int]:
    """``hub serve`` with ``args`` (and ``env``), stderr to ``log``; yields its port once it answers over TLS."""
    port = free_port()
    environment = hub_env(url, region_dir, HUB_LOG_LEVEL="INFO", HUB_LOG_FORMAT="json", **env)
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "hub", "serve", "--port", str(port), *args],
            env=environment, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip
    try:
        wait_for(lambda: _answers(port, ready, process), timeout=30, what="hub serve answering over TLS")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _answers(port: int, context: ssl.SSLContext, process: subprocess.Popen[bytes]) -> bool:
    assert process.poll() is None, "hub serve exited"
    try:
        return httpx.get(f"https://127.0.0.1:{port}/healthz", verify=context, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _trusting(pki: Pki, *, maximum: ssl.TLSVersion | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(pki.ca_file))
    if maximum is not None:
        # A client as old as it can be made (security level 0 lets OpenSSL speak TLS 1.0/1.1 at all): what
        # refuses it must be the hub's minimum, not this client's own defaults.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
            context.maximum_version = maximum
        if maximum < ssl.TLSVersion.TLSv1_2:
            context.set_ciphers("DEFAULT:@SECLEVEL=0")
    return context


def test_https_with_the_ca_works_and_plain_http_and_old_tls_are_refused(
    pki: Pki, database: tuple[str, str], region_dir: Path, tmp_path: Path
) -> None:
    url, key = database
    # Given hub serve with a certificate from the environment (HUB_TLS_CERT, HUB_TLS_KEY)
    env = {"HUB_TLS_CERT": str(pki.server_cert_file), "HUB_TLS_KEY": str(pki.server_key_file)}
    with served(url, region_dir, tmp_path / "stderr.log", [], _trusting(pki), **env) as port:
        base = f"https://127.0.0.1:{port}"
        # When a client that trusts the CA calls the operator API, capped at TLS 1.2
        with httpx.Client(verify=_trusting(pki, maximum=ssl.TLSVersion.TLSv1_2), timeout=10) as tls12:
            answer = tls12.get(f"{base}/v1/operator/destinations", headers={"Authorization": f"Bearer {key}"})
        # Then it is served
        assert answer.status_code == 200, answer.text

        # When a client speaks plain HTTP to the same port, or offers only TLS 1.1
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{base}/healthz", verify=_trusting(pki, maximum=ssl.TLSVersion.TLSv1_1), timeout=5)
        # Or does not trust the CA
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(f"{base}/healthz", timeout=5)


def test_with_a_client_ca_only_clients_with_its_certificates_get_through_and_the_subject_is_on_record(
    pki: Pki, database: tuple[str, str], region_dir: Path, tmp_path: Path
) -> None:
    url, key = database
    stranger = make_pki(tmp_path / "stranger")  # another CA, with a client certificate of its own
    log = tmp_path / "stderr.log"
    # Given hub serve with --tls-cert/--tls-key/--client-ca on the command line
    args = ["--tls-cert", str(pki.server_cert_file), "--tls-key", str(pki.server_key_file),
            "--client-ca", str(pki.ca_file)]  # fmt: skip
    with served(url, region_dir, log, args, pki.client_context()) as port:
        base = f"https://127.0.0.1:{port}"
        # When a client without a certificate, and one with another CA's certificate, connect
        without = _trusting(pki)
        foreign = _trusting(pki)
        foreign.load_cert_chain(str(stranger.client_cert_file), str(stranger.client_key_file))
        # Then both are refused in the handshake: no HTTP answer at all
        for context in (without, foreign):
            with pytest.raises(httpx.TransportError):
                httpx.get(f"{base}/healthz", verify=context, timeout=5)

        # When a client presents the CA's certificate, with and without its API key
        with pki.client(base) as client:
            authorised = client.get("/v1/operator/destinations", headers={"Authorization": f"Bearer {key}"})
            anonymous = client.get("/v1/operator/destinations")
            metrics = client.get("/metrics").text

        # Then the certificate admits it, but the API key still says who it is
        assert authorised.status_code == 200, authorised.text
        assert anonymous.status_code == 401
        # And each verified handshake is counted by subject, the refused ones as refused
        verified = [line for line in metrics.splitlines() if line.startswith("hub_tls_client_handshakes_total{")]
        assert any("CN=emscher-lippe-hub" in line for line in verified), verified
        refused = next(line for line in verified if 'subject="refused"' in line)
        assert float(refused.rsplit(" ", 1)[1]) >= 2

    # And the log names the verified subject and the refusals
    events = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    subjects = {e.get("subject") for e in events if e["event"] == "tls_client_verified"}
    assert any("CN=emscher-lippe-hub" in str(s) for s in subjects), subjects
    assert sum(e["event"] == "tls_handshake_refused" for e in events) >= 2


def test_a_client_ca_without_a_certificate_is_a_usage_error(
    pki: Pki, database: tuple[str, str], region_dir: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hub", "serve", "--client-ca", str(pki.ca_file)],
        env=hub_env(database[0], region_dir), cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "--client-ca need --tls-cert" in result.stderr
