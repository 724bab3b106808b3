"""A dramatiq worker whose actor meets a failing SQL statement, with the hub's logging: run as a process.

    python -m tests.support.dramatiq_failure POSTGRES_URL MARKER

The actor inserts ``MARKER`` twice into a primary key of a temporary table on the real PostgreSQL:
the UniqueViolation's text quotes it (``DETAIL: Key (name)=(MARKER) already exists.``), and
dramatiq's worker logs the failure with its traceback through the stdlib ``logging`` module. The
process exits once the message has been processed; its stderr is what the test reads.
"""

from __future__ import annotations

import sys

import dramatiq
from sqlalchemy import text

from hub.delivery.broker import make_broker
from hub.logging import configure
from hub.store.db import Database

QUEUE = "probe"


def main(database_url: str, marker: str) -> None:
    configure("INFO", "json")
    db = Database(database_url, pool_size=1)
    broker = make_broker("memory://")

    # The marker is bound in the statement only: dramatiq's lines name a message by its arguments,
    # which for the hub's own actor are delivery ids.
    @dramatiq.actor(broker=broker, queue_name=QUEUE, actor_name="store_twice")
    def store_twice() -> None:
        with db.write() as conn:
            conn.execute(text("CREATE TEMPORARY TABLE probe (name text PRIMARY KEY) ON COMMIT DROP"))
            insert = text("INSERT INTO probe (name) VALUES (:name)")
            conn.execute(insert, {"name": marker})
            conn.execute(insert, {"name": marker})

    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        store_twice.send()
        broker.join(QUEUE)
        worker.join()
    finally:
        worker.stop()
        db.dispose()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
