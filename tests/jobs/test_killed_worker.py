"""A worker process killed with SIGKILL in the middle of a release build: nothing
half-built is ever visible, and the job is built again by the next worker once its lease
expires; on its last attempt it fails, visibly, saying how to retry. Real processes
(`python -m onconode worker`), a real build of a signed DAR's release."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from onconode.db import jobs
from onconode.release.builder import built_releases, releases_root
from onconode.release.manifest import verify
from tests.release.conftest import Env, active_dar

LEASE = 2.0


def _worker(home: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "onconode", "--home", str(home), "worker", "--lease", str(LEASE), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _kill_while_building(engine: sa.Engine, home: Path, job_id: int) -> None:
    """SIGKILL the worker as soon as it has claimed the build (a small build is over in a
    second: waiting for a progress report would often miss it)."""
    proc = _worker(home)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            j = jobs.get(engine, job_id)
            assert j.state in (jobs.QUEUED, jobs.RUNNING), f"the build ended before it could be killed: {j}"
            if j.state == jobs.RUNNING:
                break
            time.sleep(0.01)
        else:
            pytest.fail("the worker never started the build")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL


def _nothing_half_done(home: Path) -> None:
    for manifest in built_releases(home):  # whatever is visible is complete and verifies
        assert verify(releases_root(home) / manifest["application"]).ok


def test_a_build_killed_mid_way_is_built_again_by_the_next_worker_after_its_lease(auto_env: Env) -> None:
    app_id = active_dar(auto_env)
    [job] = jobs.list_jobs(auto_env.gov.engine, kind="release-build")

    _kill_while_building(auto_env.gov.engine, auto_env.home, job.id)

    killed = jobs.get(auto_env.gov.engine, job.id)
    assert killed.state == jobs.RUNNING and killed.attempts == 1  # until its lease runs out
    assert built_releases(auto_env.home) == []
    _nothing_half_done(auto_env.home)
    time.sleep(LEASE + 0.5)
    again = _worker(auto_env.home, "--until-idle")
    assert again.wait(120) == 0, again.stderr.read().decode()

    done = jobs.get(auto_env.gov.engine, job.id)
    assert (done.state, done.attempts) == (jobs.DONE, 2)
    assert [m["application"] for m in built_releases(auto_env.home)] == [app_id]
    _nothing_half_done(auto_env.home)
    assert [p.name for p in releases_root(auto_env.home).iterdir() if p.name.startswith(".")] == []  # the killed build's temp folder is gone


def test_a_build_killed_on_its_last_attempt_fails_visibly_and_publishes_nothing(auto_env: Env) -> None:
    active_dar(auto_env)
    [job] = jobs.list_jobs(auto_env.gov.engine, kind="release-build")
    with auto_env.gov.engine.begin() as conn:
        conn.execute(jobs.job.update().where(jobs.job.c.id == job.id).values(max_attempts=1))

    _kill_while_building(auto_env.gov.engine, auto_env.home, job.id)
    time.sleep(LEASE + 0.5)
    again = _worker(auto_env.home, "--until-idle")
    assert again.wait(120) == 0, again.stderr.read().decode()

    failed = jobs.get(auto_env.gov.engine, job.id)
    assert failed.state == jobs.FAILED and f"onconode jobs retry {job.id}" in failed.error
    assert built_releases(auto_env.home) == []
    out = subprocess.run([sys.executable, "-m", "onconode", "--home", str(auto_env.home), "jobs", "list", "--kind", "release-build", "--json"],
                         capture_output=True, text=True, check=True).stdout
    [shown] = json.loads(out)
    assert (shown["id"], shown["kind"], shown["state"]) == (job.id, "release-build", "failed")


def test_a_build_cancelled_while_running_stops_and_publishes_nothing_or_if_too_late_completes(auto_env: Env) -> None:
    active_dar(auto_env)
    [job] = jobs.list_jobs(auto_env.gov.engine, kind="release-build")
    proc = _worker(auto_env.home)
    try:
        deadline = time.monotonic() + 120
        while (j := jobs.get(auto_env.gov.engine, job.id)).state != jobs.RUNNING:
            assert j.state in (jobs.QUEUED, jobs.RUNNING) and time.monotonic() < deadline, j
            time.sleep(0.01)
        jobs.cancel(auto_env.gov.engine, job.id)
        while (j := jobs.get(auto_env.gov.engine, job.id)).state == jobs.RUNNING:
            assert time.monotonic() < deadline, j
            time.sleep(0.05)
    finally:
        proc.terminate()
        proc.wait(30)
    # A small build may reach its last step before the cancel is seen: then it is done and
    # complete. Either way nothing is half-done: cancelled means nothing published.
    if j.state == jobs.CANCELLED:
        assert built_releases(auto_env.home) == []
    else:
        assert j.state == jobs.DONE and j.cancel_requested, j
        _nothing_half_done(auto_env.home)
    assert [p.name for p in releases_root(auto_env.home).iterdir() if p.name.startswith(".")] == []


def test_a_worker_stopped_with_sigterm_hands_its_build_back_without_spending_an_attempt(auto_env: Env) -> None:
    active_dar(auto_env)
    [job] = jobs.list_jobs(auto_env.gov.engine, kind="release-build")
    proc = _worker(auto_env.home)
    deadline = time.monotonic() + 120
    while (j := jobs.get(auto_env.gov.engine, job.id)).state != jobs.RUNNING:
        assert time.monotonic() < deadline and proc.poll() is None, j
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0

    back = jobs.get(auto_env.gov.engine, job.id)
    if back.state != jobs.DONE:  # a small build may finish before the signal lands
        assert (back.state, back.attempts, back.worker) == (jobs.QUEUED, 0, None), back
        assert built_releases(auto_env.home) == []
