"""HTTP credentials of a back-office destination, named in its settings and read from the environment.

``auth: {kind: bearer, tokenEnv: VAR[, optional: true]} | {kind: basic, userEnv: VAR, passwordEnv: VAR}
| {kind: none}``. The values are read at send time, never stored in the config. A named variable that
is unset is a :class:`~hub.errors.ConfigError` (retried, so the delivery goes out once the operator
sets it), never a request sent without credentials.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from typing import Any

from hub.connectors.base import Destination
from hub.errors import ConfigError


def auth_headers(destination: Destination) -> dict[str, str]:
    """The ``Authorization`` header the destination's ``auth`` setting asks for (none for ``kind: none``)."""
    auth: Mapping[str, Any] = destination.settings.get("auth") or {}
    kind = auth.get("kind", "none")
    if kind == "bearer":
        token = os.environ.get(auth.get("tokenEnv", ""), "")
        if not token and auth.get("optional"):
            return {}
        return {"Authorization": f"Bearer {token or _secret(destination, auth, 'tokenEnv')}"}
    if kind == "basic":
        pair = f"{_secret(destination, auth, 'userEnv')}:{_secret(destination, auth, 'passwordEnv')}"
        return {"Authorization": f"Basic {base64.b64encode(pair.encode()).decode()}"}
    if kind != "none":
        raise ConfigError(f"destination {destination.id}: unknown auth kind {kind!r}")
    return {}


def _secret(destination: Destination, auth: Mapping[str, Any], key: str) -> str:
    name = str(auth.get(key) or "")
    value = os.environ.get(name, "") if name else ""
    if not value:
        raise ConfigError(f"destination {destination.id}: environment variable {name or key!r} is not set")
    return value
