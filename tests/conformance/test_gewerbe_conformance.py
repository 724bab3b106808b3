"""The conformance suite on ``gewerbe-nrw``: XGewerbeanzeige 2.2 over XTA 2 to the XTA simulator."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from hub.connectors.base import SubmissionData
from hub.testing import ConnectorConformance, Unmappable, XtaReceiver, demo_sample, submission_from


class TestGewerbeConnector(ConnectorConformance[XtaReceiver]):
    connector_name = "gewerbe-nrw"
    transient_failures = 1  # each attempt is five SOAP calls; one failed attempt shows the retry

    def start_receiver(self) -> AbstractContextManager[XtaReceiver]:
        return XtaReceiver.serve()

    def destination_settings(self, receiver: XtaReceiver, address: str) -> Mapping[str, Any]:
        return {
            "baseUrl": f"{address}/xta",
            "account": {"identifier": "dvdv:05562000-integrationshub", "name": "Integrationshub Emscher-Lippe"},
            "reader": {"prefix": "gwa", "code": "05000000", "name": "Gewerbeserviceportal.NRW"},
            "messagePrefix": "alg",
            "gewerbeamt": {"prefix": "MELDID", "code": "05562014", "name": "Gewerbeamt Gladbeck"},
            "timeoutSeconds": 5,
        }

    def samples(self) -> Sequence[SubmissionData]:
        return [submission_from(demo_sample(name)) for name in ("gewerbe-anmeldung", "gewerbe-abmeldung")]

    def unmappable_samples(self) -> Sequence[Unmappable]:
        envelope = demo_sample("gewerbe-anmeldung")
        del envelope["form"]["activities"]["main"]["description"]  # the record names the main activity
        return [Unmappable(submission_from(envelope), "/form/activities/main/description")]
