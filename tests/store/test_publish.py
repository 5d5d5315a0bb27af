"""Published read copies: readers read an immutable copy that writers replace when they commit."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from cohort_builder import ingest_cohort

from onconode.store import IntegrityError, Store
from onconode.store.publish import FOLDER, KEEP, POINTER
from onconode.interfaces.http.node import Node
from onconode.store.withdraw import withdraw_patient


@pytest.fixture
def home(tmp_path: Path) -> Path:
    with Store.init(tmp_path / "node") as s:
        ingest_cohort(s, n=3)
    return tmp_path / "node"


def pointer(home: Path) -> dict:
    return json.loads((home / FOLDER / POINTER).read_text())


def copies(home: Path) -> list[str]:
    return sorted(p.name for p in (home / FOLDER).glob("*.duckdb"))


def first_patient(store: Store) -> str:
    return store.con.execute("SELECT min(patient_id) FROM patient").fetchall()[0][0]


def patients(store: Store) -> int:
    return store.counts()["patient"]


def test_a_reader_opens_the_published_copy_named_by_version_and_withdrawals(home: Path) -> None:
    with Store.open(home, read_only=True) as r:
        assert Path(r.path).parent == home / FOLDER and Path(r.path).name == pointer(home)["file"]
        assert r.published is not None and r.published.key == (1, 0)
        assert Path(r.path).name.startswith("v1-w0-")
    mode = stat.S_IMODE(os.stat(home / FOLDER / pointer(home)["file"]).st_mode)
    assert mode == 0o400, "a published copy is never written, and private to the node's account"


def test_a_withdrawal_publishes_a_copy_keyed_by_the_new_withdrawal_sequence(home: Path) -> None:
    with Store.open(home) as w:
        withdraw_patient(w, first_patient(w))
    with Store.open(home, read_only=True) as r:
        assert r.published is not None and r.published.key == (2, 1)
        assert patients(r) == 2


def test_a_reader_keeps_its_copy_and_learns_that_a_newer_one_is_published(home: Path) -> None:
    reader = Store.open(home, read_only=True)
    try:
        assert reader.is_current()
        with Store.open(home) as w:
            withdraw_patient(w, first_patient(w))
            assert reader.is_current(), "nothing is published before the writer closes"
        assert not reader.is_current()
        assert patients(reader) == 3, "the open copy does not change under its reader"
        with Store.open(home, read_only=True) as fresh:
            assert fresh.is_current() and patients(fresh) == 2
    finally:
        reader.close()


def test_a_freeze_is_published_though_it_changes_neither_version_nor_withdrawals(home: Path) -> None:
    before = pointer(home)["serial"]
    with Store.open(home) as w:
        w.create_freeze("DR-1")
    assert pointer(home)["serial"] == before + 1
    with Store.open(home, read_only=True) as r:
        assert [f.freeze_id for f in r.freezes()] == ["DR-1"]


def test_a_write_that_changes_nothing_publishes_nothing(home: Path) -> None:
    before = (home / FOLDER / POINTER).read_bytes()
    Store.open(home).close()
    assert (home / FOLDER / POINTER).read_bytes() == before


def test_a_failed_write_publishes_nothing(home: Path) -> None:
    before, files = (home / FOLDER / POINTER).read_bytes(), copies(home)
    with Store.open(home) as w:
        with pytest.raises(IntegrityError):
            with w.transaction("test") as tx:  # a patient without its required dataset: refused at commit
                tx.replace("patient", pa.table({"patient_id": ["NEW1"]}))
    assert (home / FOLDER / POINTER).read_bytes() == before and copies(home) == files


def test_superseded_copies_are_deleted_keeping_the_newest_two_and_an_open_one_still_reads(home: Path) -> None:
    oldest = Store.open(home, read_only=True)
    try:
        for i in range(KEEP + 1):
            with Store.open(home) as w:
                w.create_freeze(f"DR-{i}")
        assert len(copies(home)) == KEEP
        assert Path(oldest.path).name not in copies(home)
        assert patients(oldest) == 3 and oldest.freezes() == [], "a deleted copy stays readable to whoever has it open"
    finally:
        oldest.close()


def test_a_store_written_before_published_copies_is_published_on_first_read(home: Path) -> None:
    shutil.rmtree(home / FOLDER)
    with Store.open(home, read_only=True) as r:
        assert patients(r) == 3
    assert len(copies(home)) == 1


def test_a_writer_of_a_store_without_copies_publishes_before_it_writes(home: Path) -> None:
    """So readers are served the old version during the (long) first write after an upgrade."""
    shutil.rmtree(home / FOLDER)
    with Store.open(home) as w:
        assert len(copies(home)) == 1
        withdraw_patient(w, first_patient(w))
        with Store.open(home, read_only=True) as r:
            assert patients(r) == 3
    with Store.open(home, read_only=True) as r:
        assert patients(r) == 2


COMMIT_THEN_HANG = """
import sys, time
from pathlib import Path
from onconode.store import Store
from onconode.store.withdraw import withdraw_patient
s = Store.open(Path(sys.argv[1]))
withdraw_patient(s, s.con.execute("SELECT min(patient_id) FROM patient").fetchall()[0][0])
print("committed", flush=True)
time.sleep(60)
"""


def test_a_writer_killed_after_its_commit_publishes_nothing_and_the_next_writer_publishes_it(home: Path) -> None:
    before = (home / FOLDER / POINTER).read_bytes()
    proc = subprocess.Popen([sys.executable, "-c", COMMIT_THEN_HANG, str(home)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "committed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert (home / FOLDER / POINTER).read_bytes() == before
    with Store.open(home, read_only=True) as r:
        assert patients(r) == 3, "readers keep the last published version"
    with Store.open(home) as w:  # the lock died with the killer; the commit is in the master
        assert patients(w) == 2
    with Store.open(home, read_only=True) as r:
        assert patients(r) == 2


def test_a_request_finishes_on_the_version_it_started_on_and_the_next_one_starts_on_the_new(home: Path) -> None:
    node = Node(home)
    try:
        with node.snapshot() as snap:
            assert snap.version == 1 and patients(node.store) == 3
            with Store.open(home) as w:
                withdraw_patient(w, first_patient(w))
            with node.snapshot() as inner:  # a nested use in the same request: still the request's copy
                assert inner.version == 1
            assert patients(node.store) == 3 and snap.table("patient").count().to_pyarrow().as_py() == 3
        with node.snapshot() as snap:
            assert snap.version == 2 and patients(node.store) == 2
    finally:
        node.close()


def test_publishing_leaves_a_readers_spill_directory_alone(home: Path) -> None:
    """DuckDB spills a read-only copy's big queries to `<copy>.tmp/` next to it."""
    spill = home / FOLDER / (pointer(home)["file"] + ".tmp")
    spill.mkdir()
    (spill / "duckdb_temp_storage-0.tmp").write_bytes(b"x")
    for i in range(KEEP + 1):
        with Store.open(home) as w:
            w.create_freeze(f"DR-{i}")
    assert len(copies(home)) == KEEP and spill.is_dir()
