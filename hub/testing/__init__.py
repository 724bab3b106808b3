"""Testing kit for connector authors: the conformance suite every connector inherits, and its receivers.

A connector's whole basic test is a class that subclasses :class:`ConnectorConformance` and declares
the connector's entry-point name, how to run its receiver, the destination settings, and sample
submissions (see :mod:`hub.testing.conformance` and ``docs/connectors.md``)::

    from hub.testing import BackofficeReceiver, ConnectorConformance, Unmappable, demo_sample, submission_from

    class TestMyConnector(ConnectorConformance[BackofficeReceiver]):
        connector_name = "my-connector"
        ...

Receivers for the hub's own simulators (real servers on loopback, with fault injection):
:class:`BackofficeReceiver` (REST), :class:`SoapVendorReceiver` (SOAP), :class:`XtaReceiver` (XTA 2),
:class:`SftpReceiver` (file drop), :class:`DmsReceiver` (xdomea); FIT-Connect's is
:class:`hub.testing.fitconnect_receiver.FitConnectReceiver`. Any object with the members of
:class:`Receiver` will do for another kind of system; :class:`~hub.sim.kit.server.ServerThread`
serves an ASGI simulator for it.

This package needs pytest (``pip install emscher-lippe-hub[testing]``); the hub itself never imports it.
"""

from __future__ import annotations

from hub.sim.kit.server import ServerThread
from hub.testing.conformance import Connect, ConnectorConformance, Unmappable, new_message_id
from hub.testing.http_receivers import BackofficeReceiver, DmsReceiver, HttpSimReceiver, SoapVendorReceiver
from hub.testing.network import closed_port, unreachable
from hub.testing.receiver import Receiver
from hub.testing.sftp_receiver import SftpReceiver
from hub.testing.submissions import as_stored, demo_sample, demo_submission, load_envelope, submission_from
from hub.testing.xta_receiver import XtaReceiver

__all__ = [
    "BackofficeReceiver",
    "Connect",
    "ConnectorConformance",
    "DmsReceiver",
    "HttpSimReceiver",
    "Receiver",
    "ServerThread",
    "SftpReceiver",
    "SoapVendorReceiver",
    "Unmappable",
    "XtaReceiver",
    "as_stored",
    "closed_port",
    "demo_sample",
    "demo_submission",
    "load_envelope",
    "new_message_id",
    "submission_from",
    "unreachable",
]
