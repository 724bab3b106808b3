"""FIT-Connect in the landscape: the Sozialplattform's route to every municipality's Sozialamt.

Each municipality gets one destination (with its own encryption key) whose routing data are the
LeiKa keys the region routes for that municipality's ARS through a connector FIT-Connect plays
(the placement's ``offers``, taken from the region's services and routes): the Routing API answers
for exactly the keys a real platform would be asked for, and for no stand-in. The root CA that
issued the keys is written for the hub to trust.
"""

from __future__ import annotations

from hub.sim.fitconnect.app import FitConnectSimulator
from hub.sim.fitconnect.state import METADATA_SET
from hub.sim.kit.server import ServerThread
from hub.sim.registry import Placement, SimulatorDescriptor, Started

CLIENT_ID = "emscher-lippe-hub"
PLAYS = ("sozialplattform",)


def routed_keys(placement: Placement, ars: str) -> list[str]:
    """The LeiKa keys the region routes for ``ars`` over FIT-Connect, in the order first routed."""
    return list(dict.fromkeys(o.leika for o in placement.offers if o.ars == ars and o.connector in PLAYS))


def start(placement: Placement) -> Started:
    placement.catalog.get(METADATA_SET)  # SchemaNotInstalled: skipped before any key is made
    sim = FitConnectSimulator(placement.catalog, {CLIENT_ID: placement.secret})
    for municipality in placement.municipalities:
        keys = routed_keys(placement, municipality.ars)
        if keys:
            sim.state.add_destination(f"Sozialamt {municipality.name}", municipality.ars, keys)
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
    }
    return Started(server, environment, note=f"received submissions: {server.url}/_sim/submissions")


DESCRIPTOR = SimulatorDescriptor(name="fitconnect", plays=PLAYS, demo_port=8106, start=start)
