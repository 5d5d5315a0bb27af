"""Beacon `/g_variants` position (sequence) query latency under 16 concurrent clients.

Run on demand (not a test):

    python benchmarks/beacon.py --home /work/bench/beacon-store [--duration 20] [--clients 16]
    python benchmarks/beacon.py [--patients 100]        # a small synthetic store instead

Target (issue 6): p50 <= 20 ms and p99 <= 100 ms at 100M variants, 16 concurrent clients,
load from a second process on loopback.

Set-up (not timed): the node home (`--home`: an existing store, which must hold a freeze;
else a synthetic store of `--patients` in benchmarks/work/), an onconode.toml there lifting
the query budget (the load comes from one address), and the freeze's position index
(`onconode beacon index`, built if missing or with `--rebuild-index`; its build time and
size are reported). The node runs as the operator runs it, `onconode serve` in its own
process, once per configuration in `--configs` (`workers=N`). The load generator is `wrk`
(C, one thread, keep-alive; Debian package `wrk`) with benchmarks/beacon_wrk.lua walking
a shuffled list of sequence queries (`referenceName`, `start`, `referenceBases`,
`alternateBases`): variants drawn from the freeze (hits) and the same positions shifted
by 7 bases (misses), half each. Latency is per request as wrk sees it (send to last byte).
`--baseline-src DIR` also measures another checkout's `src` (e.g. the previous commit's,
`git archive`d) in the same run. Results go to benchmarks/results/beacon.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
RESULTS = HERE / "results" / "beacon.json"
LUA = HERE / "beacon_wrk.lua"


def store_for(patients: int) -> Path:
    from onconode.store import Store
    from onconode.synth import load_cohort

    home = WORK / f"beacon-store-{patients}"
    if (home / "store.duckdb").exists():
        with Store.open(home, read_only=True) as store:
            if store.freezes():
                return home
    shutil.rmtree(home, ignore_errors=True)
    with Store.init(home) as store:
        load_cohort(store, patients=patients, seed=3, median_variants=None, workers=1)
        store.create_freeze("DR-BENCH", "beacon benchmark")
    return home


def latest_freeze(home: Path) -> tuple[str, int, int]:
    """(freeze id, store version, variants at it)."""
    from onconode.store import Store

    with Store.open(home, read_only=True) as store:
        freezes = store.freezes()
        if not freezes:
            sys.exit(f"no freeze in {home}: create one first (`onconode --home {home} freeze create DR-BENCH`)")
        version = store.resolve(freezes[-1].freeze_id)
        n = store.con.execute(f"SELECT count(*) FROM ({store.relation_sql('somatic_variant', version)})").fetchone()[0]
        return freezes[-1].freeze_id, version, int(n)


def sample_variants(home: Path, version: int, n: int) -> list[tuple[str, int, str, str]]:
    from onconode.store import Store

    with Store.open(home, read_only=True) as store:
        return store.con.execute(f"SELECT chromosome, position, ref, alt FROM ({store.relation_sql('somatic_variant', version)}) "
                                 f"USING SAMPLE {int(n)} ROWS").fetchall()


def index_for(home: Path, freeze: str, rebuild: bool) -> dict[str, Any]:
    from onconode.beacon.positions import build, index_of
    from onconode.store import Store

    with Store.open(home, read_only=True) as store:
        path = index_of(store, freeze)
        if rebuild and path is not None:
            shutil.rmtree(path)   # the registry builds a missing artifact again
            path = None
    out: dict[str, Any] = {}
    if path is None:
        t0 = time.perf_counter()
        _, path, rows = build(home, freeze)
        out["build_seconds_this_run"] = round(time.perf_counter() - t0, 1)
        out["build_load_average"] = [round(x, 2) for x in os.getloadavg()]
    meta = json.loads((path / "meta.json").read_text())
    out.update(rows=meta["rows"], bytes=sum(f.stat().st_size for f in path.iterdir()), built=meta["built"],
               build_seconds=meta.get("build_seconds"))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(home: Path, port: int, workers: int, src: Path | None) -> subprocess.Popen:
    """`onconode serve` as the operator starts it (with another checkout's src first on
    the path for a baseline)."""
    env = {**os.environ}
    cmd = [sys.executable, "-m", "onconode", "--home", str(home), "serve", "--port", str(port)]
    if src is not None:
        env["PYTHONPATH"] = str(src)
    if workers != 1 or src is None:  # serve's default is one worker per core; a baseline src may predate --workers
        cmd += ["--workers", str(workers)]
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
    for _ in range(600):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/beacon/info", timeout=2) as r:
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
        if server.poll() is not None:
            break
    server.kill()
    raise RuntimeError(f"the node did not start on port {port}")


def wrk(port: int, paths: Path, clients: int, seconds: float) -> dict[str, Any]:
    """One wrk run; its Lua `done` prints the summary as JSON on the last line (plus the
    CPU seconds wrk used, to show the load generator is not the bottleneck)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(["wrk", "-t1", f"-c{clients}", f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s", str(LUA),
                          f"http://127.0.0.1:{port}/", "--", str(paths)], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"wrk failed: {out.stderr or out.stdout}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "wrk_cpu_seconds": round(cpu, 2)}


def measure(home: Path, paths: Path, clients: int, seconds: float, workers: int, src: Path | None) -> dict[str, Any]:
    port = free_port()
    server = serve(home, port, workers, src)
    try:
        wrk(port, paths, clients, min(5.0, seconds))  # warm-up (page cache, first requests), not reported
        load0 = os.getloadavg()
        r = wrk(port, paths, clients, seconds)
    finally:
        server.terminate()
        server.wait(20)
    errors = sum(r["errors"].values())
    return {"workers": workers, "code": "baseline" if src else "this checkout", "requests": r["requests"],
            "errors": r["errors"], "requests_per_second": round(r["requests"] / (r["duration_us"] / 1e6), 1),
            "p50_ms": round(r["p50_us"] / 1000, 2), "p90_ms": round(r["p90_us"] / 1000, 2),
            "p99_ms": round(r["p99_us"] / 1000, 2), "max_ms": round(r["max_us"] / 1000, 2),
            "mean_ms": round(r["mean_us"] / 1000, 2), "wrk_cpu_seconds": r["wrk_cpu_seconds"],
            "load_average_before": [round(x, 2) for x in load0],
            "meets_target": errors == 0 and r["p50_us"] <= 20_000 and r["p99_us"] <= 100_000}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", type=Path, help="an existing node home with a freeze (e.g. a copy of the 100M-variant store)")
    ap.add_argument("--patients", type=int, default=100, help="without --home: patients of the synthetic store")
    ap.add_argument("--queries", type=int, default=20000, help="distinct queries (half hits, half misses)")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--duration", type=float, default=20.0, help="seconds of load per configuration")
    ap.add_argument("--configs", default="workers=1", help="comma-separated workers=N")
    ap.add_argument("--baseline-src", type=Path, help="also measure this src folder (one worker), e.g. the previous commit")
    ap.add_argument("--rebuild-index", action="store_true")
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("the load generator is wrk: apt-get install wrk")
    home = args.home.resolve() if args.home else store_for(args.patients)
    freeze, version, total = latest_freeze(home)
    index = index_for(home, freeze, args.rebuild_index)
    (home / "onconode.toml").write_text("[beacon.budget]\nlimit = 1000000000\nwindow_seconds = 1\n")  # settings.py: one file
    hits = sample_variants(home, version, args.queries // 2)
    queries = [f"/beacon/g_variants?referenceName={c}&start={p - 1}&referenceBases={r}&alternateBases={a}"
               for c, p, r, a in hits]
    queries += [f"/beacon/g_variants?referenceName={c}&start={p + 6}&referenceBases=N&alternateBases=T" for c, p, _, _ in hits]
    random.Random(1).shuffle(queries)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        paths = Path(tmp) / "paths.txt"
        paths.write_text("\n".join(queries) + "\n")
        if args.baseline_src:
            runs.append(measure(home, paths, args.clients, args.duration, 1, args.baseline_src.resolve()))
            print(json.dumps(runs[-1]), flush=True)
        for config in args.configs.split(","):
            runs.append(measure(home, paths, args.clients, args.duration, int(config.split("=")[1]), None))
            print(json.dumps(runs[-1]), flush=True)
    result = {
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "host": platform.node(),
        "cpus": os.cpu_count(), "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "home": str(home), "freeze": freeze, "variants": total, "position_index": index,
        "queries": len(queries), "clients": args.clients, "seconds_per_run": args.duration,
        "load_generator": "wrk -t1 (separate process, keep-alive)", "target": {"p50_ms": 20, "p99_ms": 100}, "runs": runs,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\n{'code':<14} {'workers':>7} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}  target")
    for r in runs:
        print(f"{r['code']:<14} {r['workers']:>7} {r['requests_per_second']:>8} {r['p50_ms']:>8} {r['p90_ms']:>8} "
              f"{r['p99_ms']:>8} {r['max_ms']:>8}  {'met' if r['meets_target'] else 'not met'}")
    print(f"{total:,} variants, freeze {freeze}; index {index['rows']:,} rows, {index['bytes'] / 1e9:.2f} GB")


if __name__ == "__main__":
    main()
