"""A consent withdrawal reaches releases: every release holding the patient is off download
the moment the command returns, and a job rebuilds it without them, makes it available
again and mails its people; one already downloaded is rebuilt too and listed for the
office with what to tell the licensee."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

from onconode.access.db import open_governance
from onconode.access.entitlements import log_access
from onconode.db import jobs
from onconode.db.job_kinds import Context
from onconode.release.builder import build
from onconode.release.jobs import run_build
from onconode.release.pseudonym import Pseudonymizer, release_key
from onconode.release.storage import Storage

from tests.conftest import frozen_synthetic_store
from tests.release.conftest import DURING_TERM, FREEZE, active_dar, make_env
from tests.web.outbox import mails_to


def _patients(home: Path, app: str) -> set[str]:
    return set(pq.read_table(home / "releases" / app / "tables" / "patient.parquet", columns=["patient_id"])
               .column("patient_id").to_pylist())


def test_withdrawal_rebuilds_releases_and_lists_the_delivered_ones_for_the_office(tmp_path: Path) -> None:
    store_home = frozen_synthetic_store(tmp_path / "store", patients=12, seed=4, median_variants=20, freeze=FREEZE)
    env = make_env(store_home, tmp_path / "node")
    delivered, waiting = active_dar(env), active_dar(env, shift_days=3)
    for app in (delivered, waiting):
        Storage.for_home(env.home).publish(build(env.home, env.store, env.gov, app, at=DURING_TERM).path, app)
    assert log_access(env.gov, env.world.contact.id, delivered, "download", "tables/patient.tsv", at=DURING_TERM).allowed
    patient = env.store.con.execute("SELECT min(patient_id) FROM patient").fetchall()[0][0]
    pseudo = {app: Pseudonymizer(release_key(env.home, app))("patient", patient) for app in (delivered, waiting)}
    assert all(pseudo[app] in _patients(env.home, app) for app in pseudo)
    env.store.close()
    env.gov.close()

    cli = [sys.executable, "-m", "onconode", "--home", str(env.home)]
    out = subprocess.run(cli + ["withdraw", patient], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert f"already downloaded: {delivered}" in " ".join(out.stdout.split())

    storage = Storage.for_home(env.home)
    for app in (delivered, waiting):   # off download before any rebuild ran: never served with the patient
        assert storage.manifest(app) is None and not (env.home / "releases" / app).exists()
    with open_governance(env.home) as gov:
        queued = [j for j in jobs.list_jobs(gov.engine, kind="release-build") if j.state == jobs.QUEUED]
    assert sorted(j.params["application"] for j in queued) == sorted([delivered, waiting])
    assert {j.params["built_by"] for j in queued} == {"consent withdrawal"}
    ready_before = len([m for m in mails_to(env.home, env.world.contact.email) if "release ready" in str(m["Subject"])])

    work = subprocess.run(cli + ["worker", "--until-idle"], capture_output=True, text=True, timeout=300)
    assert work.returncode == 0, work.stderr
    for app in (delivered, waiting):   # rebuilt by the job: the next download gets files without the patient
        assert storage.manifest(app) is not None
        assert pseudo[app] not in _patients(env.home, app) and len(_patients(env.home, app)) > 0
    ready = [m for m in mails_to(env.home, env.world.contact.email) if "release ready" in str(m["Subject"])]
    assert len(ready) - ready_before == 2, "its people are told, as for a new build"
    listed = subprocess.run(cli + ["release", "withdrawn-deliveries", "--json"], capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [r["application"] for r in rows] == [delivered]
    assert rows[0]["patient"] == pseudo[delivered] and patient not in listed.stdout   # pseudonyms only
    assert rows[0]["downloaded_by"] == [env.world.contact.email]
    assert f"Delete every row of patient {pseudo[delivered]}" in rows[0]["tell_licensee"]


def test_a_build_that_read_the_store_before_a_withdrawal_committed_is_made_again_without_the_patient(tmp_path: Path) -> None:
    """A release-build job already running when a withdrawal commits read the store with
    the patient; it notices before publishing and builds again from the new store."""
    store_home = frozen_synthetic_store(tmp_path / "store", patients=12, seed=4, median_variants=20, freeze=FREEZE)
    env = make_env(store_home, tmp_path / "node")
    app = active_dar(env)
    patient = env.store.con.execute("SELECT min(patient_id) FROM patient").fetchall()[0][0]
    env.store.close()
    withdrawn: list[str] = []

    def report(_fraction: float, _message: str) -> None:   # mid-build: the data manager withdraws the patient
        if not withdrawn:
            done = subprocess.run([sys.executable, "-m", "onconode", "--home", str(env.home), "withdraw", patient],
                                  capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stderr
            withdrawn.append(patient)

    result = run_build(Context(1, env.home, env.gov, report),
                       {"application": app, "at": DURING_TERM.isoformat(), "built_by": "test"})

    assert withdrawn and result["application"] == app
    assert Pseudonymizer(release_key(env.home, app))("patient", patient) not in _patients(env.home, app)
