"""The ``bauportal-nrw`` connector: an ``xoev-xta`` destination with XBau 2.6's transport defaults filled in.

Bauportal.NRW takes building applications as XBau messages over XTA 2. What is the same for every
building authority of the state (the XTA service URI of XBau 2.6, the business scenario, the message
type of ``baugenehmigung.antrag.0200``, the mapping standard ``xbau-2.6``) is in :mod:`.settings`; a
region's destination names only what differs per authority::

    - id: "{slug}-bauportal"
      connector: bauportal-nrw
      settings:
        baseUrl: https://xta.bauportal.nrw.example/xta
        account: {identifier: "...", name: "..."}             # the hub's XTA account
        author: {prefix: ..., code: ..., name: ...}            # XÖV author Behördenkennung
        reader: {prefix: ..., code: "{ags}", name: "Bauaufsicht {name}"}

Any of the defaults may be overridden in ``settings`` (see :mod:`connectors.xoev.settings`).
The message body is the XBau document the spec ``mappings/bauantrag.xbau-2.6.yaml`` makes; the
building documents travel as XTA attachments named as in the message's ``anlagen``.
"""

from __future__ import annotations

from connectors.bauportal_nrw.settings import DEFAULTS, STANDARD
from connectors.xoev.connector import XtaConnector


class BauportalConnector(XtaConnector):
    name = "bauportal-nrw"
    default_settings = DEFAULTS
    default_standard = STANDARD
