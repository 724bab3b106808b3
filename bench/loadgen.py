"""A small asyncio HTTP/1.1 load generator: keep-alive connections, pre-built requests, latency per request.

Python HTTP clients cost more CPU per request than the servers under test on this 2-core machine,
which would make the client the bottleneck; this one writes raw request bytes and parses only the
status line and Content-Length, so most of the CPU goes to the server.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    started: float = 0.0
    finished: float = 0.0
    bodies: list[bytes] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def seconds(self) -> float:
        return self.finished - self.started

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(int(len(ordered) * p), len(ordered) - 1)] if ordered else 0.0

    def summary(self) -> str:
        return (
            f"{self.count} requests in {self.seconds:.2f}s = {self.rate:,.0f}/s, "
            f"p50 {self.percentile(0.5) * 1000:.1f} ms, p99 {self.percentile(0.99) * 1000:.1f} ms, "
            f"mean {statistics.fmean(self.latencies) * 1000 if self.latencies else 0:.1f} ms, statuses {self.statuses}"
        )


def post_request(host: str, port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
            break
    body = await reader.readexactly(length) if length else b""
    return status, body


async def _worker(
    host: str, port: int, make: Callable[[int], bytes], queue: asyncio.Queue[int], result: Result, keep: bool
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while True:
            try:
                i = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            request = make(i)
            t0 = time.perf_counter()
            writer.write(request)
            status, body = await _read_response(reader)
            result.latencies.append(time.perf_counter() - t0)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if keep:
                result.bodies.append(body)
    finally:
        writer.close()


async def _run(host: str, port: int, make: Callable[[int], bytes], total: int, concurrency: int, keep: bool) -> Result:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(total):
        queue.put_nowait(i)
    result = Result()
    result.started = time.perf_counter()
    await asyncio.gather(*(_worker(host, port, make, queue, result, keep) for _ in range(concurrency)))
    result.finished = time.perf_counter()
    return result


def run(
    host: str, port: int, make: Callable[[int], bytes], *, total: int, concurrency: int, keep_bodies: bool = False
) -> Result:
    """Send ``total`` requests, ``make(i)`` building the i-th, over ``concurrency`` keep-alive connections."""
    return asyncio.run(_run(host, port, make, total, concurrency, keep_bodies))
