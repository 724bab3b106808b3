"""The Redis broker of the deliver actor: dramatiq's, able to enqueue many messages in one round trip.

Every submission sends a nudge per delivery. One Redis round trip per nudge is cheap alone, but
from one thread of a busy API process each trip also waits for the GIL again, so nudges fell
behind intake under load. Inside :meth:`BatchingRedisBroker.batch` the enqueue commands go into
a Redis pipeline instead, sent together when the block ends.

It reimplements the few lines of dramatiq's ``RedisBroker._dispatch`` that build the Lua
script's arguments (dramatiq 1.17 - 2.x), only to pass the pipeline as the script's client.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import current_millis


class BatchingRedisBroker(RedisBroker):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
        self._batch = threading.local()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Enqueue everything sent from this thread inside the block with one pipeline."""
        pipe = self.client.pipeline(transaction=False)
        self._batch.pipe = pipe
        try:
            yield
        finally:
            self._batch.pipe = None
        pipe.execute()

    def _dispatch(self, command: str) -> Callable[..., Any]:
        pipe = getattr(self._batch, "pipe", None)
        if command != "enqueue" or pipe is None:
            return super()._dispatch(command)  # type: ignore[no-untyped-call,no-any-return]
        dispatch = self.scripts["dispatch"]
        keys = [self.namespace]

        def do_dispatch(queue_name: str, *args: Any) -> Any:
            script_args = [
                command,
                current_millis(),
                queue_name,
                self.broker_id,
                self.heartbeat_timeout,
                self.dead_message_ttl,
                self._should_do_maintenance(command),
                self._max_unpack_size(),  # type: ignore[no-untyped-call]
                *args,
            ]
            return dispatch(args=script_args, keys=keys, client=pipe)

        return do_dispatch
