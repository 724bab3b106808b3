"""The conformance suite on ``fachverfahren-filedrop``, dropping over SFTP to the simulator's back office."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from hub.connectors.base import SubmissionData
from hub.testing import ConnectorConformance, SftpReceiver, Unmappable, demo_sample, submission_from


class TestFileDropConnector(ConnectorConformance[SftpReceiver]):
    connector_name = "fachverfahren-filedrop"

    def start_receiver(self) -> AbstractContextManager[SftpReceiver]:
        return SftpReceiver.serve()

    def destination_settings(self, receiver: SftpReceiver, address: str) -> Mapping[str, Any]:
        return receiver.settings(address)

    def samples(self) -> Sequence[SubmissionData]:
        return [submission_from(demo_sample(name)) for name in ("hundesteuer-anmeldung", "sperrmuell")]

    def unmappable_samples(self) -> Sequence[Unmappable]:
        envelope = demo_sample("hundesteuer-anmeldung")
        del envelope["form"]["dogs"]
        return [Unmappable(submission_from(envelope), "/form/dogs")]
