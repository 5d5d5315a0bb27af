"""Automatic release builds: a DAR's third licence signature activates it at once and
queues its release build; a job worker builds it and the release appears, available to
its download contacts, who are mailed; a build that cannot be made never undoes the
signature, fails its job with the reason, and `onconode release pending` builds it later."""

from __future__ import annotations

import pytest

from onconode.access import listeners
from onconode.access.workflow import Denied, load
from onconode.db import jobs
from onconode.interfaces import worker
from onconode.interfaces.root import wire
from onconode.release import auto
from onconode.release.builder import build_log, built_releases
from onconode.release.delivery import listing
from onconode.release.storage import Storage
from tests.release.conftest import DURING_TERM, Env, active_dar
from tests.web.outbox import mails_to


def test_the_third_signature_activates_the_dar_at_once_and_only_queues_its_release_build(auto_env: Env) -> None:
    app_id = active_dar(auto_env)

    with auto_env.gov.engine.connect() as conn:
        assert load(conn, app_id).state_at(DURING_TERM) == "active"
    assert built_releases(auto_env.home) == []
    [job] = jobs.list_jobs(auto_env.gov.engine, kind="release-build")
    assert (job.state, job.key, job.params["built_by"]) == (jobs.QUEUED, app_id, "automatic (activated)")


def test_a_signed_dar_has_its_release_ready_for_its_download_contacts_when_its_job_finishes(auto_env: Env) -> None:
    app_id = active_dar(auto_env)

    assert worker.run(auto_env.home, until_idle=True, schedule=False) >= 1

    [job] = jobs.list_jobs(auto_env.gov.engine, kind="release-build")
    assert job.state == jobs.DONE and job.result["application"] == app_id
    files = listing(auto_env.gov, Storage.for_home(auto_env.home), auto_env.world.contact.id, app_id, DURING_TERM)
    paths = {f["path"] for f in files.files}
    assert "metadata.tsv" in paths and "somatic/somatic_variants.maf" in paths
    assert [m["application"] for m in built_releases(auto_env.home)] == [app_id]
    assert build_log(auto_env.home)[-1]["built_by"] == "automatic (activated)"
    assert auto.pending(auto_env.gov, DURING_TERM) == []
    with pytest.raises(Denied):
        listing(auto_env.gov, Storage.for_home(auto_env.home), auto_env.world.other.id, app_id, DURING_TERM)
    ready = [m for m in mails_to(auto_env.home, auto_env.world.contact.email) if "release ready" in str(m["Subject"])]
    assert len(ready) == 1 and f"/releases/{app_id}" in ready[0].get_content()


def test_a_release_that_cannot_be_built_fails_its_job_visibly_and_leaves_the_dar_active_and_due(auto_env: Env) -> None:
    app_id = active_dar(auto_env, freeze="DR-1999-01")
    worker.run(auto_env.home, until_idle=True, schedule=False)

    [job] = jobs.list_jobs(auto_env.gov.engine, kind="release-build")
    assert job.state == jobs.FAILED and job.attempts == 1 and "freeze DR-1999-01" in job.error

    with auto_env.gov.engine.connect() as conn:
        assert load(conn, app_id).state_at(DURING_TERM) == "active"
    failure = build_log(auto_env.home)[-1]
    assert failure["application"] == app_id and "freeze DR-1999-01" in failure["error"]
    assert built_releases(auto_env.home) == []
    assert auto.pending(auto_env.gov, DURING_TERM) == [app_id]


def test_with_automatic_builds_off_the_release_is_due_until_pending_builds_it(env: Env) -> None:
    wire()
    app_id = active_dar(env)  # env: auto_release is off
    assert built_releases(env.home) == []
    assert auto.pending(env.gov, DURING_TERM) == [app_id]

    built = auto.build_and_publish(env.gov, app_id, DURING_TERM, built_by="cli pending")

    assert built is not None and Storage.for_home(env.home).manifest(app_id) is not None
    assert auto.pending(env.gov, DURING_TERM) == []


def test_a_listener_that_fails_does_not_fail_the_committed_command(env: Env) -> None:
    def broken(gov, app, events):
        raise RuntimeError("a listener with a bug")

    listeners.register(broken)
    try:
        app_id = active_dar(env)
    finally:
        listeners.unregister(broken)
    with env.gov.engine.connect() as conn:
        assert load(conn, app_id).state_at(DURING_TERM) == "active"
