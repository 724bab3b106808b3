"""xdomea 3.1.0 to municipal DMS / e-file systems: connector ``fachverfahren-xdomea`` (HTTP or XTA 2).

Modules, one role each: :mod:`.settings` (the destination's settings), :mod:`.documents` (primary
documents: ids, container names, formats), :mod:`.form_fields` (the form as generic fields),
:mod:`.frame` (the ``hub`` object the spec reads), :mod:`.message` (build and validate at intake),
:mod:`.container` (the deterministic ZIP), :mod:`.received` (a message the mailroom received,
wrapped for the DMS), :mod:`.http` and :mod:`.xta` (the transports) and
:mod:`.connector` (picks one). The DMS simulator is :mod:`hub.sim.dms`.
"""

from connectors.fachverfahren.xdomea.connector import XdomeaConnector

__all__ = ["XdomeaConnector"]
