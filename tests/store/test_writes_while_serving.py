"""Writes while serving, black-box: two `onconode serve` processes (standing in for two
server workers) answer a load of count / summary / frequency / Beacon requests while a
data manager ingests, freezes and withdraws with the CLI. No request fails, every write
command succeeds, and once a command returns no server answers from before it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from collections.abc import Iterator

import httpx
import pytest

from onconode.store import Store
from onconode.store.publish import FOLDER, POINTER

pytestmark = pytest.mark.slow

FIXTURES = Path(os.environ.get("ONCONODE_SHARED_FIXTURES", "/work/shared/fixtures"))
COLO829 = "COLO829T"


def onconode(home: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([sys.executable, "-m", "onconode", "--home", str(home), *args],
                       capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"onconode {' '.join(args)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
    return r


def stats(home: Path) -> dict:
    return json.loads(onconode(home, "stats", "--json").stdout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(home: Path, log: Path) -> Iterator[str]:
    port = free_port()
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "onconode", "--home", str(home), "serve", "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, f"serve exited:\n{log.read_text()}"
            try:
                if httpx.get(f"{url}/beacon/info", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"serve did not answer within 120 s:\n{log.read_text()}"
            time.sleep(0.3)
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)


class Researcher:
    """An anonymous API client of one server."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=60)
        caller = self.http.get("/api/analysis/caller")
        self.http.headers["X-CSRF-Token"] = caller.json()["csrf"]
        # The session cookie is Secure (https only); over loopback http it is sent by hand.
        self.http.headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in caller.cookies.items())

    def count(self) -> httpx.Response:
        return self.http.post("/api/analysis/count", json={"cohort": {"op": "all"}})

    def summary(self) -> httpx.Response:
        return self.http.post("/api/analysis/summary", json={"cohort": {"op": "all"}})

    def frequency(self) -> httpx.Response:
        return self.http.post("/api/analysis/frequency", json={"cohort": {"op": "all"}, "genes": ["KRAS", "TP53"]})

    def beacon(self, variant: tuple) -> httpx.Response:
        chrom, pos, ref, alt = variant
        return self.http.get("/beacon/g_variants", params={"referenceName": chrom, "start": pos - 1,
                                                           "referenceBases": ref, "alternateBases": alt})

    def exists(self, variant: tuple) -> bool:
        r = self.beacon(variant)
        assert r.status_code == 200, r.text
        return r.json()["responseSummary"]["exists"]

    def answered_on(self) -> tuple[str, int]:
        """(freeze, store version) of a count: analyses read the newest freeze."""
        r = self.count()
        assert r.status_code == 200, r.text
        return r.json()["freeze"], r.json()["version"]


@dataclass
class Load:
    """Requests in a loop against every server until stopped; what each answered."""

    researchers: list[Researcher]
    probe: tuple
    failures: list[str] = field(default_factory=list)
    counts: list[tuple[float, str, tuple[str, int]]] = field(default_factory=list)  # (started, server, (freeze, version))
    probes: list[tuple[float, str, bool]] = field(default_factory=list)  # (started, server, the probe exists)
    requests: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self, who: Researcher) -> None:
        calls = (who.count, who.summary, who.frequency, lambda: who.beacon(self.probe))
        i = 0
        while not self._stop.is_set():
            call = calls[i % len(calls)]
            started = time.monotonic()
            try:
                r = call()
            except httpx.HTTPError as exc:
                self.failures.append(f"{who.url} {getattr(call, '__name__', 'beacon')}: {exc!r}")
                continue
            finally:
                i += 1
                self.requests += 1
            if r.status_code != 200:
                self.failures.append(f"{who.url} {r.request.url.path}: {r.status_code} {r.text[:300]}")
            elif r.request.url.path.endswith("/count"):
                self.counts.append((started, who.url, (r.json()["freeze"], r.json()["version"])))
            elif r.request.url.path.endswith("/g_variants"):
                self.probes.append((started, who.url, r.json()["responseSummary"]["exists"]))

    @contextmanager
    def running(self) -> Iterator["Load"]:
        threads = [threading.Thread(target=self.run, args=(r,), daemon=True) for r in self.researchers for _ in range(2)]
        for t in threads:
            t.start()
        try:
            yield self
        finally:
            self._stop.set()
            for t in threads:
                t.join(120)

    def stale_after(self, committed_at: float, answer: tuple[str, int] | None = None, exists: bool | None = None) -> list:
        """Answers to requests started after `committed_at` that differ from what the commit made them."""
        return ([c for c in self.counts if c[0] > committed_at and c[2] != answer] if answer else []) + \
               ([p for p in self.probes if p[0] > committed_at and p[2] != exists] if exists is not None else [])


def unique_variant(home: Path, patient: str | None = None, sample: str | None = None) -> tuple:
    """A variant only this patient (or sample) carries, read from the published store."""
    who = "s.patient_id = ?" if patient else "v.sample_id = ?"
    with Store.open(home, read_only=True) as store:
        v, s = store.relation_sql("somatic_variant", store.current_version), store.relation_sql("sample", store.current_version)
        row = store.con.execute(
            f"SELECT chromosome, position, ref, alt FROM ({v}) v JOIN ({s}) s USING (sample_id) "
            "GROUP BY ALL HAVING count(DISTINCT s.patient_id) = 1 AND bool_and(" + who + ") "
            "ORDER BY chromosome, position LIMIT 1", [patient or sample]).fetchall()
    assert row, f"no variant unique to {patient or sample}"
    return tuple(row[0])


@pytest.fixture
def node_home(tmp_path: Path) -> Path:
    home = tmp_path / "node"
    onconode(home, "init")
    onconode(home, "synth", "--patients", "30", "--seed", "5", "--variants-per-sample", "200", "--into-store")
    onconode(home, "freeze", "create", "DR-1")
    onconode(home, "beacon", "index")  # position queries are answered from the index, without the store
    (home / "onconode.toml").write_text("[beacon.budget]\nlimit = 1000000\nwindow_seconds = 60\n")
    return home


@contextmanager
def two_servers(home: Path, tmp_path: Path) -> Iterator[list[Researcher]]:
    with serving(home, tmp_path / "serve-1.log") as one, serving(home, tmp_path / "serve-2.log") as two:
        yield [Researcher(one), Researcher(two)]


def test_ingest_freeze_and_withdrawal_succeed_under_load_and_no_answer_is_stale_after_each(node_home: Path, tmp_path: Path) -> None:
    home = node_home
    withdrawn = "HMF000003"
    gone = unique_variant(home, patient=withdrawn)
    start = stats(home)
    with two_servers(home, tmp_path) as researchers:
        assert [r.answered_on() for r in researchers] == [("DR-1", start["version"])] * 2
        assert all(r.exists(gone) for r in researchers)
        load = Load(researchers, probe=gone)
        clinical = resources.files("onconode") / "data" / "demo" / "colo829"
        with load.running(), resources.as_file(clinical) as folder:
            time.sleep(2)
            # A month's new patient: readers (`stats`) see it as soon as the command returns;
            # researchers' analyses keep reading the released freeze DR-1.
            onconode(home, "ingest", "clinical", str(folder))
            onconode(home, "ingest", "hmftools", str(FIXTURES / "hmftools"), "--sample", "tumor_sample", "--as", COLO829)
            now = stats(home)
            assert now["patient"] == start["patient"] + 1 and now["somatic_variant"] > start["somatic_variant"]
            assert now["version"] == start["version"] + 2
            assert [r.answered_on() for r in researchers] == [("DR-1", start["version"])] * 2

            # The release: every answer from the moment the command returns is on DR-2.
            onconode(home, "freeze", "create", "DR-2")
            committed_at = time.monotonic()
            assert [r.answered_on() for r in researchers] == [("DR-2", now["version"])] * 2
            new = unique_variant(home, sample=COLO829)
            assert [r.exists(new) for r in researchers] == [True, True]
            time.sleep(1.5)
            assert load.stale_after(committed_at, answer=("DR-2", now["version"])) == []

            # A consent withdrawal: the patient is gone from every answer once it returns.
            onconode(home, "withdraw", withdrawn)
            committed_at = time.monotonic()
            assert [r.exists(gone) for r in researchers] == [False, False]
            assert stats(home)["patient"] == now["patient"] - 1
            time.sleep(1.5)
            assert load.stale_after(committed_at, exists=False) == []
        assert load.failures == [], load.failures[:5]
        assert load.requests > 40 and {url for _, url, _ in load.probes} == {r.url for r in researchers}
        assert any(e for _, _, e in load.probes) and not all(e for _, _, e in load.probes)
    assert len(list((home / FOLDER).glob("*.duckdb"))) == 2, "superseded copies are deleted, the newest two kept"


def test_a_killed_ingest_publishes_nothing_and_the_servers_keep_answering_the_previous_version(node_home: Path, tmp_path: Path) -> None:
    home = node_home
    pointer = (home / FOLDER / POINTER).read_bytes()
    before = stats(home)
    with two_servers(home, tmp_path) as researchers:
        load = Load(researchers, probe=unique_variant(home, patient="HMF000003"))
        with load.running():
            big = subprocess.Popen([sys.executable, "-m", "onconode", "--home", str(home), "synth", "--patients", "400",
                                    "--seed", "9", "--variants-per-sample", "2000", "--into-store"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(4)
            big.send_signal(signal.SIGKILL)
            assert big.wait(timeout=30) == -signal.SIGKILL, "the ingest ended before it was killed: make it larger"
            time.sleep(1)
            assert (home / FOLDER / POINTER).read_bytes() == pointer
            assert [r.answered_on() for r in researchers] == [("DR-1", before["version"])] * 2
            assert stats(home) == before
        assert load.failures == [], load.failures[:5]
        assert {c for _, _, c in load.counts} == {("DR-1", before["version"])}
    onconode(home, "withdraw", "HMF000003")  # the killed writer's lock died with it
    assert stats(home)["patient"] == before["patient"] - 1
