"""The outbox of status callbacks: a callback is a delivery row, queued in the transaction of its change.

What a callback says is the domain's (:mod:`hub.domain.status_callbacks`); here it is queued, for
clients that registered a callback URL, as a ``callback`` delivery to the client's callback
destination, delivered by the same machinery as submissions.
"""

from __future__ import annotations

import threading
import time
import uuid

import orjson
from sqlalchemy import Connection, insert, select

from hub.domain.states import DeliveryKind, DeliveryState
from hub.domain.status_callbacks import StatusCallback
from hub.logging import CORRELATION_HEADER
from hub.store.tables import api_client, delivery

INSERT_CALLBACK = insert(delivery)


class CallbackOutbox:
    """Queues status callbacks; which clients want them is cached briefly (it is read on every transition)."""

    def __init__(self, ttl: float = 30.0) -> None:
        self.ttl = ttl
        self._cache: dict[str, tuple[bool, float]] = {}
        self._lock = threading.Lock()

    def known_without(self, client_id: str) -> bool:
        """True when the cache knows (unexpired) that this client has no callback."""
        with self._lock:
            hit = self._cache.get(client_id)
        return hit is not None and not hit[0] and hit[1] > time.monotonic()

    def wants(self, conn: Connection, client_id: str) -> bool:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(client_id)
        if hit and hit[1] > now:
            return hit[0]
        url = conn.execute(select(api_client.c.callback_url).where(api_client.c.id == client_id)).scalar()
        with self._lock:
            self._cache[client_id] = (bool(url), now + self.ttl)
        return bool(url)

    def queue(self, conn: Connection, callback: StatusCallback, correlation_id: str | None) -> list[tuple[str, str]]:
        """The callback in ``conn``'s transaction, if its client asked for them; what to nudge."""
        if not self.wants(conn, callback.client_id):
            return []
        callback_id = str(uuid.uuid4())
        now = callback.changed_at
        conn.execute(
            INSERT_CALLBACK.values(
                id=callback_id,
                submission_id=callback.submission_id,
                client_id=callback.client_id,
                destination_id=callback.destination_id,
                kind=DeliveryKind.CALLBACK.value,
                message_id=callback_id,
                state=DeliveryState.PENDING.value,
                attempts=0,
                created_at=now,
                queued_at=now,
                next_attempt_at=now,
                enqueued_at=now,
                updated_at=now,
                media_type="application/json",
                # Not sent (the callback signs its own headers): it ties the worker's logs to the request.
                headers={CORRELATION_HEADER: correlation_id} if correlation_id else {},
                payload=orjson.dumps(callback.body()),
            )
        )
        return [(callback_id, callback.destination_id)]
