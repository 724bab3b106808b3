"""The simulated file drop: a real SFTP server (asyncssh) on loopback, optionally with its back office.

:mod:`.server` is the server, :mod:`.receiver` the back office writing receipts, :mod:`.state` its
faults and counters, :mod:`.standalone` runs it in a process of its own; :mod:`.descriptor` is its
entry in the landscape.
"""

from hub.sim.sftp.server import SftpSimulator
from hub.sim.sftp.standalone import load_host_key, run_sftp

__all__ = ["SftpSimulator", "load_host_key", "run_sftp"]
