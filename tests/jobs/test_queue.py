"""The job queue in the governance database: enqueue, claim with a lease, heartbeat,
finish, fail and retry, cancel, and a lost worker's job taken again or failed visibly."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from onconode.access.db import create_engine, migrate, resolve_url
from onconode.db import jobs

T = dt.datetime(2026, 12, 1, 12, 0, 0)
S = dt.timedelta(seconds=1)


@pytest.fixture
def engine(db_url: str) -> sa.Engine:
    """The queue on SQLite and on PostgreSQL (where claims also use FOR UPDATE SKIP LOCKED)."""
    e = create_engine(resolve_url(Path("."), db_url))
    migrate(e)
    yield e
    e.dispose()


def test_a_queued_job_is_claimed_once_with_a_lease_and_finishes_done(engine: sa.Engine) -> None:
    job_id = jobs.enqueue(engine, "release-build", {"application": "DAR-2026-0001"}, now=T)

    first = jobs.claim(engine, "w1", lease_seconds=30, now=T)
    assert first is not None and first.id == job_id and first.state == jobs.RUNNING and first.attempts == 1
    assert first.lease_until == T + 30 * S
    assert jobs.claim(engine, "w2", lease_seconds=30, now=T + S) is None
    assert jobs.heartbeat(engine, job_id, "w1", progress=0.5, message="half", lease_seconds=30, now=T + 10 * S)
    assert jobs.finish(engine, job_id, "w1", {"files": 3}, now=T + 20 * S)

    done = jobs.get(engine, job_id)
    assert (done.state, done.progress, done.result, done.finished_at) == (jobs.DONE, 1.0, {"files": 3}, T + 20 * S)


def test_asking_twice_for_the_same_keyed_work_queues_one_job(engine: sa.Engine) -> None:
    a = jobs.enqueue(engine, "release-build", {"application": "DAR-1"}, key="DAR-1", now=T)
    b = jobs.enqueue(engine, "release-build", {"application": "DAR-1"}, key="DAR-1", now=T)
    c = jobs.enqueue(engine, "release-build", {"application": "DAR-2"}, key="DAR-2", now=T)
    assert a == b != c


def test_a_job_whose_worker_stopped_renewing_is_claimed_again_after_its_lease(engine: sa.Engine) -> None:
    job_id = jobs.enqueue(engine, "k", now=T)
    jobs.claim(engine, "killed", lease_seconds=30, now=T)

    assert jobs.claim(engine, "w2", lease_seconds=30, now=T + 29 * S) is None
    again = jobs.claim(engine, "w2", lease_seconds=30, now=T + 31 * S)
    assert again is not None and again.id == job_id and again.attempts == 2 and again.worker == "w2"
    assert not jobs.heartbeat(engine, job_id, "killed", now=T + 32 * S)  # the old worker no longer owns it
    assert not jobs.finish(engine, job_id, "killed", now=T + 32 * S)


def test_a_lost_job_on_its_last_attempt_fails_with_a_reason_saying_how_to_retry(engine: sa.Engine) -> None:
    job_id = jobs.enqueue(engine, "k", max_attempts=1, now=T)
    jobs.claim(engine, "killed", lease_seconds=30, now=T)

    assert jobs.claim(engine, "w2", lease_seconds=30, now=T + 31 * S) is None
    failed = jobs.get(engine, job_id)
    assert failed.state == jobs.FAILED
    assert "killed" in failed.error and f"onconode jobs retry {job_id}" in failed.error


def test_a_failed_attempt_is_retried_later_until_its_attempts_are_used_up(engine: sa.Engine) -> None:
    job_id = jobs.enqueue(engine, "mail", max_attempts=2, now=T)
    jobs.claim(engine, "w", now=T)
    assert jobs.fail(engine, job_id, "w", "SMTP refused", now=T, retry_delay=5) == jobs.QUEUED
    assert jobs.claim(engine, "w", now=T + 4 * S) is None  # not before its delay
    assert jobs.claim(engine, "w", now=T + 6 * S) is not None
    assert jobs.fail(engine, job_id, "w", "SMTP refused", now=T + 7 * S) == jobs.FAILED
    assert jobs.get(engine, job_id).error == "SMTP refused"

    retried = jobs.retry(engine, job_id, now=T + 60 * S)
    assert (retried.state, retried.attempts, retried.error) == (jobs.QUEUED, 0, None)


def test_cancel_stops_a_queued_job_at_once_and_a_running_one_at_its_next_report(engine: sa.Engine) -> None:
    queued = jobs.enqueue(engine, "a", now=T)
    running = jobs.enqueue(engine, "b", now=T + S)
    assert jobs.cancel(engine, queued, now=T).state == jobs.CANCELLED
    jobs.claim(engine, "w", now=T + 2 * S)

    assert jobs.cancel(engine, running, now=T + 3 * S).cancel_requested
    assert not jobs.heartbeat(engine, running, "w", now=T + 4 * S)
    assert jobs.fail(engine, running, "w", "stopped", now=T + 5 * S) == jobs.CANCELLED
    with pytest.raises(jobs.JobError, match="only queued or running"):
        jobs.cancel(engine, running)
    with pytest.raises(jobs.JobError, match="onconode jobs list"):
        jobs.get(engine, 999)


def test_released_job_goes_back_to_the_queue_without_spending_an_attempt(engine: sa.Engine) -> None:
    job_id = jobs.enqueue(engine, "k", now=T)
    jobs.claim(engine, "w", now=T)
    assert jobs.release(engine, job_id, "w", now=T + S)
    j = jobs.get(engine, job_id)
    assert (j.state, j.attempts, j.worker) == (jobs.QUEUED, 0, None)


def test_a_periodic_kind_has_one_due_job_counted_from_the_last_finished_run(engine: sa.Engine) -> None:
    first = jobs.schedule(engine, "deadlines", 3600, now=T)
    assert jobs.schedule(engine, "deadlines", 3600, now=T) == first  # every worker asks; one job
    jobs.claim(engine, "w", now=T)
    jobs.finish(engine, first, "w", now=T + 10 * S)

    second = jobs.schedule(engine, "deadlines", 3600, now=T + 20 * S)
    assert second != first and jobs.get(engine, second).run_after == T + 10 * S + dt.timedelta(hours=1)


def test_many_workers_claiming_at_once_never_share_a_job(engine: sa.Engine) -> None:
    ids = [jobs.enqueue(engine, "k", now=T) for _ in range(40)]
    claimed: list[int] = []
    lock = threading.Lock()

    def work(name: str) -> None:
        while (j := jobs.claim(engine, name, now=T + S)) is not None:
            with lock:
                claimed.append(j.id)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == ids


def test_a_worker_claims_only_the_kinds_it_can_run(engine: sa.Engine) -> None:
    newer = jobs.enqueue(engine, "a-kind-from-a-newer-version", now=T)
    known = jobs.enqueue(engine, "mail", now=T + S)
    assert jobs.claim(engine, "old-worker", kinds=["mail"], now=T + 2 * S).id == known
    assert jobs.claim(engine, "old-worker", kinds=["mail"], now=T + 2 * S) is None
    assert jobs.get(engine, newer).state == jobs.QUEUED
