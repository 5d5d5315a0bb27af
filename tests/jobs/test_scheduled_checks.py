"""The deadline and end-of-term checks run on their own: every worker keeps one job of
each periodic kind scheduled, due an hour after the last run finished."""

from __future__ import annotations

import datetime as dt

from onconode.access.workflow import create, execute, load
from onconode.db import jobs
from onconode.interfaces import worker
from tests.release.conftest import DAY, T0, Env, release_form


def test_a_worker_runs_the_deadline_and_term_checks_and_schedules_the_next(env: Env) -> None:
    w, g = env.world, env.gov
    app_id = create(g, "dar", w.applicant.id, at=T0, form=release_form()).id
    execute(g, app_id, "submit", w.applicant.id, at=T0 + DAY)  # undecided for months: its deadline is overdue now

    worker.run(env.home, until_idle=True, schedule=True)

    runs = {j.kind: j for j in jobs.list_jobs(g.engine, states=[jobs.DONE]) if j.key == "scheduled"}
    assert set(runs) == {"deadlines", "release-term"}
    [mail] = jobs.list_jobs(g.engine, kind="mail")  # the reminder, sent by a job too
    assert mail.state == jobs.DONE and "decision deadline overdue" in mail.params["subject"]
    assert any(app_id in line and "decision deadline overdue" in line for line in runs["deadlines"].result)
    with g.engine.connect() as conn:
        assert any(k.startswith("decision-overdue") for k in load(conn, app_id).reminders)
    upcoming = {j.kind: j for j in jobs.list_jobs(g.engine, states=[jobs.QUEUED])}
    for kind, done in runs.items():
        assert upcoming[kind].run_after >= done.finished_at + dt.timedelta(minutes=59)


def test_a_job_of_a_retired_kind_left_queued_by_an_older_onconode_fails_with_what_to_do_instead(env: Env) -> None:
    g = env.gov
    left = jobs.enqueue(g.engine, "beacon-positions", {"freeze": "DR-1"})   # queued before the upgrade

    worker.run(env.home, until_idle=True, schedule=True)

    j = jobs.get(g.engine, left)
    assert j.state == jobs.FAILED
    assert "beacon index --freeze NAME --background" in j.error
