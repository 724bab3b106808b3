"""A receiver over the FIT-Connect simulator (:mod:`hub.sim.fitconnect`), for connectors that submit to FIT-Connect.

The simulator runs as a real server on loopback with one destination (its own RSA key, issued by
the simulator's root CA) for one area (ARS) and the LeiKa keys it routes: by default those the
deployment's region (``HUB_CONFIG_DIR``) routes for that area over FIT-Connect, the keys a
connector is handed on the submission (:func:`hub.testing.demo_submission`). The hub logs in with a
random client secret, put into the environment variable :data:`SECRET_ENV` while it runs
(destinations name credentials by variable, never by value); the root CA is written to a file the
destination's ``trustAnchorsFile`` names.

FIT-Connect has no place for the hub's message id: a submission is known by its metadata's
``senderReference`` (the portal's reference, else the hub's submission id), which is what
:meth:`FitConnectReceiver.received_message_ids` lists; a conformance class says so with
``delivered_id``. Faults hit the Submission API: ``fail_transiently`` answers its next requests 503,
``refuse_next`` answers the next one 422 (the platform refusing what the hub sends).
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from hub.config import Settings
from hub.routing import load_region, routed_keys
from hub.schemas import SchemaCatalog
from hub.sim.fitconnect import FitConnectSimulator
from hub.sim.kit.server import ServerThread
from hub.testing.environment import environment_variable

CLIENT_ID = "emscher-lippe-hub-conformance"
SECRET_ENV = "HUB_TESTING_FITCONNECT_SECRET"  # noqa: S105  (the name of a variable)
AREA = "055620014014"
"""The ARS of the simulator's one destination (Gladbeck's)."""
FIT_CONNECT_KINDS = ("sozialplattform",)
"""Connector kinds that submit over FIT-Connect: their routes' keys are the ones the simulator routes."""


def region_keys(area: str = AREA) -> list[str]:
    """The LeiKa keys the deployment's region routes for ``area`` over FIT-Connect."""
    region = load_region(Settings().config_dir)
    return sorted({k.leika for k in routed_keys(region) if k.ars == area and k.connector in FIT_CONNECT_KINDS})


class FitConnectReceiver:
    """A running :class:`~hub.sim.fitconnect.FitConnectSimulator`; ``address`` is its base URL."""

    def __init__(self, sim: FitConnectSimulator, url: str, trust_anchors: Path, leika_keys: Sequence[str]) -> None:
        self.sim = sim
        self._address = url.rstrip("/")
        self.trust_anchors = trust_anchors
        self.leika_keys = tuple(leika_keys)
        self.control = httpx.Client(base_url=self._address, timeout=10)

    @classmethod
    @contextmanager
    def serve(cls, area: str = AREA, leika_keys: Sequence[str] | None = None) -> Iterator[FitConnectReceiver]:
        """Run the simulator with a fresh client secret (in :data:`SECRET_ENV` while it runs), routing
        ``leika_keys`` for ``area`` (default: :func:`region_keys`)."""
        keys = list(region_keys(area) if leika_keys is None else leika_keys)
        secret = secrets.token_urlsafe(16)
        sim = FitConnectSimulator(SchemaCatalog.from_env(), {CLIENT_ID: secret})
        sim.state.add_destination("Sozialamt (conformance)", area, keys)
        with (
            environment_variable(SECRET_ENV, secret),
            tempfile.TemporaryDirectory(prefix="hub-fitconnect-") as folder,
            ServerThread(sim) as server,
        ):
            trust_anchors = Path(folder) / "fit-connect-roots.pem"
            trust_anchors.write_bytes(sim.state.ca.pem())
            receiver = cls(sim, server.url, trust_anchors, keys)
            try:
                yield receiver
            finally:
                receiver.control.close()

    @property
    def address(self) -> str:
        return self._address

    def settings(self, address: str | None = None, **changes: Any) -> dict[str, Any]:
        """``sozialplattform`` settings submitting to the simulator at ``address`` (default: its own)."""
        base = (address or self.address).rstrip("/")
        return {
            "tokenUrl": f"{base}/token",
            "routingUrl": f"{base}/routing",
            "submissionUrl": f"{base}/submission",
            "clientId": CLIENT_ID,
            "clientSecretEnv": SECRET_ENV,
            "trustAnchorsFile": str(self.trust_anchors),
            "ars": AREA,
            "timeoutSeconds": 5,
            **changes,
        }

    def clear(self) -> None:
        self.control.delete("/_sim/faults").raise_for_status()
        self.control.put("/_sim/decision", json={"outcome": "accept"}).raise_for_status()
        self.control.put("/_sim/callback", json={}).raise_for_status()
        self.control.put("/_sim/routes", json={"forgeSignatures": False}).raise_for_status()
        state = self.sim.state
        with state.lock:  # the control API keeps submissions for good; a conformance test starts afresh
            state.submissions.clear()
            state.events.clear()

    def fail_transiently(self, times: int) -> None:
        self._fault({"status": 503, "count": times, "reason": "simulated outage"})

    def refuse_next(self) -> None:
        self._fault({"status": 422, "count": 1, "reason": "simulated refusal"})

    def _fault(self, rule: dict[str, Any]) -> None:
        self.control.post("/_sim/faults", json={"system": "submission", "mode": "status", **rule}).raise_for_status()

    def received_message_ids(self) -> list[str]:
        """The ``senderReference`` of every submitted submission, in the order they arrived."""
        ids = []
        for submission in self.control.get("/_sim/submissions").raise_for_status().json():
            reference = ((submission.get("metadata") or {}).get("additionalReferenceInfo") or {}).get("senderReference")
            if submission["status"] != "incomplete" and reference:
                ids.append(str(reference))
        return ids


__all__ = ["AREA", "SECRET_ENV", "FitConnectReceiver", "region_keys"]
