"""Who may open the store at the same time: any number of readers while one writer writes.

Readers read the newest published copy; writers take turns on the master (store/publish.py,
store/writer.py). These tests hold the store open in real other processes.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from cohort_builder import ingest_cohort

from onconode.store import Store
from onconode.store.withdraw import withdraw_patient
from onconode.store.writer import command

HOLDER = """
import sys, time
from pathlib import Path
from onconode.store import Store
s = Store.open(Path(sys.argv[1]), read_only=sys.argv[2] == "read")
print("open", flush=True)
time.sleep(60)
"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    with Store.init(tmp_path / "node") as s:
        ingest_cohort(s, n=3)
    return tmp_path / "node"


def hold_open(home: Path, mode: str) -> subprocess.Popen[str]:
    """Another process holding the store open until killed."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(home), mode], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "open"
    return proc


def stop(proc: subprocess.Popen[str]) -> None:
    proc.kill()
    proc.wait(timeout=30)


def first_patient(store: Store) -> str:
    return store.con.execute("SELECT min(patient_id) FROM patient").fetchall()[0][0]


def test_many_processes_may_read_at_once(home: Path) -> None:
    other = hold_open(home, "read")
    try:
        with Store.open(home, read_only=True) as s:
            assert s.counts()["patient"] == 3
    finally:
        stop(other)


def test_a_writer_writes_while_another_process_reads(home: Path) -> None:
    other = hold_open(home, "read")
    try:
        with Store.open(home) as w:
            withdraw_patient(w, first_patient(w))
        with Store.open(home, read_only=True) as s:
            assert s.counts()["patient"] == 2
    finally:
        stop(other)


def test_a_reader_reads_the_last_published_version_while_another_process_writes(home: Path) -> None:
    other = hold_open(home, "write")
    try:
        with Store.open(home, read_only=True) as s:
            assert s.current_version == 1 and s.counts()["patient"] == 3
    finally:
        stop(other)


def test_a_second_writer_waits_for_the_first_and_says_for_whom(home: Path) -> None:
    other = hold_open(home, "write")
    heard: list[str] = []
    killer = subprocess.Popen([sys.executable, "-c", "import time, os, sys; time.sleep(4); os.kill(int(sys.argv[1]), 9)",
                               str(other.pid)])
    try:
        t0 = time.monotonic()
        with Store.open(home, on_wait=heard.append) as w:
            waited = time.monotonic() - t0
            assert w.current_version == 1
    finally:
        stop(other)
        killer.wait(timeout=30)
    assert waited >= 3.5, "the second writer must wait until the first has gone"
    assert len(heard) == 1
    assert f"by pid {other.pid}" in heard[0] and "started at" in heard[0] and "to finish" in heard[0], heard


def test_a_cli_write_waits_for_the_other_writer_says_so_and_then_succeeds(home: Path) -> None:
    other = hold_open(home, "write")
    with Store.open(home, read_only=True) as s:
        patient = first_patient(s)
    cli = subprocess.Popen([sys.executable, "-m", "onconode", "--home", str(home), "withdraw", patient],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        said = cli.stderr.readline()   # the CLI's start takes its time on a busy machine: wait for what it says
        assert cli.poll() is None, "the withdrawal must wait, not fail"
    finally:
        stop(other)
    out, errors = cli.communicate(timeout=120)
    errors = said + errors
    assert cli.returncode == 0, errors
    assert f"waiting for the `-c {home} write` started at" in errors and f"by pid {other.pid} to finish" in errors
    assert f"withdrew {patient}" in out


def test_the_lock_names_a_python_dash_m_command_as_the_user_typed_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["/venv/lib/onconode/__main__.py", "--home", "node", "ingest", "vcf", "a.vcf"])
    assert command() == "onconode --home node ingest vcf a.vcf"


def test_one_process_may_hold_a_writer_and_a_reader_of_the_same_store(home: Path) -> None:
    with Store.open(home) as writer, Store.open(home, read_only=True) as reader:
        withdraw_patient(writer, first_patient(writer))
        assert reader.counts()["patient"] == 3, "a reader keeps the copy it opened until the write is published"
    with Store.open(home, read_only=True) as reader:
        assert reader.counts()["patient"] == 2
