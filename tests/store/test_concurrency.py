"""Who may open the store at the same time: many readers, or one writer."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from cohort_builder import ingest_cohort

from onconode.store import Store, StoreError

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


def test_many_processes_may_read_at_once(home: Path) -> None:
    other = hold_open(home, "read")
    try:
        with Store.open(home, read_only=True) as s:
            assert s.counts()["patient"] == 3
    finally:
        stop(other)


def test_a_writer_is_refused_while_another_process_reads(home: Path) -> None:
    other = hold_open(home, "read")
    try:
        with pytest.raises(StoreError, match="is in use.*Many readers or one writer"):
            Store.open(home)
    finally:
        stop(other)


def test_a_reader_is_refused_while_another_process_writes(home: Path) -> None:
    other = hold_open(home, "write")
    try:
        with pytest.raises(StoreError, match="is in use.*wait for the other command to finish"):
            Store.open(home, read_only=True)
    finally:
        stop(other)


def test_the_store_opens_again_once_the_writer_has_gone(home: Path) -> None:
    stop(hold_open(home, "write"))
    deadline = time.monotonic() + 10
    while True:
        try:
            with Store.open(home, read_only=True) as s:
                assert s.current_version == 1
            break
        except StoreError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_one_process_cannot_mix_a_writer_and_a_reader_of_the_same_store(home: Path) -> None:
    with Store.open(home) as writer:
        with pytest.raises(StoreError, match="is in use"):
            Store.open(home, read_only=True)
        assert writer.current_version == 1
