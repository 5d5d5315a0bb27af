"""`onconode serve` starts job workers beside the web server and stops them with it; a
Parquet export queued with `--background` is run by them while the portal answers."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from onconode.access import open_governance
from onconode.db import jobs
from onconode.store.parquet import read_manifest
from tests.release.conftest import link_store


def _onconode(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "onconode", "--home", str(home), *args], capture_output=True, text=True)


def _children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_serve_runs_job_workers_that_do_queued_work_and_stop_with_it(store_home: Path, tmp_path: Path) -> None:
    home = tmp_path / "node"
    link_store(store_home, home)
    open_governance(home).close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "onconode", "--home", str(home), "serve", "--port", str(port),
                                 "--workers", "1", "--job-workers", "2"], stdout=out, stderr=subprocess.STDOUT)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
        workers = _children(proc.pid)
        assert len(workers) == 2, log.read_text()

        dest = tmp_path / "export"
        queued = _onconode(home, "export-parquet", "--background", str(dest))
        assert queued.returncode == 0, queued.stderr
        job_id = int(queued.stdout.split("queued job ", 1)[1].split(":", 1)[0])
        with open_governance(home) as gov:
            while (job := jobs.get(gov.engine, job_id)).state in (jobs.QUEUED, jobs.RUNNING):
                assert time.monotonic() < deadline + 60, job
                time.sleep(0.2)
        assert job.state == jobs.DONE, job.error
        assert read_manifest(dest) is not None
        shown = json.loads(_onconode(home, "jobs", "show", str(job_id), "--json").stdout)
        assert shown["kind"] == "parquet-export" and shown["worker"].endswith(tuple(f":{w}" for w in workers))
    finally:
        proc.terminate()
        proc.wait(30)
    deadline = time.monotonic() + 15
    while any(_alive(w) for w in workers):
        assert time.monotonic() < deadline, "job workers outlived the server"
        time.sleep(0.2)
