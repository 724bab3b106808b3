"""Counting what the hub stored: the proof that a refused request left nothing behind."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select

from hub.store.tables import attachment, delivery, event, submission

if TYPE_CHECKING:
    from tests.conftest import RunningHub


def row_counts(hub: RunningHub) -> dict[str, int]:
    with hub.ctx.db.read() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (submission, delivery, event, attachment)
        }
