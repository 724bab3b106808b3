"""Where a received case goes: the first of its source's routes naming its message type, else the source's destinations.

A source (one box or Zustellpunkt of one municipality) may receive several kinds of message: a
Gewerbeamt's box both Gewerbeanmeldungen and -abmeldungen, a Sozialamt's FIT-Connect destination
several services. ``routes:`` of the source send each kind to its own back offices; the message
type is the XÖV message's (its root element, e.g. ``abh.gewerbemeldung.0500``) or, for a
FIT-Connect submission, the LeiKa key of its service. Pure: no I/O, no configuration read here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["InboundRoute", "route_destinations"]


@dataclass(frozen=True, slots=True)
class InboundRoute:
    """One ``routes:`` entry of a source: the message type it matches and the destinations it names."""

    message_type: str
    destinations: tuple[str, ...]


def route_destinations(routes: Sequence[InboundRoute], default: tuple[str, ...], message_type: str) -> tuple[str, ...]:
    """The destinations of the first route whose message type is ``message_type``; ``default`` if none matches."""
    for route in routes:
        if route.message_type == message_type:
            return route.destinations
    return default
