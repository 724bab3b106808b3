"""OAuth 2 client credentials for FIT-Connect: one access token per client, cached until shortly before expiry.

The client secret is never configured directly: the destination names the environment variable
that holds it, read when a token is needed. A refused secret (4xx) is permanent; an unreachable
token endpoint, or one answering a 2xx that is not JSON (a proxy's page), is transient.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

import httpx

from hub.connectors.http import expect_json, raise_for_delivery, transport_errors
from hub.errors import ConfigError, PermanentError

EXPIRY_MARGIN_SECONDS = 30.0


@dataclass(frozen=True)
class ClientCredentials:
    token_url: str
    client_id: str
    secret_env: str
    scope: str | None = None

    def secret(self) -> str:
        value = os.environ.get(self.secret_env, "")
        if not value:
            raise ConfigError(f"environment variable {self.secret_env!r} (FIT-Connect client secret) is not set")
        return value


class TokenSource:
    """Hands out a valid bearer token, asking the token endpoint only when the cached one runs out."""

    def __init__(self, credentials: ClientCredentials, client: httpx.Client) -> None:
        self.credentials = credentials
        self._client = client
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0

    def token(self) -> str:
        with self._lock:
            if self._token is None or time.monotonic() >= self._expires_at:
                self._token, lifetime = self._fetch()
                self._expires_at = time.monotonic() + max(lifetime - EXPIRY_MARGIN_SECONDS, 0.0)
            return self._token

    def forget(self) -> None:
        """Drop the cached token (the platform refused it: 401)."""
        with self._lock:
            self._token = None

    def _fetch(self) -> tuple[str, float]:
        form = {"grant_type": "client_credentials", "client_id": self.credentials.client_id}
        form["client_secret"] = self.credentials.secret()
        if self.credentials.scope:
            form["scope"] = self.credentials.scope
        with transport_errors():
            response = self._client.post(self.credentials.token_url, data=form)
        raise_for_delivery(response)
        body = expect_json(response, "the token endpoint")
        try:
            return str(body["access_token"]), float(body.get("expires_in", 300))
        except (ValueError, KeyError, TypeError) as exc:
            raise PermanentError("token endpoint answered without an access_token") from exc
