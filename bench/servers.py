"""The servers a benchmark measures, each run in a process of its own.

``python -m bench.servers hub --port P``      the hub's API (settings from HUB_* variables), no worker
``python -m bench.servers ceiling --port P``  the ceiling: a bare FastAPI endpoint that parses the same
                                               JSON and inserts one row into the same database, with the
                                               same engine settings (WAL + synchronous=FULL on SQLite)
"""

from __future__ import annotations

import argparse
import uuid

import orjson
import uvicorn
from fastapi import FastAPI, Request
from sqlalchemy import Column, MetaData, String, Table, Text, insert
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from hub.bootstrap import API_THREADS
from hub.config import Settings
from hub.store.db import Database

ceiling_metadata = MetaData()
ceiling_table = Table(
    "bench_ceiling", ceiling_metadata, Column("id", String(36), primary_key=True), Column("body", Text, nullable=False)
)


def ceiling_app(settings: Settings) -> FastAPI:
    db = Database(settings.database_url, pool_size=API_THREADS)  # as the hub's API process
    ceiling_metadata.create_all(db.engine)
    app = FastAPI()

    def store(body: bytes) -> str:
        row_id = str(uuid.uuid4())
        with db.write() as conn:
            conn.execute(insert(ceiling_table).values(id=row_id, body=body.decode()))
        return row_id

    @app.post("/ceiling")
    async def ceiling(request: Request) -> Response:
        raw = await request.body()
        orjson.loads(raw)
        row_id = await run_in_threadpool(store, raw)
        return Response(orjson.dumps({"id": row_id}), status_code=202, media_type="application/json")

    return app


def hub_app(settings: Settings) -> FastAPI:
    from hub.api.app import create_app
    from hub.bootstrap import build
    from hub.logging import configure

    configure("WARNING", "json")
    return create_app(build(settings, migrate=True, api=True, worker=False), run_worker=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("which", choices=["hub", "ceiling"])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    settings = Settings()
    app = hub_app(settings) if args.which == "hub" else ceiling_app(settings)
    uvicorn.run(
        app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False, http="httptools", loop="uvloop"
    )


if __name__ == "__main__":
    main()
