"""A SIGKILL at any point of a long ingest leaves the previous version intact and readable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cohort_builder import ingest_cohort

from onconode.store import Store

SCRIPT = Path(__file__).with_name("bulk_ingest.py")
ROWS = 3_000_000
pytestmark = pytest.mark.slow


def run_bulk(home: Path, rows: int, hold: float = 0.0) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), str(home), str(rows), str(hold)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def kill_at(proc: subprocess.Popen[str], marker: str) -> list[str]:
    """Read the script's phases until `marker`, then SIGKILL it; returns the lines seen."""
    seen: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        seen.append(line.strip())
        if line.strip() == marker:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, f"the ingest ended on its own before {marker!r}: {seen}"
    return seen


def snapshot(home: Path) -> tuple[int, dict[str, int], list[tuple]]:
    """Version, counts and bulk-variant totals per sample, read through a read-only open."""
    with Store.open(home, read_only=True) as s:
        t = s.table("somatic_variant")
        per_sample = t.group_by("sample_id").aggregate(n=t.count(), positions=t.position.sum()).order_by("sample_id")
        rows = [tuple(r.values()) for r in per_sample.to_pyarrow().to_pylist()]
        return s.current_version, s.counts(), rows


@pytest.fixture
def loaded(tmp_path: Path) -> tuple[Path, tuple]:
    """A store at version 2: a small cohort, then a committed bulk load of 600,000 variants."""
    home = tmp_path / "node"
    with Store.init(home) as s:
        ingest_cohort(s, n=6)
    proc = run_bulk(home, 600_000)
    out, errors = proc.communicate(timeout=300)
    assert proc.returncode == 0, errors
    assert out.strip().endswith("committed 2")
    return home, snapshot(home)


def assert_previous_version_and_next_ingest_works(home: Path, before: tuple) -> None:
    assert snapshot(home) == before
    with Store.open(home) as s:
        assert s.current_version == before[0]
        assert ingest_cohort(s, n=2, first=30) == before[0] + 1
        assert s.counts()["patient"] == before[1]["patient"] + 2
        assert s.counts()["somatic_variant"] == before[1]["somatic_variant"] + sum(5 + i % 7 for i in (30, 31))


@pytest.mark.parametrize(
    "marker",
    ["begin", "batch 400000", "batch 1600000", f"batch {ROWS}", "written"],
    ids=["just-after-begin", "early-insert", "mid-insert", "last-batch-retiring-old-rows", "written-not-committed"],
)
def test_sigkill_at_a_known_phase_leaves_the_previous_version(loaded: tuple[Path, tuple], marker: str) -> None:
    home, before = loaded
    proc = run_bulk(home, ROWS, hold=30)
    seen = kill_at(proc, marker)
    assert "written" in seen or marker != "written"
    assert not any(line.startswith("committed") for line in seen)
    assert_previous_version_and_next_ingest_works(home, before)


@pytest.mark.parametrize("delay", [0.3, 1.5, 3.0, 6.0])
def test_sigkill_after_a_delay_leaves_a_whole_version_never_a_part(loaded: tuple[Path, tuple], delay: float) -> None:
    """Wherever the kill lands (opening, inserting, checking, committing), the store is at
    the previous version, or — only if the commit finished — at the complete new one."""
    home, before = loaded
    proc = run_bulk(home, ROWS)
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    out, _ = proc.communicate(timeout=60)
    Store.open(home).close()  # a kill between commit and publish: the next writer publishes the commit
    version, counts, per_sample = snapshot(home)
    if version == before[0]:
        assert (version, counts, per_sample) == before
        assert_previous_version_and_next_ingest_works(home, before)
    else:
        assert version == before[0] + 1
        assert counts["somatic_variant"] == before[1]["somatic_variant"] - 600_000 + ROWS
        assert len(per_sample) == len(before[2])
        assert sum(r[1] for r in per_sample if r[0].startswith("BULK")) == ROWS
