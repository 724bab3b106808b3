"""What the simulators share: the family's base, imported by each simulator package, never the reverse.

- :mod:`.server`: an ASGI app served by uvicorn on a real loopback socket (:class:`~.server.ServerThread`),
  or in a process of its own (:func:`~.server.run_app`)
- :mod:`.control`: the ``/_sim`` control API every HTTP simulator serves, and its JSON answers
- :mod:`.fault_rules`: the fault rules posted to ``/_sim/faults`` and which fire per request
- :mod:`.faults`: how the HTTP fault modes answer (status, timeout, drop, trickle, HTML, reset)
"""
