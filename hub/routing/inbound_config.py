"""``region.yaml``'s ``inbound`` section: the message boxes the hub reads for each municipality::

    inbound:
      - id: gladbeck-gewerbeamt-xta            # unique; names the source in the store and the CLI
        name: "XTA-Postfach Gewerbeamt Gladbeck"
        source: xta-msgbox                     # the plugin (entry-point group hub.inbound_sources)
        municipality: "05562014"               # whose box it is
        accepts: [xgewerbeanzeige]             # standards routed from it; anything else: quarantine
        destinations: [gladbeck-gewerbe]       # the back offices each case is delivered to (the default)
        routes:                                # optional: by message type, the first match wins
          - messageType: abh.gewerbemeldung.0500   # XÖV message type (root element) or LeiKa key
            destinations: [gladbeck-gewerbe, gladbeck-dms]
        maxMessageBytes: 20971520              # larger messages are not fetched: quarantine
        settings: {...}                        # the plugin's own (connectors/xoev/msgbox_source.py)

Without the section the hub reads no box.
"""

from __future__ import annotations

from typing import Any

from hub.connectors.inbound import DEFAULT_MAX_MESSAGE_BYTES, SourceConfig
from hub.domain.inbound_routes import InboundRoute
from hub.errors import ConfigError

_KEYS = frozenset(
    {"id", "name", "source", "municipality", "accepts", "destinations", "routes", "maxMessageBytes", "settings"}
)
_ROUTE_KEYS = frozenset({"messageType", "destinations"})


def inbound_sources(raw: Any, municipalities: set[str], destinations: set[str]) -> dict[str, SourceConfig]:
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise ConfigError("region.yaml inbound: expected a list of sources")
    sources: dict[str, SourceConfig] = {}
    for entry in raw:
        source = _source(entry, municipalities, destinations)
        if source.id in sources:
            raise ConfigError(f"region.yaml inbound: source id {source.id!r} is used twice")
        sources[source.id] = source
    return sources


def _source(entry: Any, municipalities: set[str], destinations: set[str]) -> SourceConfig:
    if not isinstance(entry, dict) or not entry.get("id") or not entry.get("source"):
        raise ConfigError("region.yaml inbound: every source needs an 'id' and a 'source' (the plugin)")
    where = f"region.yaml inbound {entry['id']!r}"
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown {', '.join(unknown)} (known: {', '.join(sorted(_KEYS))})")
    municipality = str(entry.get("municipality", ""))
    if municipality not in municipalities:
        raise ConfigError(f"{where}: unknown municipality {municipality!r}")
    targets = tuple(str(d) for d in entry.get("destinations") or ())
    missing = [d for d in targets if d not in destinations]
    if missing:
        raise ConfigError(f"{where}: unknown destinations {missing}")
    routes = _routes(entry.get("routes"), where, destinations)
    settings = entry.get("settings") or {}
    if not isinstance(settings, dict):
        raise ConfigError(f"{where}: 'settings' must be a mapping")
    return SourceConfig(
        id=str(entry["id"]),
        kind=str(entry["source"]),
        municipality=municipality,
        name=str(entry.get("name", entry["id"])),
        settings=settings,
        accepts=tuple(str(s) for s in entry.get("accepts") or ()),
        destinations=targets,
        max_message_bytes=int(entry.get("maxMessageBytes", DEFAULT_MAX_MESSAGE_BYTES)),
        routes=routes,
    )


def _routes(raw: Any, where: str, destinations: set[str]) -> tuple[InboundRoute, ...]:
    """``routes: [{messageType, destinations}]``: each names a message type once and known destinations."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ConfigError(f"{where}: 'routes' must be a list of {{messageType, destinations}}")
    routes: list[InboundRoute] = []
    for index, route in enumerate(raw):
        at = f"{where} routes[{index}]"
        if not isinstance(route, dict):
            raise ConfigError(f"{at}: expected {{messageType, destinations}}")
        unknown = sorted(set(route) - _ROUTE_KEYS)
        if unknown:
            raise ConfigError(f"{at}: unknown {', '.join(unknown)} (known: messageType, destinations)")
        message_type = str(route.get("messageType") or "").strip()
        if not message_type:
            raise ConfigError(f"{at}: 'messageType' is required (an XÖV message type or a LeiKa key)")
        if any(r.message_type == message_type for r in routes):
            raise ConfigError(f"{at}: messageType {message_type!r} is routed twice (the first would always win)")
        targets = route.get("destinations")
        if not isinstance(targets, list) or not targets:
            raise ConfigError(f"{at}: 'destinations' must be a non-empty list")
        missing = [str(d) for d in targets if str(d) not in destinations]
        if missing:
            raise ConfigError(f"{at}: unknown destinations {missing}")
        routes.append(InboundRoute(message_type, tuple(str(d) for d in targets)))
    return tuple(routes)
