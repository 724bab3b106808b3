"""The conformance suite on ``sozialplattform``, submitting to the FIT-Connect simulator.

A real send: OAuth token, Routing API (the route's signature checked), the destination's key checked
against the simulator's root CA, the data and every attachment encrypted (JWE), announced and
submitted; the simulator decrypts them and checks the metadata against the official schema and
every hash. FIT-Connect has no place for the hub's message id, so a submission is known by its
metadata's ``senderReference`` (the portal's reference): :meth:`delivered_id` reads it from the parcel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

import orjson

from hub.connectors.base import OutboundMessage, SubmissionData
from hub.testing import ConnectorConformance, Unmappable, demo_sample, demo_submission, submission_from
from hub.testing.fitconnect_receiver import FitConnectReceiver


class TestSozialplattformConnector(ConnectorConformance[FitConnectReceiver]):
    connector_name = "sozialplattform"

    def start_receiver(self) -> AbstractContextManager[FitConnectReceiver]:
        return FitConnectReceiver.serve()

    def destination_settings(self, receiver: FitConnectReceiver, address: str) -> Mapping[str, Any]:
        return receiver.settings(address)

    def samples(self) -> Sequence[SubmissionData]:
        return [demo_submission(name) for name in ("wohngeld-antrag", "hilfe-zum-lebensunterhalt")]

    def unmappable_samples(self) -> Sequence[Unmappable]:
        envelope = demo_sample("wohngeld-antrag")
        del envelope["form"]["monthlyHousingCosts"]
        return [
            Unmappable(
                submission_from(envelope, leika=demo_submission("wohngeld-antrag").leika), "/form/monthlyHousingCosts"
            )
        ]

    def delivered_id(self, message: OutboundMessage) -> str:
        return str(orjson.loads(message.body)["senderReference"])
