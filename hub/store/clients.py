"""Portal API clients stored: hashed keys, the municipalities (and services) each may act for, callbacks.

What a client may do is the domain's rule (:mod:`hub.domain.tenancy`); this module keeps the clients.

Keys are 256-bit random secrets, so a plain SHA-256 of the key is enough to store them safely
(no password-style KDF is needed for high-entropy secrets); the short prefix finds the row.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

from sqlalchemy import insert, select, update

from hub.domain.clock import utcnow
from hub.domain.tenancy import CLIENT_ROLES, ROLE_PORTAL, ApiClient
from hub.store.db import Database
from hub.store.tables import api_client

KEY_PREFIX = "hub"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _split(key: str) -> str | None:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or len(parts[1]) != 8:
        return None
    return parts[1]


class ClientStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(
        self,
        name: str,
        municipalities: list[str],
        *,
        services: list[str] | None = None,
        roles: list[str] | None = None,
        callback_url: str | None = None,
        callback_secret: str | None = None,
        key: str | None = None,
    ) -> tuple[ApiClient, str]:
        """Create a client; returns it with its API key, which is shown once and stored only hashed."""
        roles = roles or [ROLE_PORTAL]
        if unknown := set(roles) - set(CLIENT_ROLES):
            raise ValueError(f"unknown role(s) {sorted(unknown)}; known: {list(CLIENT_ROLES)}")
        key = key or f"{KEY_PREFIX}_{secrets.token_hex(4)}_{secrets.token_urlsafe(32)}"
        prefix = _split(key)
        if prefix is None:
            raise ValueError("an API key looks like hub_<8 chars>_<secret>")
        if callback_url and not callback_secret:
            callback_secret = secrets.token_urlsafe(32)
        client_id = str(uuid.uuid4())
        with self.db.write() as conn:
            conn.execute(
                insert(api_client).values(
                    id=client_id,
                    name=name,
                    key_prefix=prefix,
                    key_hash=_hash(key),
                    municipalities=sorted(municipalities),
                    services=sorted(services) if services else None,
                    roles=sorted(roles),
                    callback_url=callback_url,
                    callback_secret=callback_secret,
                    created_at=utcnow(),
                    disabled=False,
                )
            )
        client = self.get(client_id)
        assert client is not None
        return client, key

    def authenticate(self, key: str) -> ApiClient | None:
        prefix = _split(key)
        if prefix is None:
            return None
        with self.db.read() as conn:
            row = conn.execute(
                select(api_client).where(api_client.c.key_prefix == prefix, api_client.c.disabled.is_(False))
            ).first()
        if row is None or not hmac.compare_digest(row.key_hash, _hash(key)):
            return None
        return _client(row)

    def get(self, client_id: str) -> ApiClient | None:
        with self.db.read() as conn:
            row = conn.execute(select(api_client).where(api_client.c.id == client_id)).first()
        return _client(row) if row else None

    def list(self) -> list[ApiClient]:
        with self.db.read() as conn:
            rows = conn.execute(select(api_client).order_by(api_client.c.name)).all()
        return [_client(r) for r in rows]

    def disable(self, name: str) -> bool:
        with self.db.write() as conn:
            return bool(
                conn.execute(update(api_client).where(api_client.c.name == name).values(disabled=True)).rowcount
            )


def _client(row: object) -> ApiClient:
    r = row._mapping  # type: ignore[attr-defined]
    return ApiClient(
        id=r["id"],
        name=r["name"],
        municipalities=frozenset(r["municipalities"]),
        services=frozenset(r["services"]) if r["services"] else None,
        roles=frozenset(r["roles"]),
        callback_url=r["callback_url"],
        callback_secret=r["callback_secret"],
    )
