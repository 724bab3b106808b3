"""Operator accounts of the console and their server-side sessions.

Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's second recommended
profile); a login re-hashes a password whose parameters have since been raised. A session is a
random token in an HttpOnly cookie, stored only as its SHA-256 (like API keys: high-entropy
secrets need no KDF), with the session's CSRF synchronizer token beside it. Logging out, an
expired session or a disabled account ends it on the server, whatever the browser still holds.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import insert, select, update

from hub.domain.clock import utcnow
from hub.domain.tenancy import OPERATOR_ROLES, OperatorAccount
from hub.store.db import Database
from hub.store.tables import operator_account, operator_session

SESSION_HOURS = 8.0

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verifying against this keeps a login for an unknown name as slow as one with a wrong password.

    Made on first use, not at import: every ``hub`` command imports this module."""
    return _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class OperatorSession:
    operator: OperatorAccount
    csrf_token: str


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class OperatorStore:
    def __init__(self, db: Database, *, session_hours: float = SESSION_HOURS) -> None:
        self.db = db
        self.session_hours = session_hours

    def create(self, name: str, password: str, *, role: str, municipalities: list[str]) -> OperatorAccount:
        if role not in OPERATOR_ROLES:
            raise ValueError(f"unknown role {role!r}; known: {list(OPERATOR_ROLES)}")
        if not municipalities:
            raise ValueError("an operator needs at least one municipality (or '*')")
        if len(password) < 12:
            raise ValueError("a password has at least 12 characters")
        account = OperatorAccount(str(uuid.uuid4()), name, role, frozenset(municipalities))
        with self.db.write() as conn:
            conn.execute(
                insert(operator_account).values(
                    id=account.id,
                    name=name,
                    password_hash=_hasher.hash(password),
                    role=role,
                    municipalities=sorted(municipalities),
                    created_at=utcnow(),
                    disabled=False,
                )
            )
        return account

    def list(self) -> list[OperatorAccount]:
        with self.db.read() as conn:
            rows = conn.execute(select(operator_account).order_by(operator_account.c.name)).all()
        return [OperatorAccount(r.id, r.name, r.role, frozenset(r.municipalities)) for r in rows]

    def authenticate(self, name: str, password: str) -> OperatorAccount | None:
        with self.db.read() as conn:
            row = conn.execute(
                select(operator_account).where(operator_account.c.name == name, operator_account.c.disabled.is_(False))
            ).first()
        try:
            _hasher.verify(row.password_hash if row else _dummy_hash(), password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        if _hasher.check_needs_rehash(row.password_hash):
            with self.db.write() as conn:
                conn.execute(
                    update(operator_account)
                    .where(operator_account.c.id == row.id)
                    .values(password_hash=_hasher.hash(password))
                )
        return OperatorAccount(row.id, row.name, row.role, frozenset(row.municipalities))

    def disable(self, name: str) -> bool:
        with self.db.write() as conn:
            res = conn.execute(update(operator_account).where(operator_account.c.name == name).values(disabled=True))
        return bool(res.rowcount)

    # -- sessions ----------------------------------------------------------------------------

    def open_session(self, account: OperatorAccount) -> str:
        """A new session for the account; returns its token (for the cookie), stored only hashed."""
        token = secrets.token_urlsafe(32)
        now = utcnow()
        with self.db.write() as conn:
            conn.execute(
                insert(operator_session).values(
                    token_hash=_token_hash(token),
                    operator_id=account.id,
                    csrf_token=secrets.token_urlsafe(32),
                    created_at=now,
                    expires_at=now + timedelta(hours=self.session_hours),
                    revoked_at=None,
                )
            )
        return token

    def session(self, token: str) -> OperatorSession | None:
        """The live session of this token: not revoked, not expired, its account not disabled."""
        with self.db.read() as conn:
            row = conn.execute(
                select(
                    operator_session.c.csrf_token,
                    operator_account.c.id,
                    operator_account.c.name,
                    operator_account.c.role,
                    operator_account.c.municipalities,
                )
                .join(operator_account, operator_account.c.id == operator_session.c.operator_id)
                .where(
                    operator_session.c.token_hash == _token_hash(token),
                    operator_session.c.revoked_at.is_(None),
                    operator_session.c.expires_at > utcnow(),
                    operator_account.c.disabled.is_(False),
                )
            ).first()
        if row is None:
            return None
        account = OperatorAccount(row.id, row.name, row.role, frozenset(row.municipalities))
        return OperatorSession(account, row.csrf_token)

    def revoke(self, token: str) -> None:
        with self.db.write() as conn:
            conn.execute(
                update(operator_session)
                .where(operator_session.c.token_hash == _token_hash(token), operator_session.c.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
