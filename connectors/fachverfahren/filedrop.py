"""Back-office file-drop connector: the mapped application as a JSON file, its attachments beside it,
written atomically into a folder the back office watches, over SFTP or on a local/mounted path.

Destination settings::

    target: sftp://host:22/incoming/hundesteuer     # or file:///srv/drop/gladbeck, or a plain folder path
                                                    # (sftp://host/~/incoming: relative to the login folder)
    auth: {username: hub, passwordEnv: VAR}         # SFTP only; or keyFile: /etc/hub/id_ed25519
                                                    #   [, passphraseEnv: VAR]; both may be given
    knownHostsFile: /etc/hub/known_hosts            # SFTP host key check: a known_hosts file ([host]:port
    hostKey: "ssh-ed25519 AAAA..."                  #   entries), or the server's public key(s) to pin;
    insecureAcceptAnyHostKey: false                 #   without either, the destination is refused unless
                                                    #   this is explicitly true (test systems only)
    timeoutSeconds: 10                              # per step: connect, write, rename, receipt; a send
                                                    #   takes at most 4 × this (the hub sizes its lease to it)
    receipt: {suffix: ".done", directory: null, pollSeconds: 0.5}   # optional (or `receipt: true` for
    receiptTimeoutSeconds: 10                       #   these defaults): wait for the receiver's marker
                                                    #   <messageId><suffix> (≤ timeoutSeconds; default: it)

What is written (see :mod:`~connectors.fachverfahren.filedrop_plan`)::

    <messageId>.json             the mapped application (the ``fachverfahren-json`` mapping, like the
                                 REST connector's), with ``nachricht`` and, when there are files,
                                 ``anlagen: [{dateiname, pfad, mimeType, sha256, groesse}]``
    <messageId>/<fileName>       each attachment, at the ``pfad`` the message lists (none when the
                                 mapping spec says ``attachments: none``)

Every file is written as ``.<name>.part`` in its own folder, synced, then renamed to its final name;
the message file is renamed last, so a receiver that picks up ``*.json`` never sees a partial
message or one whose attachments are not there yet. A retry writes the same names again and
replaces what an interrupted attempt left. Without ``receipt``, a message is delivered once the
message file's rename succeeded; with it, once the receiver's marker appeared (a marker saying
``rejected`` makes the delivery dead: :mod:`~connectors.fachverfahren.filedrop_receipt`), and a
retry finding the marker already there reports the earlier delivery instead of writing again.

Credentials are referenced by environment variable and read at connect time. ``keyFile`` and
``knownHostsFile`` are read from the given path; in a region config a relative path is taken from
the config folder (like the TLS files).
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

import orjson

from connectors.fachverfahren.filedrop_local import LocalDrop
from connectors.fachverfahren.filedrop_plan import DropPlan, attachment_paths
from connectors.fachverfahren.filedrop_settings import FileDropSettings, LocalTarget
from connectors.fachverfahren.filedrop_sftp import SftpDrop
from hub.connectors.base import Connector, OutboundMessage, Receipt, SubmissionData
from hub.mapping.engine import apply_spec

MEDIA_TYPE = "application/json"


class DropTransport(Protocol):
    def deliver(self, plan: DropPlan) -> Receipt: ...

    def close(self) -> None: ...


class FileDropConnector(Connector):
    name = "fachverfahren-filedrop"
    sends_attachments = True
    #: Steps one send may take, each bounded by ``timeoutSeconds``: connect and log in, write the
    #: files, rename them, wait for the receipt.
    requests_per_send: ClassVar[int] = 4

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settings = FileDropSettings.read(self.destination)
        target = self.settings.target
        self.transport: DropTransport
        if isinstance(target, LocalTarget):
            self.transport = LocalDrop(target, self.settings.receipt)
        else:
            budget = self.settings.timeout_seconds * self.requests_per_send
            self.transport = SftpDrop(target, self.settings.receipt, self.settings.timeout_seconds, budget)

    def build(self, submission: SubmissionData, message_id: str) -> OutboundMessage:
        standard = self.destination.standard or "fachverfahren-json"
        spec = self.context.mappings.get(submission.service, standard)
        document = apply_spec(spec, dict(submission.envelope))
        document["nachricht"] = {
            "nachrichtId": message_id,
            "einreichungId": submission.id,
            "eingang": submission.received_at.isoformat(),
            "leistung": submission.service,
            "gemeindeschluessel": submission.municipality,
        }
        if spec.attachments != "none" and submission.attachments:
            paths = attachment_paths(message_id, [a.file_name for a in submission.attachments])
            document["anlagen"] = [
                {
                    "dateiname": a.file_name,
                    "pfad": path,
                    "mimeType": a.media_type,
                    "sha256": a.sha256,
                    "groesse": len(a.content),
                }
                for a, path in zip(submission.attachments, paths, strict=True)
            ]
        return OutboundMessage(message_id=message_id, media_type=MEDIA_TYPE, body=orjson.dumps(document))

    def send(self, message: OutboundMessage) -> Receipt:
        return self.transport.deliver(DropPlan.of(message))

    def close(self) -> None:
        self.transport.close()
