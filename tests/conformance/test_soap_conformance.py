"""The conformance suite on ``fachverfahren-soap``, calling the SOAP vendor simulator by its sample WSDL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from hub.connectors.base import SubmissionData
from hub.sim.soap_vendor import DEFAULT_WSDL
from hub.testing import ConnectorConformance, SoapVendorReceiver, Unmappable, demo_sample, submission_from


class TestSoapConnector(ConnectorConformance[SoapVendorReceiver]):
    connector_name = "fachverfahren-soap"
    standard = "fachverfahren-soap-json"

    def start_receiver(self) -> AbstractContextManager[SoapVendorReceiver]:
        return SoapVendorReceiver.serve()

    def destination_settings(self, receiver: SoapVendorReceiver, address: str) -> Mapping[str, Any]:
        return {
            "wsdlFile": str(DEFAULT_WSDL),
            "port": "HundesteuerSoap11",
            "operation": "VorgangAnlegen",
            "address": f"{address}/systems/gladbeck/soap",
            "messageIdParameter": "/NachrichtId",
            "receiptPath": "string(tns:VorgangAnlegenAntwort/tns:Vorgangsnummer)",
            "timeoutSeconds": 5,
        }

    def samples(self) -> Sequence[SubmissionData]:
        return [submission_from(demo_sample("hundesteuer-anmeldung"))]

    def unmappable_samples(self) -> Sequence[Unmappable]:
        # A dog's name longer than the vendor's WSDL allows: named by its pointer into the portal's payload.
        envelope = demo_sample("hundesteuer-anmeldung")
        envelope["form"]["dogs"][0]["name"] = "B" * 31
        return [Unmappable(submission_from(envelope), "/form/dogs/0/name")]
