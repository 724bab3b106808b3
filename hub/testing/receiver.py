"""The receiver a conformance suite delivers to: a simulator of the target system, seen through four hooks.

A connector author wraps the simulator of their target system (a real server on loopback) in a
:class:`Receiver` so the suite can make it misbehave and ask what it took. The hub ships receivers
for its own simulators (:mod:`hub.testing.http_receivers`, :mod:`hub.testing.xta_receiver`,
:mod:`hub.testing.sftp_receiver`); any object with these members will do.
"""

from __future__ import annotations

from typing import Protocol


class Receiver(Protocol):
    """A running simulator of a target system, as the conformance suite drives it."""

    @property
    def address(self) -> str:
        """Where it listens (``http://127.0.0.1:8123``, ``sftp://127.0.0.1:2222``): the destination
        settings are made from it, and the suite swaps in an address where nothing listens."""
        ...

    def clear(self) -> None:
        """Forget fault rules and received messages (called before and after every test)."""
        ...

    def fail_transiently(self, times: int) -> None:
        """Fail the next ``times`` deliveries the way a receiver that is briefly down does
        (a 503, a SOAP ``Server`` fault, an XTA ``TechnicalProblem``, a failed write)."""
        ...

    def refuse_next(self) -> None:
        """Refuse the next delivery for good, the way a receiver rejects a message it will never
        accept (a 422, a SOAP ``Client`` fault, an XTA ``PermissionDenied``, a rejection marker)."""
        ...

    def received_message_ids(self) -> list[str]:
        """The hub message ids of the messages the receiver took, in order, once per message."""
        ...


__all__ = ["Receiver"]
