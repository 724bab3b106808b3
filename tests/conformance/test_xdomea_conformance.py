"""The conformance suite on ``fachverfahren-xdomea`` over HTTP, filing into the DMS simulator.

The DMS simulator unpacks each ZIP container, validates the xdomea 3.1.0 message against the
official XSD and checks every file the message names; the hub builds the message from the one
xdomea spec every service shares (``mappings/any.xdomea-3.1.0.yaml``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from hub.connectors.base import SubmissionData
from hub.testing import ConnectorConformance, DmsReceiver, Unmappable, demo_sample, submission_from
from tests.support.envelopes import attachment


class TestXdomeaConnector(ConnectorConformance[DmsReceiver]):
    connector_name = "fachverfahren-xdomea"
    standard = "xdomea-3.1.0"

    def start_receiver(self) -> AbstractContextManager[DmsReceiver]:
        return DmsReceiver.serve()

    def destination_settings(self, receiver: DmsReceiver, address: str) -> Mapping[str, Any]:
        return {
            "transport": "http",
            "url": f"{address}/dms/gladbeck/xdomea",
            "author": {"prefix": "psw", "code": "05562014", "name": "Serviceportal Gladbeck"},
            "reader": {"prefix": "dms", "code": "05562014", "name": "DMS Gladbeck"},
            "timeoutSeconds": 5,
        }

    def samples(self) -> Sequence[SubmissionData]:
        with_file = demo_sample("sondernutzung")
        with_file["attachments"] = [attachment(b"%PDF-1.7\n% Lageskizze\n", "lageskizze.pdf")]
        return [submission_from(with_file), submission_from(demo_sample("wohnberechtigungsschein"))]

    def unmappable_samples(self) -> Sequence[Unmappable]:
        # xdomea takes any text the envelope model lets through, but no control characters
        envelope = demo_sample("sondernutzung")
        envelope["form"]["purpose"] = "Baustelleneinrichtung\x01"
        return [Unmappable(submission_from(envelope), "/form/purpose")]
