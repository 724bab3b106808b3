"""The conformance suite on the XTA 2 connectors, sending to the XTA simulator (official WSDL and schemas).

Both map a Bauantrag to XBau 2.6 by the project's spec (validated against the official XSD and
Schematron at build): ``bauportal-nrw`` with the state platform's transport defaults, ``xoev-xta``
with every XTA setting spelled out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from hub.connectors.base import SubmissionData
from hub.sim.xta import port_url
from hub.testing import ConnectorConformance, Unmappable, XtaReceiver, demo_sample, submission_from
from tests.support.envelopes import attachment

ACCOUNT = {"identifier": "dvdv:05562000-integrationshub", "name": "Integrationshub Emscher-Lippe"}
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 16 + b"\n%%EOF\n"


def bauantrag() -> dict[str, Any]:
    envelope = demo_sample("bauantrag")
    envelope["attachments"] = [attachment(PDF, "bauvorlageberechtigung.pdf")]
    return envelope


class TestBauportalConnector(ConnectorConformance[XtaReceiver]):
    connector_name = "bauportal-nrw"
    transient_failures = 1  # each attempt is five SOAP calls; one failed attempt shows the retry

    def start_receiver(self) -> AbstractContextManager[XtaReceiver]:
        return XtaReceiver.serve()

    def destination_settings(self, receiver: XtaReceiver, address: str) -> Mapping[str, Any]:
        return {
            "baseUrl": f"{address}/xta",
            "account": ACCOUNT,
            "author": {"prefix": "psw", "code": "05562014", "name": "Serviceportal Gladbeck"},
            "reader": {"prefix": "bau", "code": "05562014", "name": "Bauaufsicht Gladbeck"},
            "timeoutSeconds": 5,
        }

    def samples(self) -> Sequence[SubmissionData]:
        return [submission_from(bauantrag())]

    def unmappable_samples(self) -> Sequence[Unmappable]:
        envelope = bauantrag()
        del envelope["form"]["vorhaben"]["bezeichnung"]
        return [Unmappable(submission_from(envelope), "/form/vorhaben/bezeichnung")]


class TestXtaConnector(ConnectorConformance[XtaReceiver]):
    connector_name = "xoev-xta"
    standard = "xbau-2.6"
    transient_failures = 1

    def start_receiver(self) -> AbstractContextManager[XtaReceiver]:
        return XtaReceiver.serve()

    def destination_settings(self, receiver: XtaReceiver, address: str) -> Mapping[str, Any]:
        return {
            "endpoints": {port: port_url(address, name) for port, name in ENDPOINTS.items()},
            "account": ACCOUNT,
            "author": {"prefix": "psw", "code": "05562014", "name": "Serviceportal Gladbeck"},
            "reader": {"prefix": "bau", "code": "05562014", "name": "Bauaufsicht Gladbeck"},
            "service": "http://www.xleitstelle.de/xbau/2/6",
            "businessScenario": {
                "code": "XBAU_DATA",
                "listUri": "urn:de:dataport:codeliste:business.scenario",
                "listVersion": "1",
            },
            "messageType": {
                "code": "baugenehmigung.antrag.0200",
                "listUri": "urn:xoev-de:xbau:codeliste:nachrichten",
                "listVersion": "2.6",
            },
            "timeoutSeconds": 5,
        }

    def samples(self) -> Sequence[SubmissionData]:
        return TestBauportalConnector().samples()

    def unmappable_samples(self) -> Sequence[Unmappable]:
        return TestBauportalConnector().unmappable_samples()


ENDPOINTS = {"management": "ManagementPort", "send": "SendXtaPort", "msgBox": "MsgBoxPort"}
