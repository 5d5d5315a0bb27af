"""`onconode freeze create --background` and `onconode beacon index --background`: the
freeze is pinned at once; its release snapshot and Beacon position index are jobs, built
by a worker."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from onconode.access import open_governance
from onconode.beacon.positions import index_of
from onconode.db import jobs
from onconode.interfaces import worker
from onconode.interfaces.cli.main import app
from onconode.release import snapshot
from onconode.store import Store
from tests.store.cohort_builder import ingest_cohort

runner = CliRunner()


def test_a_freeze_created_in_the_background_gets_its_snapshot_and_beacon_index_from_a_worker(tmp_path: Path) -> None:
    home = tmp_path / "node"
    assert runner.invoke(app, ["--home", str(home), "init"]).exit_code == 0
    with Store.open(home) as s:
        ingest_cohort(s, n=5)

    made = runner.invoke(app, ["--home", str(home), "freeze", "create", "DR-BG", "--background"])
    assert made.exit_code == 0, made.output
    with Store.open(home, read_only=True) as store:
        assert snapshot.load(store, "DR-BG") is None  # not built by the command
    with open_governance(home) as gov:
        queued = {j.params["name"] for j in jobs.list_jobs(gov.engine) if j.kind == "derived-build"}
        assert {"release.variants", "beacon.positions"} <= queued

        worker.run(home, until_idle=True, schedule=False)

        assert {j.state for j in jobs.list_jobs(gov.engine)} == {jobs.DONE}
    with Store.open(home, read_only=True) as store:
        assert snapshot.load(store, "DR-BG") is not None
        assert index_of(store, "DR-BG") is not None

    again = runner.invoke(app, ["--home", str(home), "beacon", "index", "--background", "--freeze", "DR-BG"])
    assert again.exit_code == 0 and "queued job" in again.output
    refused = runner.invoke(app, ["--home", str(home), "beacon", "index", "--background"])
    assert refused.exit_code == 2 and "--freeze" in refused.output
