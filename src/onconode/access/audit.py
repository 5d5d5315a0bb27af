"""The append-only, hash-chained event log: every governance event and the audit trail.

Each event's hash covers its position, stream, per-stream sequence number, type, actor,
time, payload and the previous event's hash, so editing, deleting or reordering any row
breaks the chain at that row. Removing events from the *end* leaves a valid shorter
chain; to catch that, anchor the head hash outside the database (`onconode audit head`)
and verify against it (`--expect-head`).

Appends are optimistic: a writer reads the last position and the stream's last sequence
number, and inserts the next ones. Two writers racing for the same number collide on a
unique constraint; the loser's transaction rolls back and the command is re-run on the
fresh state (`run_with_retry`), so events are never lost or duplicated.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, TypeVar

import sqlalchemy as sa

from onconode.access.schema import event as event_table

GENESIS = "0" * 64
T = TypeVar("T")


@dataclass(frozen=True)
class Event:
    position: int
    stream: str
    seq: int
    type: str
    actor: int | None
    at: dt.datetime
    payload: dict[str, Any]


@dataclass(frozen=True)
class NewEvent:
    type: str
    payload: dict[str, Any] = field(default_factory=dict)


def utc(at: dt.datetime | None = None) -> dt.datetime:
    """Times are stored in UTC; naive datetimes are taken to be UTC already."""
    at = at or dt.datetime.now(dt.timezone.utc)
    return at.replace(tzinfo=dt.timezone.utc) if at.tzinfo is None else at.astimezone(dt.timezone.utc)


def canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_hash(prev_hash: str, position: int, stream: str, seq: int, type_: str, actor: int | None, at: str, payload: str) -> str:
    body = canonical([position, stream, seq, type_, actor, at, payload])
    return hashlib.sha256((prev_hash + "\n" + body).encode()).hexdigest()


def _row_to_event(r: Any) -> Event:
    return Event(int(r.position), r.stream, int(r.seq), r.type, r.actor, dt.datetime.fromisoformat(r.at), json.loads(r.payload))


def stream_events(conn: sa.Connection, stream: str) -> list[Event]:
    rows = conn.execute(sa.select(event_table).where(event_table.c.stream == stream).order_by(event_table.c.seq)).fetchall()
    return [_row_to_event(r) for r in rows]


def events_of_type(conn: sa.Connection, types: Iterable[str]) -> list[Event]:
    rows = conn.execute(
        sa.select(event_table).where(event_table.c.type.in_(list(types))).order_by(event_table.c.position)
    ).fetchall()
    return [_row_to_event(r) for r in rows]


def append(conn: sa.Connection, stream: str, expected_seq: int, actor: int | None, at: dt.datetime, new: list[NewEvent]) -> list[Event]:
    """Append `new` to `stream`, whose last sequence number the caller saw as `expected_seq`.

    Raises sqlalchemy.exc.IntegrityError when another writer got there first; the caller's
    transaction must then be rolled back and the command re-run (see `run_with_retry`).
    """
    last = conn.execute(
        sa.select(event_table.c.position, event_table.c.hash).order_by(event_table.c.position.desc()).limit(1)
    ).fetchall()
    position, prev = (int(last[0][0]), last[0][1]) if last else (0, GENESIS)
    at_text = utc(at).isoformat()
    out = []
    for i, e in enumerate(new, start=1):
        position += 1
        seq = expected_seq + i
        payload = canonical(e.payload)
        h = event_hash(prev, position, stream, seq, e.type, actor, at_text, payload)
        conn.execute(
            event_table.insert().values(
                position=position, stream=stream, seq=seq, type=e.type, actor=actor, at=at_text, payload=payload, prev_hash=prev, hash=h
            )
        )
        out.append(Event(position, stream, seq, e.type, actor, utc(at), json.loads(payload)))
        prev = h
    return out


def record(conn: sa.Connection, stream: str, actor: int | None, at: dt.datetime, type_: str, payload: dict[str, Any]) -> Event:
    """Append one event to a stream at its current end (for non-workflow events)."""
    rows = conn.execute(sa.select(sa.func.max(event_table.c.seq)).where(event_table.c.stream == stream)).fetchall()
    return append(conn, stream, int(rows[0][0] or 0), actor, at, [NewEvent(type_, payload)])[0]


def _is_conflict(exc: Exception) -> bool:
    if isinstance(exc, sa.exc.IntegrityError):
        return True
    text = str(exc).lower()
    return isinstance(exc, sa.exc.OperationalError) and ("locked" in text or "busy" in text)


def run_with_retry(engine: sa.Engine, work: Callable[[sa.Connection], T], attempts: int = 50) -> T:
    """Run `work` in its own transaction, re-running it when a concurrent append won."""
    for attempt in range(attempts):
        try:
            with engine.begin() as conn:
                return work(conn)
        except (sa.exc.IntegrityError, sa.exc.OperationalError) as exc:
            if not _is_conflict(exc) or attempt == attempts - 1:
                raise
            time.sleep(random.uniform(0.001, 0.02) * (1 + attempt))
    raise AssertionError("unreachable")


@dataclass
class Verification:
    ok: bool
    events: int
    head: str
    problems: list[str]


def verify(conn: sa.Connection, expect_head: str | None = None, max_problems: int = 50) -> Verification:
    """Re-compute the chain; report every edited, deleted or reordered event found."""
    problems: list[str] = []
    prev = GENESIS
    expected_position = 1
    last_seq: dict[str, int] = {}
    n = 0
    result = conn.execution_options(yield_per=5000).execute(sa.select(event_table).order_by(event_table.c.position))
    for r in result:
        n += 1
        pos = int(r.position)
        if pos != expected_position:
            problems.append(f"events {expected_position}..{pos - 1} are missing: deleted from the log")
        if r.prev_hash != prev:
            problems.append(f"event {pos} ({r.type}) does not follow event {pos - 1}: the log was reordered or an event deleted")
        if event_hash(r.prev_hash, pos, r.stream, int(r.seq), r.type, r.actor, r.at, r.payload) != r.hash:
            problems.append(f"event {pos} ({r.type}, {r.stream}) does not match its hash: it was edited")
        seen = last_seq.get(r.stream, 0)
        if int(r.seq) != seen + 1:
            problems.append(f"event {pos}: {r.stream} jumps from sequence {seen} to {r.seq}: events reordered or deleted")
        last_seq[r.stream] = int(r.seq)
        prev = r.hash
        expected_position = pos + 1
        if len(problems) >= max_problems:
            problems.append(f"stopped after {max_problems} problems")
            break
    if expect_head is not None and prev != expect_head:
        problems.append(f"the log ends at {prev[:16]}…, not at the anchored head {expect_head[:16]}…: events were removed from the end")
    return Verification(ok=not problems, events=n, head=prev, problems=problems)
