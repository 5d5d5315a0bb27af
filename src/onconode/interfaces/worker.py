"""Job workers: processes that claim jobs from the queue in the governance database and
run them (`onconode worker`; `onconode serve` starts some beside the web server).

A worker runs one job at a time. While the handler works, a thread renews the job's
lease; the handler's progress reports are written to the job row (throttled) and raise
`Cancelled` once the office cancelled the job. A worker killed with SIGKILL simply stops
renewing: when the lease expires another worker runs the job again, from the start (the
handlers are idempotent), or fails it visibly after its last attempt. SIGTERM (serve
stopping) hands the running job back to the queue without counting the attempt.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from onconode.access.db import open_governance
from onconode.db import job_kinds, jobs
from onconode.interfaces.job_wiring import register_all

log = logging.getLogger(__name__)
POLL_SECONDS = 1.0
SCHEDULE_EVERY_SECONDS = 30.0
REPORT_EVERY_SECONDS = 0.5
NICENESS = 10  # jobs are background work: on a small node the portal's requests get the CPU first
PARENT_ENV = "ONCONODE_JOB_WORKER_PARENT"  # set by `start`: a worker started by serve leaves when serve is gone


class Stopping(BaseException):
    """SIGTERM arrived: give the running job back and leave."""


def _on_sigterm(_signum: int, _frame: Any) -> None:
    raise Stopping()


def run_one(gov: Any, job: jobs.Job, worker: str, lease_seconds: float = jobs.LEASE_SECONDS) -> str:
    """Run one claimed job to its end; returns the job's new state."""
    engine = gov.engine
    done, lost = threading.Event(), threading.Event()

    def beat() -> None:  # also how a cancel is noticed between progress reports: at least every second
        while not done.wait(min(lease_seconds / 3, 1.0)):
            if not jobs.heartbeat(engine, job.id, worker, lease_seconds=lease_seconds):
                lost.set()

    last = [0.0]

    def report(fraction: float, message: str) -> None:
        if lost.is_set():
            raise job_kinds.Cancelled(f"job {job.id} was cancelled or taken from this worker")
        now = time.monotonic()
        if now - last[0] >= REPORT_EVERY_SECONDS or fraction >= 1.0:
            last[0] = now
            if not jobs.heartbeat(engine, job.id, worker, progress=fraction, message=message, lease_seconds=lease_seconds):
                lost.set()
                raise job_kinds.Cancelled(f"job {job.id} was cancelled or taken from this worker")

    beater = threading.Thread(target=beat, name=f"job-{job.id}-lease", daemon=True)
    beater.start()
    try:
        kind = job_kinds.kind(job.kind)
        result = kind.handler(job_kinds.Context(job.id, Path(gov.home), gov, report), job.params)
    except (Stopping, KeyboardInterrupt):  # SIGTERM, or Ctrl-C in the terminal of `serve`: another worker takes it
        jobs.release(engine, job.id, worker)
        raise
    except job_kinds.Cancelled as exc:
        return jobs.fail(engine, job.id, worker, str(exc), retry=False)
    except (job_kinds.Permanent, LookupError) as exc:
        return jobs.fail(engine, job.id, worker, str(exc), retry=False)
    except Exception as exc:  # any other failure may pass on another attempt (SMTP down, store busy)
        log.exception("job %s (%s) failed", job.id, job.kind)
        return jobs.fail(engine, job.id, worker, f"{type(exc).__name__}: {exc}", retry=True)
    finally:
        done.set()
        beater.join()
    finished = jobs.finish(engine, job.id, worker, result, erase=kind.private)
    return jobs.DONE if finished else jobs.get(engine, job.id).state


def run(home: Path, *, lease_seconds: float = jobs.LEASE_SECONDS, poll_seconds: float = POLL_SECONDS,
        until_idle: bool = False, schedule: bool = True, stop: threading.Event | None = None) -> int:
    """Claim and run jobs until stopped (or, with `until_idle`, until none is due);
    returns how many ran. Periodic kinds are kept scheduled unless `schedule` is off."""
    register_all()
    stop = stop or threading.Event()
    worker = jobs.worker_name()
    ran = 0
    next_schedule = 0.0
    with open_governance(Path(home), options={"mail_by_job": True}) as gov:
        parent = os.environ.get(PARENT_ENV)
        while not stop.is_set():
            if parent and os.getppid() != int(parent):  # the server that started this worker is gone (killed): leave with it
                break
            if schedule and time.monotonic() >= next_schedule:
                for k in job_kinds.periodic():
                    jobs.schedule(gov.engine, k.name, k.every_seconds or 0)
                jobs.fail_retired(gov.engine, job_kinds.RETIRED)
                next_schedule = time.monotonic() + SCHEDULE_EVERY_SECONDS
            # only kinds this process can run: a worker of an older version leaves newer kinds to others
            job = jobs.claim(gov.engine, worker, kinds=[k.name for k in job_kinds.kinds()], lease_seconds=lease_seconds)
            if job is None:
                if until_idle:
                    break
                stop.wait(poll_seconds)
                continue
            log.info("job %s (%s) attempt %s", job.id, job.kind, job.attempts)
            run_one(gov, job, worker, lease_seconds)
            ran += 1
            every = job_kinds.every_seconds(job.kind)
            if schedule and every:  # the next run of a periodic check, counted from this one's end
                jobs.schedule(gov.engine, job.kind, every)
    return ran


def run_process(home: Path, lease_seconds: float = jobs.LEASE_SECONDS, poll_seconds: float = POLL_SECONDS) -> None:
    """The body of a worker process: run until SIGTERM or Ctrl-C, at a lower CPU priority."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    os.nice(NICENESS)
    try:
        run(home, lease_seconds=lease_seconds, poll_seconds=poll_seconds)
    except (Stopping, KeyboardInterrupt):
        pass


def command(home: Path, lease_seconds: float | None = None) -> list[str]:
    """The argv of one worker process on `home`."""
    argv = [sys.executable, "-m", "onconode", "--home", str(home), "worker"]
    return argv + (["--lease", str(lease_seconds)] if lease_seconds else [])


def start(home: Path, count: int, lease_seconds: float | None = None) -> list[subprocess.Popen]:
    """Start `count` worker processes (children of this one: `onconode serve` stops them with itself)."""
    env = {**os.environ, PARENT_ENV: str(os.getpid())}
    return [subprocess.Popen(command(home, lease_seconds), env=env) for _ in range(count)]


def stop(procs: list[subprocess.Popen], timeout: float = 10.0) -> None:
    """SIGTERM each worker (a running job goes back to the queue), SIGKILL what does not leave."""
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for p in procs:
        try:
            p.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def worker_count_default() -> int:
    """One job worker per two cores, at least one: jobs are heavy (a release build uses two threads)."""
    return max(1, (os.cpu_count() or 1) // 2)
