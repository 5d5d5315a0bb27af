"""The append-only, hash-chained event log: every governance event and the audit trail.

Each event's hash covers its position, stream, per-stream sequence number, type, actor,
time, payload and the previous event's hash, so editing, deleting or reordering any row
breaks the chain at that row. Removing events from the *end*, or recomputing every hash
after an edit, leaves a chain that is valid on its own; what catches those are anchors
kept outside the events table: signed checkpoints of (position, hash) that `anchors`
writes, and that `verify` checks the chain against (the event at each anchored position
must still carry the anchored hash, and the log must reach it).

Appends are optimistic: a writer reads the last position and the stream's last sequence
number, and inserts the next ones. Two writers racing for the same number collide on a
unique constraint; the loser's transaction rolls back and the command is re-run on the
fresh state (`run_with_retry`), so events are never lost or duplicated.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import random
import time
import weakref
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, TypeVar

import sqlalchemy as sa

from onconode.access.schema import event as event_table

GENESIS = "0" * 64
T = TypeVar("T")
log = logging.getLogger(__name__)
_AFTER_COMMIT: "weakref.WeakKeyDictionary[sa.Engine, Callable[[sa.Engine], None]]" = weakref.WeakKeyDictionary()


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
    position, prev = head(conn)
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


def after_commit(engine: sa.Engine, hook: Callable[[sa.Engine], None]) -> None:
    """Call `hook(engine)` after every transaction `run_with_retry` commits on `engine`
    (the audit checkpoints: they may only vouch for events that are committed)."""
    _AFTER_COMMIT[engine] = hook


def _committed(engine: sa.Engine) -> None:
    hook = _AFTER_COMMIT.get(engine)
    if hook is None:
        return
    try:
        hook(engine)
    except Exception:  # the command is committed; a missed checkpoint is logged, the next one catches up
        log.exception("could not write an audit checkpoint")


def run_with_retry(engine: sa.Engine, work: Callable[[sa.Connection], T], attempts: int = 50) -> T:
    """Run `work` in its own transaction, re-running it when a concurrent append won."""
    for attempt in range(attempts):
        try:
            with engine.begin() as conn:
                result = work(conn)
            _committed(engine)
            return result
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
    anchors_checked: int = 0


@dataclass(frozen=True)
class Anchor:
    """A (position, hash) the chain must still contain; `source` says where it came from."""

    position: int | None  # None: a bare head hash (`--expect-head`), found at whatever position
    hash: str
    source: str


def head(conn: sa.Connection) -> tuple[int, str]:
    """The last event's position and hash ((0, GENESIS) for an empty log)."""
    rows = conn.execute(sa.select(event_table.c.position, event_table.c.hash).order_by(event_table.c.position.desc()).limit(1)).fetchall()
    return (int(rows[0][0]), rows[0][1]) if rows else (0, GENESIS)


def anchor_problems(anchors: list[Anchor], hashes: Mapping[int, str], found: set[str], last: int) -> list[str]:
    """What the chain says about each anchor: truncated, re-chained, or fine."""
    out = []
    for a in anchors:
        if a.position is None:
            if a.hash not in found:
                out.append(f"no event has the anchored head {a.hash[:16]}… ({a.source}): events were removed from the end "
                           "or the chain was recomputed after it was anchored")
        elif a.position > last:
            out.append(f"truncated: the log ends at event {last}, but {a.source} vouches for event {a.position}: "
                       f"events {last + 1}..{a.position} were removed from the end")
        elif hashes.get(a.position) != a.hash:
            out.append(f"re-chained: event {a.position} has hash {str(hashes.get(a.position))[:16]}…, but {a.source} signed "
                       f"{a.hash[:16]}…: the chain up to that event was rewritten and its hashes recomputed")
    return out


def verify(conn: sa.Connection, expect_head: str | None = None, max_problems: int = 50,
           anchors: Iterable[Anchor] = ()) -> Verification:
    """Re-compute the chain; report every edited, deleted or reordered event found, and
    every anchor the chain no longer reaches (truncation) or no longer matches (re-chaining).

    `expect_head` is a head hash printed earlier: it must still be the hash of some event
    (new events after it are fine)."""
    anchors = list(anchors) + ([Anchor(None, expect_head, "the expected head")] if expect_head else [])
    wanted = {a.position for a in anchors if a.position is not None}
    bare = {a.hash for a in anchors if a.position is None}
    hashes: dict[int, str] = {}
    found: set[str] = set()
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
        if pos in wanted:
            hashes[pos] = r.hash
        if r.hash in bare:
            found.add(r.hash)
        prev = r.hash
        expected_position = pos + 1
        if len(problems) >= max_problems:
            problems.append(f"stopped after {max_problems} problems")
            break
    problems += anchor_problems(anchors, hashes, found, expected_position - 1)
    return Verification(ok=not problems, events=n, head=prev, problems=problems, anchors_checked=len(anchors))
