"""The SFTP file drop in the landscape: the utilities' meter-reading drop behind ``HUB_FILEDROP_URL``.

Every municipality gets its ``<slug>/zaehlerstaende`` folder, where the region's file-drop
destinations put their messages; the back office answers each with a receipt.
"""

from __future__ import annotations

from hub.sim.registry import Placement, SimulatorDescriptor, Started
from hub.sim.sftp.server import SftpSimulator

USER = "hub"


def start(placement: Placement) -> Started:
    for municipality in placement.municipalities:
        (placement.work / municipality.slug / "zaehlerstaende").mkdir(parents=True, exist_ok=True)
    users = {USER: placement.secret}
    sftp = SftpSimulator(placement.work, port=placement.port, users=users, receiver=True).start()
    environment = {
        "HUB_FILEDROP_URL": sftp.url,
        "HUB_FILEDROP_HOST_KEY": sftp.host_public_key,
        "HUB_FILEDROP_PASSWORD": placement.secret,
    }
    return Started(sftp, environment, note=f"files under {sftp.root}")


DESCRIPTOR = SimulatorDescriptor(name="sftp", plays=("fachverfahren-filedrop",), demo_port=8104, start=start)
