"""The hub's domain: what it decides, as pure code without I/O.

The delivery state machine (:mod:`~hub.domain.transitions`), a submission's status
(:mod:`~hub.domain.submission_status`), what a status callback says
(:mod:`~hub.domain.status_callbacks`), a receiver's later decision (:mod:`~hub.domain.acceptance`),
who may act for which municipality (:mod:`~hub.domain.tenancy`), the retry policy, the circuit
breaker's rule, the envelope a portal posts, and the clock. The adapters carry out what it decides.
"""
