"""``hub.testing`` itself: its public names, its address helpers, and a suite that catches a broken connector."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import hub.testing
from hub.config import PROJECT_ROOT
from hub.testing import closed_port, unreachable
from hub.testing.network import with_port
from tests.support.cli import clean_environ, describe

PUBLIC = {
    "BackofficeReceiver",
    "Connect",
    "ConnectorConformance",
    "DmsReceiver",
    "HttpSimReceiver",
    "Receiver",
    "ServerThread",
    "SftpReceiver",
    "SoapVendorReceiver",
    "Unmappable",
    "XtaReceiver",
    "as_stored",
    "closed_port",
    "demo_sample",
    "demo_submission",
    "load_envelope",
    "new_message_id",
    "submission_from",
    "unreachable",
}

BROKEN_CONNECTOR_TESTS = '''
"""The REST connector made wrong in three ways a connector author could get wrong."""
import dataclasses
import time

import pytest

from connectors.fachverfahren.rest import RestConnector
from hub.errors import PermanentError, TransientError
from tests.conformance import test_rest_conformance as rest  # a module, so its class is not collected twice


class CarelessRest(RestConnector):
    def build(self, submission, message_id):
        built = super().build(submission, message_id)
        return dataclasses.replace(built, headers={"X-Built-At": str(time.perf_counter_ns())})

    def send(self, message):
        try:
            return super().send(message)
        except TransientError as exc:
            raise PermanentError(str(exc)) from exc


class TestCarelessRest(rest.TestRestConnector):
    @pytest.fixture(scope="class")
    @classmethod
    def connector_class(cls):
        return CarelessRest
'''


def test_all_names_the_public_api_and_each_name_resolves() -> None:
    # Given the package's declared public names
    # When each is looked up, then all exist and no other public name is declared
    assert set(hub.testing.__all__) == PUBLIC
    assert sorted(hub.testing.__all__) == hub.testing.__all__
    for name in hub.testing.__all__:
        assert getattr(hub.testing, name) is not None


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("http://127.0.0.1:8123/systems/x", "http://127.0.0.1:9/systems/x"),
        ("sftp://hub@127.0.0.1:2222/inbox", "sftp://hub@127.0.0.1:9/inbox"),
        ("http://[::1]/x", "http://[::1]:9/x"),
    ],
)
def test_with_port_replaces_only_the_port(address: str, expected: str) -> None:
    # Given an address, when its port is replaced, then the rest stays as it was
    assert with_port(address, 9) == expected


def test_an_unreachable_address_refuses_connections_at_once() -> None:
    import socket

    # Given an address moved to a closed port
    with unreachable("http://127.0.0.1:8123/x") as address, closed_port() as other:
        port = int(address.rsplit(":", 1)[1].split("/")[0])

        # When something connects, then it is refused (no timeout), and the two ports differ
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5)
        assert port != other


def test_the_suite_fails_a_connector_that_breaks_the_contract(tmp_path: Path) -> None:
    # Given a REST connector that is not the one of the entry point, builds a different message every
    # time, and calls an outage a refusal
    module = tmp_path / "test_careless.py"
    module.write_text(BROKEN_CONNECTOR_TESTS, encoding="utf-8")

    # When the conformance suite runs on it
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "-rf",
            "--rootdir",
            str(PROJECT_ROOT),
            str(module),
        ],
        cwd=PROJECT_ROOT,
        env={**clean_environ(), "PYTHONIOENCODING": "utf-8"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    # Then exactly the tests of the broken promises fail
    assert result.returncode == 1, describe(result)
    failed = set(re.findall(r"^FAILED \S*::TestCarelessRest::(\w+)", result.stdout, re.MULTILINE))
    assert failed == {
        "test_the_connector_is_found_through_its_entry_point",
        "test_build_is_stable_for_the_same_submission_and_message_id",
        "test_a_transient_failure_is_retried_with_the_same_message",
        "test_a_receiver_that_is_not_listening_is_a_transient_failure",
    }, describe(result)
    assert "6 passed" in result.stdout, describe(result)
