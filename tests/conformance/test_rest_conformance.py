"""The conformance suite on ``fachverfahren-rest``, delivering to the REST back-office simulator."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from hub.connectors.base import SubmissionData
from hub.testing import BackofficeReceiver, ConnectorConformance, Unmappable, demo_sample, submission_from


class TestRestConnector(ConnectorConformance[BackofficeReceiver]):
    connector_name = "fachverfahren-rest"

    def start_receiver(self) -> AbstractContextManager[BackofficeReceiver]:
        return BackofficeReceiver.serve()

    def destination_settings(self, receiver: BackofficeReceiver, address: str) -> Mapping[str, Any]:
        return {"url": f"{address}/systems/gladbeck/messages", "timeoutSeconds": 5}

    def samples(self) -> Sequence[SubmissionData]:
        return [submission_from(demo_sample(name)) for name in ("hundesteuer-anmeldung", "sperrmuell")]

    def unmappable_samples(self) -> Sequence[Unmappable]:
        envelope = demo_sample("hundesteuer-anmeldung")
        del envelope["form"]["dogs"]
        return [Unmappable(submission_from(envelope), "/form/dogs")]
