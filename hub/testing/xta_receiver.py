"""A receiver over the XTA 2 simulator (:mod:`hub.sim.xta`), for connectors that send through XTA.

XTA assigns its own message ids, so the hub's id is read where an XÖV reader finds it: the
``nachrichtenUUID`` of the message's ``nachrichtenkopf``. Faults are XTA exceptions on
``sendMessage``: ``TechnicalProblem`` (try later) and ``PermissionDenied`` (never).
"""

from __future__ import annotations

import base64
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, ClassVar, Self

from hub.schemas import SchemaCatalog
from hub.sim.xta import create_xta_app
from hub.testing.http_receivers import HttpSimReceiver
from hub.xml import parse_xml

XTA_SCHEMA_SET = "xta2-2.1.1"


def official_xta_wsdl() -> Path:
    """The XTA 2 WSDL of the schema catalog (``HUB_SCHEMA_PATH``); the simulator validates against it."""
    return SchemaCatalog.from_env().get(XTA_SCHEMA_SET).path("XTA.wsdl")


def hub_message_id(body: bytes) -> str | None:
    """The ``nachrichtenUUID`` of an XÖV message, if it has one."""
    found = parse_xml(body).find(".//{*}nachrichtenUUID")
    return None if found is None or not found.text else str(found.text).strip()


class XtaReceiver(HttpSimReceiver):
    """The XTA simulator at ``address`` (its SOAP ports under ``{address}/xta``)."""

    transient_rule: ClassVar[dict[str, Any]] = {
        "operation": "sendMessage",
        "fault": "TechnicalProblem",
        "reason": "simulated outage",
    }
    permanent_rule: ClassVar[dict[str, Any]] = {
        "operation": "sendMessage",
        "fault": "PermissionDenied",
        "reason": "simulated refusal",
    }

    @classmethod
    def serve(cls, wsdl: Path | None = None) -> AbstractContextManager[Self]:
        return cls.serving(create_xta_app(wsdl or official_xta_wsdl()))

    def received_message_ids(self) -> list[str]:
        ids = []
        for stored in self.messages():
            found = hub_message_id(base64.b64decode(stored["message"]["data"]))
            if found is not None:
                ids.append(found)
        return ids

    def reports(self) -> list[dict[str, Any]]:
        """``{messageId, reader, report}`` of every stored message (XTA ids and transport report status)."""
        return [{"messageId": m["messageId"], "reader": m["reader"], "report": m["report"]} for m in self.messages()]


__all__ = ["XtaReceiver", "hub_message_id", "official_xta_wsdl"]
