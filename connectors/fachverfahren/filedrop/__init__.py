"""Back-office file drop (``fachverfahren-filedrop``): the mapped application as a JSON file, its
attachments beside it, written atomically into a folder the back office watches, over SFTP or on a
local/mounted path.

What is written (:mod:`.plan`)::

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
``rejected`` makes the delivery dead: :mod:`.receipt`), and a retry finding the marker already there
reports the earlier delivery instead of writing again.

Modules, one role each: :mod:`.connector` (picks the transport, builds, sends), :mod:`.settings`
(the destination's settings), :mod:`.message` (the JSON document), :mod:`.plan` (the files and their
order), :mod:`.receipt` (the receiver's marker), :mod:`.local` and :mod:`.sftp` (the transports;
:mod:`.sftp_session` writes one message over an open session). The simulator is :mod:`hub.sim.sftp`.
"""

from connectors.fachverfahren.filedrop.connector import FileDropConnector

__all__ = ["FileDropConnector"]
