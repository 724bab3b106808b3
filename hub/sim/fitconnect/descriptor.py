"""FIT-Connect in the landscape: the Sozialplattform's route to every municipality's Sozialamt.

Each municipality gets one destination (with its own encryption key) that routes the region's
social-benefit services; the root CA that issued the keys is written for the hub to trust.
"""

from __future__ import annotations

from hub.sim.fitconnect.app import FitConnectSimulator
from hub.sim.fitconnect.state import METADATA_SET
from hub.sim.kit.server import ServerThread
from hub.sim.registry import Placement, SimulatorDescriptor, Started

CLIENT_ID = "emscher-lippe-hub"
# No public LeiKa key was found for either service (see region.yaml); the simulator routes these
# stand-ins, which exist nowhere else. A real deployment sets HUB_LEIKA_* to the published keys.
SIMULATED_LEIKA = {"HUB_LEIKA_WOHNGELD": "99000000000101", "HUB_LEIKA_HILFE_ZUM_LEBENSUNTERHALT": "99000000000102"}


def start(placement: Placement) -> Started:
    placement.catalog.get(METADATA_SET)  # SchemaNotInstalled: skipped before any key is made
    sim = FitConnectSimulator(placement.catalog, {CLIENT_ID: placement.secret})
    for municipality in placement.municipalities:
        sim.state.add_destination(f"Sozialamt {municipality.name}", municipality.ars, list(SIMULATED_LEIKA.values()))
    trust_anchors = placement.work / "fit-connect-roots.pem"
    trust_anchors.write_bytes(sim.state.ca.pem())
    server = ServerThread(sim, port=placement.port).start()
    environment = {
        "HUB_FITCONNECT_TOKEN_URL": f"{server.url}/token",
        "HUB_FITCONNECT_ROUTING_URL": f"{server.url}/routing",
        "HUB_FITCONNECT_SUBMISSION_URL": f"{server.url}/submission",
        "HUB_FITCONNECT_CLIENT_ID": CLIENT_ID,
        "HUB_FITCONNECT_CLIENT_SECRET": placement.secret,
        "HUB_FITCONNECT_CALLBACK_SECRET": placement.secret,
        "HUB_FITCONNECT_TRUST_ANCHORS": str(trust_anchors),
        **SIMULATED_LEIKA,
    }
    return Started(server, environment, note=f"received submissions: {server.url}/_sim/submissions")


DESCRIPTOR = SimulatorDescriptor(name="fitconnect", plays=("sozialplattform",), demo_port=8106, start=start)
