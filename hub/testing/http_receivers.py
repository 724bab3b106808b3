"""Receivers over the hub's HTTP simulators: the REST back office, the SOAP vendor and the DMS.

Both serve the same control API (``/_sim/faults``, ``/_sim/messages``), so one class drives both;
the SOAP vendor answers faults as SOAP faults, which is how a SOAP receiver says "try later" or "no".

``with BackofficeReceiver.serve() as receiver: receiver.address`` runs the simulator as a real
server on a free loopback port for as long as the block lasts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, ClassVar, Self

import httpx
from starlette.types import ASGIApp

from hub.sim.backoffice import create_backoffice_app
from hub.sim.dms import create_dms_app
from hub.sim.kit.server import ServerThread
from hub.sim.soap_vendor import DEFAULT_WSDL, create_soap_vendor_app


class HttpSimReceiver:
    """A simulator with the hub's HTTP control API, at ``address``; faults are the rules below."""

    transient_rule: ClassVar[dict[str, Any]] = {"mode": "status", "status": 503, "reason": "simulated outage"}
    permanent_rule: ClassVar[dict[str, Any]] = {"mode": "status", "status": 422, "reason": "simulated refusal"}

    def __init__(self, address: str) -> None:
        self._address = address.rstrip("/")
        self.control = httpx.Client(base_url=self._address, timeout=10)

    @property
    def address(self) -> str:
        return self._address

    def clear(self) -> None:
        self.control.delete("/_sim/faults").raise_for_status()
        self.control.delete("/_sim/messages").raise_for_status()

    def fail_transiently(self, times: int) -> None:
        self.inject({**self.transient_rule, "count": times})

    def refuse_next(self) -> None:
        self.inject({**self.permanent_rule, "count": 1})

    def inject(self, rule: dict[str, Any]) -> None:
        """Post any fault rule of :mod:`hub.sim.kit.faults` (latency, timeout, drop, ...)."""
        self.control.post("/_sim/faults", json=rule).raise_for_status()

    def messages(self) -> list[dict[str, Any]]:
        answer = self.control.get("/_sim/messages")
        answer.raise_for_status()
        messages: list[dict[str, Any]] = answer.json()
        return messages

    def received_message_ids(self) -> list[str]:
        return [str(m["messageId"]) for m in self.messages()]

    def close(self) -> None:
        self.control.close()

    @classmethod
    @contextmanager
    def serving(cls, app: ASGIApp) -> Iterator[Self]:
        """A receiver over ``app``, served on a free loopback port for as long as the block lasts."""
        with ServerThread(app) as server:
            receiver = cls(server.url)
            try:
                yield receiver
            finally:
                receiver.close()


class BackofficeReceiver(HttpSimReceiver):
    """The REST back-office simulator (:mod:`hub.sim.backoffice`): deliveries go to
    ``{address}/systems/{system}/messages`` with an ``Idempotency-Key``."""

    @classmethod
    def serve(cls, *, token: str | None = None) -> AbstractContextManager[Self]:
        return cls.serving(create_backoffice_app(token=token))


class SoapVendorReceiver(HttpSimReceiver):
    """The SOAP vendor simulator (:mod:`hub.sim.soap_vendor`): calls go to ``{address}/systems/{system}/soap``."""

    transient_rule: ClassVar[dict[str, Any]] = {"mode": "soapFault", "faultCode": "Server", "reason": "outage"}
    permanent_rule: ClassVar[dict[str, Any]] = {"mode": "soapFault", "faultCode": "Client", "reason": "refused"}

    @classmethod
    def serve(cls, wsdl: Path = DEFAULT_WSDL) -> AbstractContextManager[Self]:
        return cls.serving(create_soap_vendor_app(wsdl))


class DmsReceiver(HttpSimReceiver):
    """The DMS simulator (:mod:`hub.sim.dms`): xdomea ZIP containers go to ``{address}/dms/{system}/xdomea``;
    it validates each against the official xdomea XSD of ``HUB_SCHEMA_PATH``."""

    @classmethod
    def serve(cls) -> AbstractContextManager[Self]:
        return cls.serving(create_dms_app())


__all__ = ["BackofficeReceiver", "DmsReceiver", "HttpSimReceiver", "SoapVendorReceiver"]
