"""The durable job queue, held in the governance database (no broker to run).

Why here: slow work (release builds, snapshots, indexes, exports, scheduled checks, mail)
must not run inside a web request, and must survive a killed process. A job is one row;
its state moves queued → running → done | failed | cancelled. A worker *claims* a job with
a lease (`lease_until`) and renews it while it works (`heartbeat`); a worker that dies
(SIGKILL, power cut) stops renewing, and once the lease has expired the next `claim`
takes the job again (a new attempt) or, when its attempts are used up, fails it with a
reason everyone can read. Handlers must therefore be idempotent.

Claiming is atomic on both databases: PostgreSQL picks a row with `SELECT … FOR UPDATE
SKIP LOCKED`; on every database the UPDATE only succeeds while the row is still
claimable (`WHERE state='queued' OR lease expired`), so two workers never both win.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
from dataclasses import dataclass
from typing import Any, Iterable

import sqlalchemy as sa

metadata = sa.MetaData()

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
STATES = (QUEUED, RUNNING, DONE, FAILED, CANCELLED)
ACTIVE = (QUEUED, RUNNING)
LEASE_SECONDS = 30.0
RETRY_DELAY_SECONDS = 5.0

job = sa.Table(
    "job",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(60), nullable=False),
    sa.Column("key", sa.String(300), nullable=True),
    sa.Column("params", sa.Text, nullable=False),
    sa.Column("state", sa.String(12), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("max_attempts", sa.Integer, nullable=False),
    sa.Column("progress", sa.Float, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("result", sa.Text, nullable=True),
    sa.Column("created_by", sa.String(320), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("run_after", sa.DateTime, nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=True),
    sa.Column("finished_at", sa.DateTime, nullable=True),
    sa.Column("worker", sa.String(200), nullable=True),
    sa.Column("lease_until", sa.DateTime, nullable=True),
    sa.Column("cancel_requested", sa.Boolean, nullable=False),
    sa.Index("ix_job_state_run_after", "state", "run_after"),
    sa.Index("ix_job_kind_key", "kind", "key"),
)


class JobError(Exception):
    """A queue operation that cannot proceed; the message says what to do."""


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    key: str | None
    params: dict[str, Any]
    state: str
    attempts: int
    max_attempts: int
    progress: float
    message: str
    error: str | None
    result: Any
    created_by: str
    created_at: dt.datetime
    run_after: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    worker: str | None
    lease_until: dt.datetime | None
    cancel_requested: bool

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (the REST API and `onconode jobs show --json`)."""
        out = dict(self.__dict__)
        for k, v in out.items():
            if isinstance(v, dt.datetime):
                out[k] = v.isoformat() + "Z"
        return out


def _now(now: dt.datetime | None = None) -> dt.datetime:
    """Naive UTC, as the governance tables store times."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return now.astimezone(dt.timezone.utc).replace(tzinfo=None) if now.tzinfo else now


def _row(r: Any) -> Job:
    m = dict(r._mapping)
    m["params"] = json.loads(m["params"])
    m["result"] = json.loads(m["result"]) if m["result"] is not None else None
    m["cancel_requested"] = bool(m["cancel_requested"])
    return Job(**m)


def worker_name() -> str:
    """host:pid, so the office can tell where a job ran."""
    return f"{socket.gethostname()}:{os.getpid()}"


def enqueue(engine: sa.Engine, kind: str, params: dict[str, Any] | None = None, *, key: str | None = None,
            max_attempts: int = 3, created_by: str = "", run_after: dt.datetime | None = None,
            now: dt.datetime | None = None) -> int:
    """Queue a job; returns its id. With a `key`, a queued or running job of the same kind
    and key is returned instead of a second one (asking twice for one release builds it once)."""
    if max_attempts < 1:
        raise JobError("max_attempts must be at least 1")
    at = _now(now)
    with engine.begin() as conn:
        if key is not None:
            found = conn.execute(sa.select(job.c.id).where(job.c.kind == kind, job.c.key == key, job.c.state.in_(ACTIVE))
                                 .order_by(job.c.id).limit(1)).first()
            if found is not None:
                return int(found[0])
        res = conn.execute(job.insert().values(
            kind=kind, key=key, params=json.dumps(params or {}, sort_keys=True, default=str), state=QUEUED, attempts=0,
            max_attempts=max_attempts, progress=0.0, message="queued", created_by=created_by, created_at=at,
            run_after=_now(run_after) if run_after else at, cancel_requested=False))
        return int(res.inserted_primary_key[0])


def get(engine: sa.Engine | sa.Connection, job_id: int) -> Job:
    """One job; JobError naming `onconode jobs list` if there is none."""
    if isinstance(engine, sa.Engine):
        with engine.connect() as conn:
            return get(conn, job_id)
    r = engine.execute(sa.select(job).where(job.c.id == job_id)).first()
    if r is None:
        raise JobError(f"no job {job_id}; `onconode jobs list` shows the jobs there are")
    return _row(r)


def list_jobs(engine: sa.Engine, states: Iterable[str] | None = None, kind: str | None = None, limit: int = 100) -> list[Job]:
    """Newest first."""
    q = sa.select(job).order_by(job.c.id.desc()).limit(limit)
    if states:
        q = q.where(job.c.state.in_(list(states)))
    if kind:
        q = q.where(job.c.kind == kind)
    with engine.connect() as conn:
        return [_row(r) for r in conn.execute(q)]


def _claimable(at: dt.datetime) -> Any:
    lost = sa.and_(job.c.state == RUNNING, job.c.lease_until < at)
    return sa.or_(sa.and_(job.c.state == QUEUED, job.c.run_after <= at), lost)


def _give_up_lost(conn: sa.Connection, at: dt.datetime) -> None:
    """Jobs whose worker died on their last allowed attempt fail, visibly, with the reason."""
    lost = conn.execute(sa.select(job.c.id, job.c.worker, job.c.attempts).where(
        job.c.state == RUNNING, job.c.lease_until < at, job.c.attempts >= job.c.max_attempts)).fetchall()
    for job_id, worker, attempts in lost:
        conn.execute(job.update().where(job.c.id == job_id, job.c.state == RUNNING, job.c.lease_until < at).values(
            state=FAILED, finished_at=at, lease_until=None,
            error=(f"the worker running it ({worker}) stopped without finishing (killed or crashed) on attempt "
                   f"{attempts} of {attempts}; nothing it did was published. Retry it with `onconode jobs retry {job_id}`.")))


def claim(engine: sa.Engine, worker: str, *, kinds: Iterable[str] | None = None, lease_seconds: float = LEASE_SECONDS,
          now: dt.datetime | None = None) -> Job | None:
    """Take the oldest claimable job (queued and due, or running with an expired lease)
    for `worker`, or None. Each claim is a new attempt."""
    at = _now(now)
    with engine.begin() as conn:
        _give_up_lost(conn, at)
        q = sa.select(job.c.id).where(_claimable(at)).order_by(job.c.run_after, job.c.id).limit(1)
        if kinds is not None:
            q = q.where(job.c.kind.in_(list(kinds)))
        if conn.dialect.name == "postgresql":  # SQLite has no row locks: the guarded UPDATE below decides
            q = q.with_for_update(skip_locked=True)
        found = conn.execute(q).first()
        if found is None:
            return None
        done = conn.execute(job.update().where(job.c.id == found[0], _claimable(at)).values(
            state=RUNNING, worker=worker, attempts=job.c.attempts + 1, started_at=at,
            lease_until=at + dt.timedelta(seconds=lease_seconds), message="started", error=None))
        if done.rowcount != 1:
            return None
        return get(conn, int(found[0]))


def _mine(job_id: int, worker: str) -> Any:
    return sa.and_(job.c.id == job_id, job.c.state == RUNNING, job.c.worker == worker)


def heartbeat(engine: sa.Engine, job_id: int, worker: str, *, progress: float | None = None, message: str | None = None,
              lease_seconds: float = LEASE_SECONDS, now: dt.datetime | None = None) -> bool:
    """Renew the lease (and record progress). False when the job is no longer this
    worker's to run, or the office asked to cancel it: the worker must stop."""
    at = _now(now)
    values: dict[str, Any] = {"lease_until": at + dt.timedelta(seconds=lease_seconds)}
    if progress is not None:
        values["progress"] = max(0.0, min(1.0, float(progress)))
    if message is not None:
        values["message"] = message[:2000]
    with engine.begin() as conn:
        res = conn.execute(job.update().where(_mine(job_id, worker)).values(**values))
        if res.rowcount != 1:
            return False
        return not conn.execute(sa.select(job.c.cancel_requested).where(job.c.id == job_id)).scalar_one()


def finish(engine: sa.Engine, job_id: int, worker: str, result: Any = None, *, erase: Iterable[str] = (),
           now: dt.datetime | None = None) -> bool:
    """Mark the job done, erasing the `erase` parameters (private ones, no longer needed);
    False if it was not this worker's any more (its lease was lost)."""
    at = _now(now)
    with engine.begin() as conn:
        values: dict[str, Any] = {}
        erase = set(erase)
        if erase:
            params = json.loads(conn.execute(sa.select(job.c.params).where(job.c.id == job_id)).scalar_one())
            values["params"] = json.dumps({k: (None if k in erase else v) for k, v in params.items()}, sort_keys=True)
        res = conn.execute(job.update().where(_mine(job_id, worker)).values(
            state=DONE, progress=1.0, message="done", finished_at=at, lease_until=None,
            result=json.dumps(result, default=str) if result is not None else None, **values))
        return res.rowcount == 1


def fail(engine: sa.Engine, job_id: int, worker: str, error: str, *, retry: bool = True,
         retry_delay: float = RETRY_DELAY_SECONDS, now: dt.datetime | None = None) -> str:
    """Record a failed attempt: queued again after `retry_delay` seconds (doubling per
    attempt) while attempts remain and `retry`, else failed. Returns the new state."""
    at = _now(now)
    with engine.begin() as conn:
        current = conn.execute(sa.select(job.c.attempts, job.c.max_attempts, job.c.cancel_requested)
                               .where(_mine(job_id, worker))).first()
        if current is None:
            return get(conn, job_id).state
        attempts, most, cancel = current
        if cancel:
            state, values = CANCELLED, {"finished_at": at, "message": "cancelled while running"}
        elif retry and attempts < most:
            state = QUEUED
            values = {"run_after": at + dt.timedelta(seconds=retry_delay * 2 ** (attempts - 1)),
                      "message": f"attempt {attempts} of {most} failed; retrying"}
        else:
            state, values = FAILED, {"finished_at": at, "message": f"failed after {attempts} attempt(s)"}
        conn.execute(job.update().where(job.c.id == job_id).values(state=state, error=error[:4000], lease_until=None,
                                                                   worker=None if state == QUEUED else worker, **values))
        return state


def release(engine: sa.Engine, job_id: int, worker: str, now: dt.datetime | None = None) -> bool:
    """Give a running job back to the queue without counting the attempt (its worker is
    stopping: `onconode serve` shut down, SIGTERM); another worker takes it from the start."""
    at = _now(now)
    with engine.begin() as conn:
        res = conn.execute(job.update().where(_mine(job_id, worker)).values(
            state=QUEUED, attempts=sa.case((job.c.attempts > 0, job.c.attempts - 1), else_=0), run_after=at, worker=None, lease_until=None,
            message="its worker stopped; queued again"))
        return res.rowcount == 1


def cancel(engine: sa.Engine, job_id: int, now: dt.datetime | None = None) -> Job:
    """A queued job is cancelled at once; a running one when its worker next reports
    (its handler stops at its next progress report and publishes nothing)."""
    at = _now(now)
    with engine.begin() as conn:
        j = get(conn, job_id)
        if j.state == QUEUED:
            conn.execute(job.update().where(job.c.id == job_id, job.c.state == QUEUED).values(
                state=CANCELLED, finished_at=at, message="cancelled before it started"))
        elif j.state == RUNNING:
            conn.execute(job.update().where(job.c.id == job_id).values(cancel_requested=True, message="cancel requested"))
        else:
            raise JobError(f"job {job_id} is {j.state} already; only queued or running jobs can be cancelled")
        return get(conn, job_id)


def retry(engine: sa.Engine, job_id: int, now: dt.datetime | None = None) -> Job:
    """Queue a failed or cancelled job again, with its attempts counted from zero."""
    at = _now(now)
    with engine.begin() as conn:
        j = get(conn, job_id)
        if j.state not in (FAILED, CANCELLED):
            raise JobError(f"job {job_id} is {j.state}; only failed or cancelled jobs can be retried")
        conn.execute(job.update().where(job.c.id == job_id).values(
            state=QUEUED, attempts=0, run_after=at, progress=0.0, message="queued again", error=None, finished_at=None,
            worker=None, lease_until=None, cancel_requested=False))
        return get(conn, job_id)


def fail_retired(engine: sa.Engine, retired: dict[str, str], now: dt.datetime | None = None) -> int:
    """Fail the queued jobs of kinds no onconode runs any more, each with the reason
    `retired[kind]`: left queued, nothing would ever take them and nobody would be told."""
    if not retired:
        return 0
    at, failed = _now(now), 0
    with engine.begin() as conn:
        for name, reason in retired.items():
            failed += conn.execute(job.update().where(job.c.kind == name, job.c.state == QUEUED).values(
                state=FAILED, finished_at=at, message="this kind of job is retired", error=reason)).rowcount
    return failed


def last_finished(engine: sa.Engine, kind: str) -> dt.datetime | None:
    """When the last job of `kind` finished (done or failed): the schedule counts from it."""
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.max(job.c.finished_at)).where(job.c.kind == kind)).scalar()


def schedule(engine: sa.Engine, kind: str, every_seconds: float, now: dt.datetime | None = None) -> int:
    """Keep one queued (or running) job of a periodic kind, due `every_seconds` after the
    last one finished; every worker calls this, and the key makes it one job, not one per worker."""
    at = _now(now)
    last = last_finished(engine, kind)
    due = at if last is None else max(at, last + dt.timedelta(seconds=every_seconds))
    return enqueue(engine, kind, {}, key="scheduled", created_by="schedule", run_after=due, now=at)
