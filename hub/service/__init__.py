"""The service layer: the use cases that the API, the console and the CLI call (handlers hold no SQL).

Each use case takes the few adapters it needs as ports (:mod:`hub.service.ports`), never the whole
composition root; :mod:`hub.bootstrap` wires them (:class:`hub.service.services.HubServices`).
"""
