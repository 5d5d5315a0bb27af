"""Counting actions over a sliding window, in the governance database.

Every server worker must see the same counts (DESIGN.md: limits are shared state), so each
counted action is a row of `rate_event` (bucket, key, time). Two policies use it:

- `Limit`: at most `attempts` actions per key in `window`; the next is refused until the
  oldest one leaves the window (login attempts per account, new applications per account,
  Beacon queries per requester);
- `Backoff`: the first `free` actions per key in `window` pass; after that each must come
  `base * 2**k` seconds (at most `cap`) after the previous one. It slows a key down without
  ever shutting it out (failed logins per address: many people may share one address).

`Limit.take` checks and counts in one transaction that takers of the same key pass one at
a time, so two workers asking at once for the last unit of a budget cannot both get it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import sqlalchemy as sa

from onconode.access.schema import rate_event as table


def _naive(at: dt.datetime) -> dt.datetime:
    return at.astimezone(dt.timezone.utc).replace(tzinfo=None) if at.tzinfo else at


def _recent(engine: sa.Engine, bucket: str, key: str, at: dt.datetime, window: dt.timedelta) -> tuple[dt.datetime, list[dt.datetime]]:
    """(now as stored, the key's action times inside the window ending now, oldest first)."""
    with engine.connect() as conn:
        return _naive(at), _times(conn, bucket, key, _naive(at), window)


def _times(conn: sa.Connection, bucket: str, key: str, now: dt.datetime, window: dt.timedelta) -> list[dt.datetime]:
    q = sa.select(table.c.at).where(table.c.bucket == bucket, table.c.key == key[:400], table.c.at > now - window).order_by(table.c.at)
    return [r[0] for r in conn.execute(q)]


def _count(conn: sa.Connection, bucket: str, key: str, now: dt.datetime, keep: dt.timedelta) -> None:
    conn.execute(table.delete().where(table.c.bucket == bucket, table.c.key == key[:400], table.c.at <= now - keep))
    conn.execute(table.insert().values(bucket=bucket, key=key[:400], at=now))


def record(engine: sa.Engine, bucket: str, key: str, at: dt.datetime, keep: dt.timedelta) -> None:
    """Count one action; rows of this key older than `keep` are dropped at the same time."""
    with engine.begin() as conn:
        _count(conn, bucket, key, _naive(at), keep)


def forget(engine: sa.Engine, bucket: str, key: str) -> None:
    with engine.begin() as conn:
        conn.execute(table.delete().where(table.c.bucket == bucket, table.c.key == key[:400]))


def _serialize(conn: sa.Connection, bucket: str, key: str) -> None:
    """Make concurrent takers of (bucket, key) pass one at a time until the transaction ends.
    SQLite already does: the governance engine begins every transaction IMMEDIATE (access/db.py),
    taking the write lock. PostgreSQL's READ COMMITTED would let two takers each count the
    other's row out: a transaction-scoped advisory lock on the pair orders them."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(f"{bucket}\n{key}"))))


@dataclass(frozen=True)
class Taken:
    """The answer of `Limit.take`: `wait` seconds until the next action is allowed (0: this
    one was counted), and how many actions are `left` in the window after it."""
    wait: int
    left: int


@dataclass(frozen=True)
class Limit:
    bucket: str
    attempts: int
    window: dt.timedelta

    def _wait(self, now: dt.datetime, times: list[dt.datetime]) -> int:
        """Seconds until the key may act again (0: now)."""
        if len(times) < self.attempts:
            return 0
        return max(1, math.ceil((times[-self.attempts] + self.window - now).total_seconds()))

    def take(self, engine: sa.Engine, key: str, at: dt.datetime) -> Taken:
        """Count one action of `key` if the window has room (check and count are one step
        for every worker: see `_serialize`); a refused action is not counted."""
        now = _naive(at)
        with engine.begin() as conn:
            _serialize(conn, self.bucket, key[:400])
            times = _times(conn, self.bucket, key, now, self.window)
            wait = self._wait(now, times)
            if wait:
                return Taken(wait, 0)
            _count(conn, self.bucket, key, now, self.window)
        return Taken(0, self.attempts - len(times) - 1)

    def reset(self, engine: sa.Engine, key: str) -> None:
        forget(engine, self.bucket, key)


@dataclass(frozen=True)
class Backoff:
    bucket: str
    free: int
    window: dt.timedelta
    base: float = 1.0
    cap: float = 60.0

    def retry_after(self, engine: sa.Engine, key: str, at: dt.datetime) -> int:
        """Seconds the key must still wait since its last counted action (0: now)."""
        now, times = _recent(engine, self.bucket, key, at, self.window)
        if len(times) < self.free:
            return 0
        gap = min(self.cap, self.base * 2 ** (len(times) - self.free))
        wait = gap - (now - times[-1]).total_seconds()
        return max(0, math.ceil(wait))

    def hit(self, engine: sa.Engine, key: str, at: dt.datetime) -> None:
        record(engine, self.bucket, key, at, self.window)
