"""The derived-data registry: one key, one build across processes, one place that drops."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from cohort_builder import ingest, ingest_cohort, patient_rows

from onconode.store import Store, derived
from onconode.store.withdraw import withdraw_patient

HERE = Path(__file__).resolve().parent


def _count_builder(store: Store, key: derived.Key, out: Path) -> None:
    n = store.con.execute(f"SELECT count(*) FROM ({store.relation_sql('patient', key.version)})").fetchall()[0][0]
    (out / "patients.txt").write_text(str(n))


COUNT = derived.register(derived.Artifact("test-patient-count", ("patient",), _count_builder))


def test_an_artifact_is_built_once_per_key_and_read_from_its_folder(store: Store) -> None:
    ingest_cohort(store, n=6)
    path = derived.ensure(store, COUNT.name)
    assert path == derived.location(store.home, COUNT.name, derived.Key(store.current_version, 0))
    assert (path / "patients.txt").read_text() == "6"
    stamp = (path / "patients.txt").stat().st_mtime_ns
    assert derived.ensure(store, COUNT.name) == path
    assert (path / "patients.txt").stat().st_mtime_ns == stamp


def test_a_withdrawal_changes_the_key_of_every_version_and_drops_every_artifact(store: Store) -> None:
    ingest_cohort(store, n=6)
    store.create_freeze("DR-1")
    ingest(store, patient_rows("P100", 100))
    frozen = derived.ensure(store, COUNT.name, store.resolve("DR-1"))
    now = derived.ensure(store, COUNT.name)
    assert ((frozen / "patients.txt").read_text(), (now / "patients.txt").read_text()) == ("6", "7")

    withdraw_patient(store, "P002")

    assert not frozen.exists() and not now.exists()   # the patient's rows are not left on disk
    assert derived.find(store, COUNT.name, store.resolve("DR-1")) is None
    again = derived.ensure(store, COUNT.name, store.resolve("DR-1"))
    assert again != frozen and (again / "patients.txt").read_text() == "5"
    assert derived.key(store, store.resolve("DR-1")).withdrawals == 1


def test_drop_stale_keeps_the_current_version_and_every_freeze(store: Store) -> None:
    ingest_cohort(store, n=4)
    store.create_freeze("DR-1")
    old = store.current_version
    ingest(store, patient_rows("P100", 100))
    middle = store.current_version
    ingest(store, patient_rows("P101", 101))
    kept = [derived.ensure(store, COUNT.name, old), derived.ensure(store, COUNT.name)]
    gone = derived.ensure(store, COUNT.name, middle)   # neither current nor frozen

    assert gone in derived.stale(store) and not set(kept) & set(derived.stale(store))
    derived.drop_stale(store)
    assert all(p.is_dir() for p in kept) and not gone.exists()


def test_an_artifact_is_declared_once() -> None:
    with pytest.raises(ValueError, match="already declared"):
        derived.register(derived.Artifact(COUNT.name, ("sample",), lambda s, k, o: None))
    with pytest.raises(KeyError, match="register_all"):
        derived.artifact("no-such-artifact")


def test_processes_asking_at_once_build_an_artifact_once(tmp_path: Path) -> None:
    home = tmp_path / "node"
    with Store.init(home) as store:
        ingest_cohort(store, n=3)
    builds = tmp_path / "builds.txt"
    script = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        sys.path.insert(0, {str(HERE)!r})
        from onconode.store import Store, derived

        def build(store, key, out):
            with open({str(builds)!r}, "a") as f:
                f.write("built\\n")
            time.sleep(1.0)
            (out / "done").write_text("yes")

        derived.register(derived.Artifact("slow", ("patient",), build))
        with Store.open(Path({str(home)!r}), read_only=True) as store:
            print(derived.ensure(store, "slow"))
    """)
    procs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) for _ in range(3)]
    outs = [p.communicate(timeout=60)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert len(set(outs)) == 1 and (Path(outs[0]) / "done").read_text() == "yes"
    assert builds.read_text().count("built") == 1


def test_a_build_killed_midway_leaves_nothing_that_counts_and_is_dropped(tmp_path: Path) -> None:
    home = tmp_path / "node"
    with Store.init(home) as store:
        ingest_cohort(store, n=3)
    script = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from onconode.store import Store, derived

        def build(store, key, out):
            (out / "half").write_text("written")
            os.kill(os.getpid(), signal.SIGKILL)

        derived.register(derived.Artifact("killed", ("patient",), build))
        with Store.open(Path({str(home)!r}), read_only=True) as store:
            derived.ensure(store, "killed")
    """)
    assert subprocess.run([sys.executable, "-c", script], timeout=60).returncode == -9
    with Store.open(home) as store:
        assert derived.find(store, "killed") is None   # no half-built artifact is ever found
        left = [p for p in (derived.root(home) / "killed").iterdir() if ".tmp-" in p.name]
        assert left and set(left) <= set(derived.stale(store))
        derived.drop_stale(store)
        assert not any(".tmp-" in p.name for p in (derived.root(home) / "killed").iterdir())
