"""The ``fachverfahren-filedrop`` connector: picks the transport the ``target`` names, builds, sends.

``sftp://`` targets go through :class:`~.sftp.SftpDrop`, folders of this machine through
:class:`~.local.LocalDrop`; both write a message's :class:`~.plan.DropPlan` the same way. Settings:
see :mod:`.settings`; what is written: see :mod:`connectors.fachverfahren.filedrop`.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

from connectors.fachverfahren.filedrop.local import LocalDrop
from connectors.fachverfahren.filedrop.message import build_message
from connectors.fachverfahren.filedrop.plan import DropPlan
from connectors.fachverfahren.filedrop.settings import CONNECTOR, FileDropSettings, LocalTarget
from connectors.fachverfahren.filedrop.sftp import SftpDrop
from hub.connectors.base import Connector, ConnectorContext, Destination, OutboundMessage, Receipt, SubmissionData


class DropTransport(Protocol):
    def deliver(self, plan: DropPlan) -> Receipt: ...

    def close(self) -> None: ...


class FileDropConnector(Connector):
    name = CONNECTOR
    sends_attachments = True
    #: Steps one send may take, each bounded by ``timeoutSeconds``: connect and log in, write the
    #: files, rename them, wait for the receipt.
    requests_per_send: ClassVar[int] = 4

    def __init__(self, destination: Destination, context: ConnectorContext) -> None:
        super().__init__(destination, context)
        self.settings = FileDropSettings.read(self.destination)
        target = self.settings.target
        self.transport: DropTransport
        if isinstance(target, LocalTarget):
            self.transport = LocalDrop(target, self.settings.receipt)
        else:
            budget = self.settings.timeout_seconds * self.requests_per_send
            self.transport = SftpDrop(target, self.settings.receipt, self.settings.timeout_seconds, budget)

    def build(self, submission: SubmissionData, message_id: str) -> OutboundMessage:
        return build_message(self.context, self.destination, submission, message_id)

    def send(self, message: OutboundMessage) -> Receipt:
        return self.transport.deliver(DropPlan.of(message))

    def close(self) -> None:
        self.transport.close()
