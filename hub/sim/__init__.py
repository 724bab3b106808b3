"""Simulated counterparts of the hub: the systems it delivers to, served over real HTTP (or SFTP).

They exist so that tests, the demo and benchmarks exercise the delivery engine against receivers
that store idempotently and fail on command, without any real Fachverfahren or platform.

One package per simulator, each with the same roles: ``app`` (or ``server``) serves it,
``state`` holds what it received, ``descriptor`` is its entry in the landscape, and modules of its
own for its protocol (``xta.soap``, ``dms.container``, ``fitconnect.pki``, ...):

- :mod:`hub.sim.backoffice`: the towns' REST/JSON Fachverfahren
- :mod:`hub.sim.soap_vendor`: a vendor's SOAP back office (the Hundesteuer WSDL)
- :mod:`hub.sim.xta`: an XTA 2 server (Bauportal.NRW, Gewerbeserviceportal.NRW)
- :mod:`hub.sim.dms`: a DMS taking xdomea containers
- :mod:`hub.sim.sftp`: an SFTP file drop with its back office
- :mod:`hub.sim.fitconnect`: the FIT-Connect platform (Sozialplattform)

What the HTTP simulators share is the family's base in :mod:`hub.sim.kit`: serving an ASGI app on
a real socket, the ``/_sim`` control API and the fault rules. A package of its own rather than the
top level, so that ``hub.sim`` itself holds only the map (this docstring), the registry of
simulators (:mod:`hub.sim.registry`, entry-point group ``hub.simulators``) and the
:mod:`hub.sim.landscape` that starts what the registry finds. ``python -m hub.sim`` runs one in a
process of its own.

The simulators stand alone: they import no connector, no routing and nothing of the hub's
engine, only libraries (``hub.schemas``, ``hub.xml``, ``hub.signing``, ``hub.config``).
"""
