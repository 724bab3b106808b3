"""The region's whole target landscape as simulators on loopback: what ``hub demo`` and the catalogue test run.

One object starts a simulator for every kind of receiver the demo region's destinations name — the
towns' REST back offices, their DMS (xdomea), the cities' SOAP tax application, the utilities' SFTP
drop, and the XTA 2 server behind Bauportal.NRW — and says which environment variables point the
region's destinations at them (``HUB_BACKOFFICE_URL``, ``HUB_DMS_URL``, ...). Ports are fixed for the
demo (so the README's URLs work) or free ones (0) for tests.
"""

from __future__ import annotations

import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from hub.routing.region import Region
from hub.schemas import SchemaCatalog, SchemaNotInstalled
from hub.sim.backoffice import create_backoffice_app
from hub.sim.dms import create_dms_app
from hub.sim.fitconnect import FitConnectSimulator
from hub.sim.server import ServerThread
from hub.sim.sftp import SftpSimulator
from hub.sim.soap_vendor import create_soap_vendor_app
from hub.sim.xta import create_xta_app

FILEDROP_USER = "hub"
DEMO_PORTS = {"backoffice": 8101, "xta": 8102, "dms": 8103, "sftp": 8104, "soap": 8105, "fitconnect": 8106}
FITCONNECT_CLIENT = "emscher-lippe-hub"
# No public LeiKa key was found for either service (see region.yaml); the simulator routes these
# stand-ins, which exist nowhere else. A real deployment sets HUB_LEIKA_* to the published keys.
SIMULATED_LEIKA = {"HUB_LEIKA_WOHNGELD": "99000000000101", "HUB_LEIKA_HILFE_ZUM_LEBENSUNTERHALT": "99000000000102"}


@dataclass
class Landscape:
    """Simulators of the region's receivers; ``environment()`` wires the region's destinations to them."""

    catalog: SchemaCatalog
    ports: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DEMO_PORTS, 0))
    sftp_root: Path | None = None
    slugs: tuple[str, ...] = ()
    servers: dict[str, ServerThread] = field(default_factory=dict)
    sftp: SftpSimulator | None = None
    bodies: tuple[tuple[str, str], ...] = ()
    """(name, ARS) of each body: one FIT-Connect destination each."""
    skipped: dict[str, str] = field(default_factory=dict)
    """Simulators not started, with the reason (a schema set they need is not installed)."""
    fitconnect: FitConnectSimulator | None = None
    _password: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    _trust_anchors: Path | None = None
    _tmp: tempfile.TemporaryDirectory[str] | None = None

    @classmethod
    def for_region(cls, region: Region, catalog: SchemaCatalog, ports: dict[str, int] | None = None) -> Landscape:
        slugs = tuple(m.slug for m in region.municipalities.values())
        bodies = tuple((m.name, m.ars) for m in region.municipalities.values())
        return cls(catalog, ports=dict(ports or dict.fromkeys(DEMO_PORTS, 0)), slugs=slugs, bodies=bodies)

    def start(self) -> Landscape:
        self.servers["backoffice"] = ServerThread(create_backoffice_app(), port=self.ports["backoffice"]).start()
        self.servers["soap"] = ServerThread(create_soap_vendor_app(), port=self.ports["soap"]).start()
        try:
            wsdl = self.catalog.get("xta2-2.1.1").path("XTA.wsdl")
            self.servers["xta"] = ServerThread(create_xta_app(wsdl), port=self.ports["xta"]).start()
        except SchemaNotInstalled as exc:
            self.skipped["xta"] = str(exc)
        try:
            self.catalog.get("xdomea-3.1.0")
            self.servers["dms"] = ServerThread(create_dms_app(self.catalog), port=self.ports["dms"]).start()
        except SchemaNotInstalled as exc:
            self.skipped["dms"] = str(exc)
        self._tmp = tempfile.TemporaryDirectory(prefix="hub-landscape-")
        work = Path(self._tmp.name)
        try:
            self._start_fitconnect(work)
        except SchemaNotInstalled as exc:
            self.skipped["fitconnect"] = str(exc)
        root = self.sftp_root or work / "sftp"
        for slug in self.slugs:
            (root / slug / "zaehlerstaende").mkdir(parents=True, exist_ok=True)
        self.sftp = SftpSimulator(
            root, port=self.ports["sftp"], users={FILEDROP_USER: self._password}, receiver=True
        ).start()
        return self

    def _start_fitconnect(self, work: Path) -> None:
        self.catalog.get("fit-connect-metadata-2.1.0")
        sim = FitConnectSimulator(self.catalog, {FITCONNECT_CLIENT: self._password})
        for name, ars in self.bodies:
            sim.state.add_destination(f"Sozialamt {name}", ars, list(SIMULATED_LEIKA.values()))
        self._trust_anchors = work / "fit-connect-roots.pem"
        self._trust_anchors.write_bytes(sim.state.ca.pem())
        self.fitconnect = sim
        self.servers["fitconnect"] = ServerThread(sim, port=self.ports["fitconnect"]).start()

    def environment(self) -> dict[str, str]:
        """The variables the demo region reads to find each receiver."""
        env: dict[str, str] = {
            "HUB_BACKOFFICE_URL": self.servers["backoffice"].url,
            "HUB_STEUER_SOAP_URL": self.servers["soap"].url,
        }
        if "xta" in self.servers:  # one XTA server stands in for Bauportal.NRW and Gewerbeserviceportal.NRW
            env["HUB_BAUPORTAL_XTA_URL"] = env["HUB_GEWERBE_XTA_URL"] = f"{self.servers['xta'].url}/xta"
        if "dms" in self.servers:
            env["HUB_DMS_URL"] = self.servers["dms"].url
        if "fitconnect" in self.servers:
            url = self.servers["fitconnect"].url
            env |= {
                "HUB_FITCONNECT_TOKEN_URL": f"{url}/token",
                "HUB_FITCONNECT_ROUTING_URL": f"{url}/routing",
                "HUB_FITCONNECT_SUBMISSION_URL": f"{url}/submission",
                "HUB_FITCONNECT_CLIENT_ID": FITCONNECT_CLIENT,
                "HUB_FITCONNECT_CLIENT_SECRET": self._password,
                "HUB_FITCONNECT_CALLBACK_SECRET": self._password,
                "HUB_FITCONNECT_TRUST_ANCHORS": str(self._trust_anchors),
                **SIMULATED_LEIKA,
            }
        if self.sftp is not None:
            env |= {
                "HUB_FILEDROP_URL": self.sftp.url,
                "HUB_FILEDROP_HOST_KEY": self.sftp.host_public_key,
                "HUB_FILEDROP_PASSWORD": self._password,
            }
        return env

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()
        self.servers.clear()
        if self.sftp is not None:
            self.sftp.stop()
            self.sftp = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> Landscape:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
