"""Per-destination limits shared by every worker process and node, kept in Redis.

Each check is one Lua script, so it is atomic across nodes, and reads the clock with ``TIME`` so
nodes with skewed clocks agree. Keys (namespace ``hub:limits:<destination>``):

- ``:slots``   sorted set: holder -> expiry (ms); a holder is one sending thread's group. Entries
  past their expiry do not count, so a killed process's slots free themselves within one lease.
- ``:circuit`` hash: ``failures``, ``open_until`` (ms), ``probe_holder``, ``probe_until`` (ms).
  It expires some minutes after its last change: a stale open cannot outlive its period by long.
- ``:rate``    hash: ``tokens``, ``at`` (ms): the token bucket.

Losing all of it (a Redis flush or restart) only resets the limits: the deliveries and their
schedule live in the database. While Redis is unreachable, admission fails and the deliverer
defers (the broker, being Redis too, is down as well; the sweeper picks everything up after).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import redis

from hub.connectors.base import Destination
from hub.delivery.limits import Admission, AdmitRequest, CircuitChange, DestinationLimits, denied
from hub.domain.circuit import CircuitState

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

_ADMIT = (
    _NOW
    + """
local slots, circuit, rate = KEYS[1], KEYS[2], KEYS[3]
local holder = ARGV[1]
local slot_ms = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local want = tonumber(ARGV[4])
local cost = tonumber(ARGV[5])
local per_second = tonumber(ARGV[6])
local burst = tonumber(ARGV[7])
local probe_ms = tonumber(ARGV[8])
local probe = 0
local open_until = tonumber(redis.call('HGET', circuit, 'open_until') or '0')
if open_until > 0 then
  if now < open_until then return {0, 'circuit_open', open_until - now, 0} end
  local probe_until = tonumber(redis.call('HGET', circuit, 'probe_until') or '0')
  if probe_until > now then return {0, 'circuit_open', math.min(probe_until - now, 1000), 0} end
  probe = 1
  want = 1
end
redis.call('ZREMRANGEBYSCORE', slots, '-inf', now)
if redis.call('ZCARD', slots) >= limit then return {0, 'busy', 250, 0} end
local sends = want
if per_second > 0 then
  local b = redis.call('HMGET', rate, 'tokens', 'at')
  local tokens = tonumber(b[1]) or burst
  local at = tonumber(b[2]) or now
  tokens = math.min(burst, tokens + (now - at) * per_second / 1000)
  sends = math.min(want, math.floor(tokens / cost))
  if sends < 1 then
    redis.call('HSET', rate, 'tokens', tostring(tokens), 'at', now)
    redis.call('PEXPIRE', rate, 3600000)
    return {0, 'rate_limited', math.ceil((cost - tokens) * 1000 / per_second), 0}
  end
  redis.call('HSET', rate, 'tokens', tostring(tokens - sends * cost), 'at', now)
  redis.call('PEXPIRE', rate, 3600000)
end
local probe_until = 0
if probe == 1 then
  probe_until = now + probe_ms
  redis.call('HSET', circuit, 'probe_holder', holder, 'probe_until', probe_until)
end
redis.call('ZADD', slots, now + slot_ms, holder)
redis.call('PEXPIRE', slots, slot_ms * 2 + 60000)
return {1, probe == 1 and 'probe' or '', sends, probe_until}
"""
)

_FINISH = (
    _NOW
    + """
local slots, circuit = KEYS[1], KEYS[2]
local holder = ARGV[1]
local ups = tonumber(ARGV[2])
local down = ARGV[3] == '1'
local threshold = tonumber(ARGV[4])
local open_ms = tonumber(ARGV[5])
redis.call('ZREM', slots, holder)
local probing = redis.call('HGET', circuit, 'probe_holder') == holder
local open_until = tonumber(redis.call('HGET', circuit, 'open_until') or '0')
local change = ''
if ups > 0 then
  if open_until > 0 then change = 'closed' end
  if open_until > 0 or redis.call('HEXISTS', circuit, 'failures') == 1 then redis.call('DEL', circuit) end
  open_until = 0
  probing = false
end
if not down then
  if probing then redis.call('HDEL', circuit, 'probe_holder', 'probe_until') end
  return {change, 0, 0}
end
local failures = redis.call('HINCRBY', circuit, 'failures', 1)
if probing or (open_until == 0 and failures >= threshold) then
  local reopen = now + open_ms
  redis.call('HSET', circuit, 'open_until', reopen)
  redis.call('HDEL', circuit, 'probe_holder', 'probe_until')
  redis.call('PEXPIRE', circuit, open_ms + 600000)
  return {'open', failures, reopen}
end
if open_until == 0 then redis.call('PEXPIRE', circuit, 3600000) end
return {change, failures, 0}
"""
)

_RENEW = (
    _NOW
    + """
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2 + 60000)
  return 1
end
return 0
"""
)

_STATE = (
    _NOW
    + """
local open_until = tonumber(redis.call('HGET', KEYS[1], 'open_until') or '0')
if open_until == 0 then return 'closed' end
if now < open_until then return 'open' end
return 'half_open'
"""
)


class RedisLimits(DestinationLimits):
    def __init__(self, url: str, threads: int, share: float = 0.5, *, slot_seconds: float = 10.0) -> None:
        super().__init__(threads, share)
        self.redis = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
        self.slot_ms = int(slot_seconds * 1000)
        self._renew_script = self.redis.register_script(_RENEW)
        self._state_script = self.redis.register_script(_STATE)
        self._admit_sha = _sha(_ADMIT)
        self._finish_sha = _sha(_FINISH)

    @staticmethod
    def _keys(destination_id: str) -> list[str]:
        base = f"hub:limits:{destination_id}"
        return [f"{base}:slots", f"{base}:circuit", f"{base}:rate"]

    def _admit_args(self, r: AdmitRequest) -> tuple[list[str], list[str | int | float]]:
        rate = r.destination.rate_limit
        args: list[str | int | float] = [
            r.holder,
            self.slot_ms,
            max(r.destination.concurrency, 1),
            r.want,
            max(r.cost, 1),
            rate.per_second if rate else 0,
            rate.burst if rate else 0,
            int(r.probe_seconds * 1000),
        ]
        return self._keys(r.destination.id), args

    @staticmethod
    def _admitted(r: AdmitRequest, answer: list[object]) -> Admission:
        granted, what, amount, probe_until = answer
        what = what.decode() if isinstance(what, bytes) else str(what)
        if not granted:
            return denied(r.destination.id, r.holder, what, int(str(amount)) / 1000)
        probe = what == "probe"
        change = CircuitChange(CircuitState.HALF_OPEN, 0, probe_until=_at(probe_until)) if probe else None
        return Admission(r.destination.id, r.holder, True, sends=int(str(amount)), probe=probe, change=change)

    def _admit(self, destination: Destination, holder: str, *, want: int, cost: int, probe_seconds: float) -> Admission:
        return self._admit_all([AdmitRequest(destination, holder, want, cost, probe_seconds)])[0]

    def _admit_all(self, requests: list[AdmitRequest]) -> list[Admission]:
        """Every group of a batch in one round trip (a pipeline of the admission script)."""
        if not requests:
            return []
        try:
            calls = [self._admit_args(r) for r in requests]
            answers = self._evalsha_all(self._admit_sha, _ADMIT, calls)
        except redis.RedisError:
            return [denied(r.destination.id, r.holder, "limits_unavailable", 1.0) for r in requests]
        return [self._admitted(r, answer) for r, answer in zip(requests, answers, strict=True)]

    def _finish(self, destination: Destination, admission: Admission, ups: int, down: bool) -> CircuitChange | None:
        return self._finish_all([(destination, admission, ups, down)])[0]

    def _finish_all(self, items: list[tuple[Destination, Admission, int, bool]]) -> list[CircuitChange | None]:
        if not items:
            return []
        calls: list[tuple[list[str], list[str | int | float]]] = []
        for destination, admission, ups, down in items:
            args: list[str | int | float] = [
                admission.holder,
                ups,
                "1" if down else "0",
                destination.circuit.failure_threshold,
                int(destination.circuit.open_seconds * 1000),
            ]
            calls.append((self._keys(destination.id)[:2], args))
        return [_change(answer) for answer in self._evalsha_all(self._finish_sha, _FINISH, calls)]

    def _evalsha_all(
        self, sha: str, script: str, calls: list[tuple[list[str], list[str | int | float]]]
    ) -> list[list[object]]:
        """One script over many key sets in one round trip.

        redis-py's ``Script`` objects in a pipeline ask ``SCRIPT EXISTS`` before every execute, a
        second round trip on the hot path; here the script is loaded only when Redis says it lacks
        it (after a restart or a flush of its script cache), and the pipeline is sent again.
        """
        for _ in range(2):
            pipe = self.redis.pipeline(transaction=False)
            for keys, args in calls:
                pipe.evalsha(sha, len(keys), *keys, *args)
            answers = pipe.execute(raise_on_error=False)
            if not any(isinstance(a, redis.exceptions.NoScriptError) for a in answers):
                break
            self.redis.script_load(script)
        for answer in answers:
            if isinstance(answer, Exception):
                raise answer
        return answers

    def renew(self, destination_id: str, holder: str, seconds: float) -> None:
        self._renew_script(keys=self._keys(destination_id)[:1], args=[holder, int(seconds * 1000)])

    def reset(self, destination_id: str) -> None:
        self.redis.delete(self._keys(destination_id)[1])

    def circuit_state(self, destination_id: str) -> CircuitState:
        raw = self._state_script(keys=self._keys(destination_id)[1:2])
        return CircuitState(raw.decode() if isinstance(raw, bytes) else str(raw))

    def close(self) -> None:
        self.redis.close()


def _sha(script: str) -> str:
    return hashlib.sha1(script.encode("utf-8"), usedforsecurity=False).hexdigest()


def _change(answer: list[object]) -> CircuitChange | None:
    change, failures, open_until = answer
    change = change.decode() if isinstance(change, bytes) else str(change)
    if change == "open":
        return CircuitChange(CircuitState.OPEN, int(str(failures)), open_until=_at(open_until))
    if change == "closed":
        return CircuitChange(CircuitState.CLOSED, 0)
    return None


def _at(epoch_ms: object) -> datetime:
    return datetime.fromtimestamp(int(str(epoch_ms)) / 1000, UTC)
