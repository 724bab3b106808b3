"""The audit log: who did what, when, to which items. Append-only; every operator action writes one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from hub.domain.clock import utcnow
from hub.store.db import Database
from hub.store.tables import audit_log


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    target: str | None
    items: list[str]
    detail: dict[str, Any]


class AuditLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(
        self,
        actor: str,
        action: str,
        *,
        target: str | None = None,
        items: Sequence[str] = (),
        detail: dict[str, Any] | None = None,
    ) -> None:
        with self.db.write() as conn:
            conn.execute(
                insert(audit_log).values(
                    at=utcnow(),
                    actor=actor,
                    action=action,
                    target=target,
                    items=list(items),
                    detail=detail or {},
                )
            )

    def list(
        self, *, actor: str | None = None, action: str | None = None, target: str | None = None, limit: int = 100
    ) -> list[AuditEntry]:
        """Newest first."""
        query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        if actor:
            query = query.where(audit_log.c.actor == actor)
        if action:
            query = query.where(audit_log.c.action == action)
        if target:
            query = query.where(audit_log.c.target == target)
        with self.db.read() as conn:
            rows = conn.execute(query).all()
        return [AuditEntry(r.id, r.at, r.actor, r.action, r.target, list(r.items), dict(r.detail)) for r in rows]
