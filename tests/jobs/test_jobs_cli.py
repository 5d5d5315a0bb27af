"""`onconode jobs list|show|cancel|retry`: one table, JSON on request, errors that say
what to do, as every other command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from onconode.access import open_governance
from onconode.db import jobs


def _onconode(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "onconode", "--home", str(home), *args], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200"})


def test_the_office_lists_shows_cancels_and_retries_jobs_from_the_command_line(tmp_path: Path) -> None:
    home = tmp_path / "node"
    with open_governance(home) as gov:
        job = jobs.enqueue(gov.engine, "parquet-export", {"dest": "/exports/DR-2026-01", "freeze": "DR-2026-01"})

    listed = _onconode(home, "jobs", "list")
    assert listed.returncode == 0 and "parquet-export" in listed.stdout and "queued" in listed.stdout
    assert "DR-2026-01" in _onconode(home, "jobs", "show", str(job)).stdout
    assert "cancelled" in _onconode(home, "jobs", "cancel", str(job)).stdout
    assert "queued again" in _onconode(home, "jobs", "retry", str(job)).stdout
    assert json.loads(_onconode(home, "jobs", "list", "--state", "queued", "--json").stdout)[0]["id"] == job


def test_jobs_commands_fail_with_what_to_do_next(tmp_path: Path) -> None:
    home = tmp_path / "node"
    open_governance(home).close()

    missing = _onconode(home, "jobs", "show", "42")
    assert missing.returncode == 1 and "error: no job 42; `onconode jobs list`" in missing.stderr
    retried = _onconode(home, "jobs", "retry", "42")
    assert retried.returncode == 1 and "error:" in retried.stderr
    bad = _onconode(home, "jobs", "list", "--state", "lost")
    assert bad.returncode == 2 and "choose from queued" in bad.stderr
