"""Automatic release builds: a DAR's third licence signature builds its release at once,
available to its download contacts; a build that cannot be made never undoes the
signature, is recorded with its reason, and `onconode release pending` builds it later."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from onconode.access import listeners
from onconode.access.workflow import Denied, load
from onconode.interfaces.root import wire
from onconode.release import auto
from onconode.release.builder import build_log, built_releases
from onconode.release.delivery import listing
from onconode.release.storage import Storage

from tests.release.conftest import DURING_TERM, Env, active_dar, make_env


@pytest.fixture
def auto_env(store_home: Path, tmp_path: Path) -> Iterator[Env]:
    """A node whose governance commands build releases automatically."""
    wire()
    e = make_env(store_home, tmp_path / "node", auto_release=True)
    yield e
    e.store.close()
    e.gov.close()


def test_a_dar_signed_by_all_three_parties_has_its_release_ready_for_its_download_contacts(auto_env: Env) -> None:
    app_id = active_dar(auto_env)

    files = listing(auto_env.gov, Storage.for_home(auto_env.home), auto_env.world.contact.id, app_id, DURING_TERM)
    paths = {f["path"] for f in files.files}
    assert "metadata.tsv" in paths and "somatic/somatic_variants.maf" in paths
    assert [m["application"] for m in built_releases(auto_env.home)] == [app_id]
    assert build_log(auto_env.home)[-1]["built_by"] == "automatic (activated)"
    assert auto.pending(auto_env.gov, DURING_TERM) == []
    with pytest.raises(Denied):
        listing(auto_env.gov, Storage.for_home(auto_env.home), auto_env.world.other.id, app_id, DURING_TERM)


def test_a_release_that_cannot_be_built_leaves_the_dar_active_and_due_with_the_reason(auto_env: Env) -> None:
    app_id = active_dar(auto_env, freeze="DR-1999-01")

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
