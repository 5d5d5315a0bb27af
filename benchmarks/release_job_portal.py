"""The portal's pages while a release builds in a job, side by side with the same pages
on an idle node (issue 16's measure: "while a 1,000-patient release builds in a job, the
portal's pages answer at their usual p99").

Run on demand (not a test):

    python benchmarks/release_job_portal.py [--store-patients 1500] [--release-patients 1000] [--clients 4]
    python benchmarks/release_job_portal.py --store-patients 60 --release-patients 30 --requests 60   # a small run

Set-up (not timed): the synthetic store of benchmarks/release.py (kept in benchmarks/work/
and reused), a node home on it with one active DAR whose saved cohort has about
`--release-patients` patients (the test helpers of tests/release drive the published
procedure), and its release build queued as a job. Then `onconode serve --job-workers 0`
(the portal, no worker yet) and `--clients` threads requesting the public pages (/,
/catalogue, /cohorts, /access, /register) in turn:

1. idle: `--requests` requests with no job running: the usual latencies;
2. building: `onconode worker` is started and the same load runs from the moment the build
   job is running until it is done (at least `--requests` requests).

Printed: p50 / p99 / max and errors per phase, the build's wall time; appended to
benchmarks/results/release_job_portal.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "work"
RESULTS = HERE / "results" / "release_job_portal.json"
PAGES = ("/", "/catalogue", "/cohorts", "/access", "/register")
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))


def _node(store_patients: int, release_patients: int) -> tuple[Path, str, int]:
    """A node home with an active DAR and its build queued (not running: no worker yet)."""
    from release import cohort_of_about, store_for

    from onconode.analysis import saved
    from onconode.db import jobs
    from onconode.release.jobs import enqueue_build
    from onconode.store import Store
    from tests.access.conftest import T0
    from tests.release.conftest import FREEZE, active_dar, make_env

    store_home = store_for(store_patients, None)
    WORK.mkdir(parents=True, exist_ok=True)
    node = Path(tempfile.mkdtemp(prefix="release-job-node-", dir=WORK))
    env = make_env(store_home, node)
    definition, _ = cohort_of_about(env.store, release_patients)
    env.store.close()
    with Store.open(node) as writable:
        cohort_id = saved.save(writable, "benchmark cohort", definition, "benchmark", freeze=FREEZE).cohort_id
    shift = (dt.datetime.now(dt.timezone.utc) - T0).days - 30
    app_id = active_dar(env, shift_days=shift, cohort=cohort_id)
    job = enqueue_build(env.gov.engine, app_id, dt.datetime.now(dt.timezone.utc), built_by="benchmark")
    assert jobs.get(env.gov.engine, job).state == jobs.QUEUED
    env.gov.close()
    return node, app_id, job


def _load(base: str, clients: int, keep_going, at_least: int) -> tuple[list[float], int]:
    """`clients` threads requesting PAGES in turn until `keep_going()` is false and at least
    `at_least` requests were made; returns (seconds per answered request, errors)."""
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()
    count = [0]

    def client(i: int) -> None:
        n = i
        while True:
            with lock:
                if count[0] >= at_least and not keep_going():
                    return
                count[0] += 1
            url = base + PAGES[n % len(PAGES)]
            n += 1
            t = time.perf_counter()
            try:
                with urllib.request.urlopen(url, timeout=30) as r:
                    r.read()
                    ok = r.status == 200
            except OSError:
                ok = False
            with lock:
                if ok:
                    times.append(time.perf_counter() - t)
                else:
                    errors[0] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, errors[0]


def _summary(times: list[float], errors: int) -> dict[str, float]:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))] if ordered else float("nan")
    return {"requests": len(times) + errors, "errors": errors, "p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p99_ms": round(p99 * 1000, 1), "max_ms": round(ordered[-1] * 1000, 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store-patients", type=int, default=1500)
    ap.add_argument("--release-patients", type=int, default=1000)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--requests", type=int, default=400, help="Requests of the idle phase (and at least as many while building).")
    ap.add_argument("--note", default="")
    args = ap.parse_args()

    from onconode.access import open_governance
    from onconode.db import jobs

    node, app_id, job = _node(args.store_patients, args.release_patients)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    onconode = [sys.executable, "-m", "onconode", "--home", str(node)]
    server = subprocess.Popen([*onconode, "serve", "--port", str(port), "--job-workers", "0"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = None
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the portal did not start")
                time.sleep(0.3)
        _load(base, args.clients, lambda: False, len(PAGES) * args.clients)  # warm-up, not counted
        idle = _summary(*_load(base, args.clients, lambda: False, args.requests))

        with open_governance(node) as gov:
            worker = subprocess.Popen([*onconode, "worker"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            while jobs.get(gov.engine, job).state == jobs.QUEUED:
                time.sleep(0.05)
            started = time.perf_counter()
            building_now = lambda: jobs.get(gov.engine, job).state == jobs.RUNNING  # noqa: E731
            during = _summary(*_load(base, args.clients, building_now, args.requests))
            while (state := jobs.get(gov.engine, job)).state == jobs.RUNNING:
                time.sleep(0.2)
            build_s = time.perf_counter() - started
            if state.state != jobs.DONE:
                raise SystemExit(f"the build job ended {state.state}: {state.error}")
            manifest = json.loads((node / "releases" / app_id / "manifest.json").read_text())
    finally:
        for p in (worker, server):
            if p is not None:
                p.terminate()
                p.wait(30)

    print(f"release: {manifest['patients']} patients, {manifest['tables'].get('somatic_variant', 0):,} variants; "
          f"built by the job worker in {build_s:.1f} s; {args.clients} clients on {', '.join(PAGES)}")
    print(f"{'':22}{'requests':>10}{'errors':>8}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for name, r in (("idle portal", idle), ("while building", during)):
        print(f"{name:22}{r['requests']:>10}{r['errors']:>8}{r['p50_ms']:>10}{r['p99_ms']:>10}{r['max_ms']:>10}")
    result = {"when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "machine": platform.node(),
              "cores": os.cpu_count(), "store_patients": args.store_patients, "release_patients": manifest["patients"],
              "variants": manifest["tables"].get("somatic_variant", 0), "clients": args.clients, "pages": PAGES,
              "build_seconds": round(build_s, 1), "idle": idle, "while_building": during, "note": args.note}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    runs = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    RESULTS.write_text(json.dumps(runs + [result], indent=2) + "\n")


if __name__ == "__main__":
    main()
