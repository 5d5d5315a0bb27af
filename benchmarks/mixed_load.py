"""The 100-client mixed load: researchers' analyses and Beacon queries at once, against
`onconode serve --workers N` for each N in `--configs`, side by side in one run.

Run on demand (not a test):

    python benchmarks/mixed_load.py [--patients 200] [--clients 100] [--duration 15] [--configs workers=1,workers=2]
    python benchmarks/mixed_load.py --home /work/bench/store     # an existing store with a freeze

Target (issue 16, measures): p99 <= 1 s with 2 workers, 0 errors.

Set-up (not timed): the store (`--home`, or a synthetic one of `--patients` in
benchmarks/work/, shared with benchmarks/beacon.py), the freeze's Beacon position index,
and a Beacon budget lifted for the run through ONCONODE_BEACON_BUDGET (all load comes from
one address; the budget is still counted, in the governance database, on every query).
The node runs as the operator runs it, `onconode serve --workers N` in its own process
group. `--clients` asyncio clients (httpx, one connection each, keep-alive) each start an
anonymous session (GET /api/analysis/caller: cookie and CSRF token), then send, until the
time is up, one request after another drawn in turn from: cohort count, cohort summary,
alteration frequency, survival (two groups, log-rank, Cox), and a Beacon /g_variants
sequence query (hits drawn from the freeze, and misses). Cohorts vary (all patients,
one tumour location, MSI high). Latency is per request as the client sees it (send to
last byte); an error is any answer other than 200, or a failed request. A warm-up of
`--warmup` seconds (not reported) comes first for each configuration: each worker warms
its analysis tables at start. Results go to benchmarks/results/mixed_load.json (with `--think T`: mixed_load_thinkTs.json). `--think T`:
each client waits a think time (exponential, mean T seconds) between an answer and its next
request, as people do; without it the clients send back to back, a saturation test.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import resource
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from beacon import free_port, index_for, latest_freeze, sample_variants, serve, store_for

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "mixed_load.json"
KINDS = ("count", "summary", "frequency", "survival", "beacon")
LOCATION = {loc: {"op": "tumour_location", "locations": [loc]} for loc in ("Colorectum", "Lung", "Breast")}
COHORTS = ({"op": "all"}, LOCATION["Colorectum"], {"op": "msi", "status": ["MSI"]}, LOCATION["Lung"], LOCATION["Breast"])
SURVIVAL_GROUPS = ({"colorectum": LOCATION["Colorectum"], "lung": LOCATION["Lung"]},
                   {"msi": {"op": "msi", "status": ["MSI"]}, "mss": {"op": "msi", "status": ["MSS"]}},
                   {"breast": LOCATION["Breast"], "others": {"op": "all"}})
GENES = (["TP53", "KRAS"], ["APC", "KRAS", "TP53", "PIK3CA"], ["BRAF", "EGFR"])


def request_for(kind: str, i: int, beacon_paths: list[str]) -> tuple[str, str, dict[str, Any] | None]:
    """(method, path, JSON body) of the i-th request of a kind."""
    cohort = COHORTS[i % len(COHORTS)]
    if kind == "count":
        return "POST", "/api/analysis/count", {"cohort": cohort}
    if kind == "summary":
        return "POST", "/api/analysis/summary", {"cohort": cohort}
    if kind == "frequency":
        return "POST", "/api/analysis/frequency", {"cohort": cohort, "genes": GENES[i % len(GENES)]}
    if kind == "survival":
        groups = SURVIVAL_GROUPS[i % len(SURVIVAL_GROUPS)]
        return "POST", "/api/analysis/survival", {"groups": {name: {"cohort": c} for name, c in groups.items()},
                                                  "cox_covariates": ["age"]}
    return "GET", beacon_paths[i % len(beacon_paths)], None


async def open_session(base: str) -> dict[str, str]:
    """An anonymous researcher's session: its cookie and CSRF token, as request headers."""
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        r = await http.get("/api/analysis/caller")
        r.raise_for_status()
        cookie = next(h.split(";", 1)[0] for h in r.headers.get_list("set-cookie") if h.startswith("onconode_session="))
        return {"cookie": cookie, "x-csrf-token": r.json()["csrf"]}


async def client(base: str, headers: dict[str, str], seed: int, until: float, beacon_paths: list[str],
                 out: list[tuple[str, float, int | str]], think: float = 0.0) -> None:
    """One researcher's client: its own connection and session, requests back to back, or
    after a think time drawn from an exponential distribution of mean `think` seconds."""
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=httpx.Limits(max_connections=1)) as http:
        k = rng.randrange(len(KINDS))
        if think:   # people arrive at their own moments: a first think time, not 100 requests in the same millisecond
            await asyncio.sleep(rng.expovariate(1 / think))
        while time.monotonic() < until:
            kind = KINDS[k % len(KINDS)]
            method, path, body = request_for(kind, rng.randrange(1 << 30), beacon_paths)
            t0 = time.perf_counter()
            try:
                status = (await http.request(method, path, json=body, headers=headers)).status_code
            except httpx.HTTPError as exc:
                status = f"no answer: {type(exc).__name__}"  # timeout, connection refused or reset
            out.append((kind, time.perf_counter() - t0, status))
            k += 1
            if think:
                await asyncio.sleep(min(rng.expovariate(1 / think), max(0.0, until - time.monotonic())))


async def load(base: str, sessions: list[dict[str, str]], seconds: float, beacon_paths: list[str],
               think: float = 0.0) -> list[tuple[str, float, int | str]]:
    out: list[tuple[str, float, int | str]] = []
    until = time.monotonic() + seconds
    await asyncio.gather(*(client(base, headers, i, until, beacon_paths, out, think) for i, headers in enumerate(sessions)))
    return out


async def open_sessions(base: str, clients: int) -> list[dict[str, str]]:
    return list(await asyncio.gather(*(open_session(base) for _ in range(clients))))


def figures(samples: list[tuple[str, float, int | str]], seconds: float) -> dict[str, Any]:
    ms = np.array([s[1] for s in samples]) * 1000
    failed = [s[2] for s in samples if s[2] != 200]
    return {"requests": len(samples), "errors": len(failed),
            "errors_by_status": {str(code): failed.count(code) for code in sorted(set(failed), key=str)},
            "requests_per_second": round(len(samples) / seconds, 1),
            "p50_ms": round(float(np.percentile(ms, 50)), 1), "p99_ms": round(float(np.percentile(ms, 99)), 1),
            "max_ms": round(float(ms.max()), 1)} if samples else {"requests": 0}


def worker_rss_mb(pid: int, workers: int) -> list[float]:
    """Resident memory of each process answering requests, after the load (from /proc): the
    one server process, or uvicorn's worker processes under its supervisor. Pages shared
    between workers (memory-mapped store files, the interpreter) are counted in each."""
    def children(p: int) -> list[int]:
        try:
            return [int(c) for t in Path(f"/proc/{p}/task").iterdir() for c in (t / "children").read_text().split()]
        except OSError:
            return []

    def rss(p: int) -> float:
        status = Path(f"/proc/{p}/status").read_text()
        return round(int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))) / 1024, 1)

    answering = [pid] if workers == 1 else [c for c in children(pid) if b"resource_tracker" not in Path(f"/proc/{c}/cmdline").read_bytes()]
    return [rss(p) for p in answering if Path(f"/proc/{p}").exists()]


def measure(home: Path, workers: int, clients: int, seconds: float, warmup: float, beacon_paths: list[str],
            think: float = 0.0) -> dict[str, Any]:
    port = free_port()
    server = serve(home, port, workers, None)
    base = f"http://127.0.0.1:{port}"
    try:
        sessions = asyncio.run(open_sessions(base, clients))
        asyncio.run(load(base, sessions, warmup, beacon_paths, think))
        before, load0 = resource.getrusage(resource.RUSAGE_SELF), os.getloadavg()
        samples = asyncio.run(load(base, sessions, seconds, beacon_paths, think))
        after = resource.getrusage(resource.RUSAGE_SELF)
        rss = worker_rss_mb(server.pid, workers)
    finally:
        server.terminate()
        server.wait(30)
    return {"workers": workers, **figures(samples, seconds), "worker_rss_mb": rss,
            "by_kind": {k: figures([s for s in samples if s[0] == k], seconds) for k in KINDS},
            "load_generator_cpu_seconds": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
            "load_average_before": [round(x, 2) for x in load0],
            "meets_target": bool(samples and all(s[2] == 200 for s in samples) and np.percentile([s[1] for s in samples], 99) <= 1.0)}


def patients_in(home: Path, version: int) -> int:
    from onconode.store import Store

    with Store.open(home, read_only=True) as store:
        return int(store.con.execute(f"SELECT count(*) FROM ({store.relation_sql('patient', version)})").fetchone()[0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--home", type=Path, help="an existing node home with a freeze")
    ap.add_argument("--patients", type=int, default=200, help="without --home: patients of the synthetic store")
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--duration", type=float, default=10.0, help="seconds of measured load per configuration")
    ap.add_argument("--warmup", type=float, default=10.0, help="seconds of load before measuring (not reported)")
    ap.add_argument("--think", type=float, default=0.0,
                    help="mean seconds a client waits between an answer and its next request (exponential); 0: back to back")
    ap.add_argument("--configs", default="workers=1,workers=2", help="comma-separated workers=N")
    args = ap.parse_args()
    home = args.home.resolve() if args.home else store_for(args.patients)
    freeze, version, variants = latest_freeze(home)
    index = index_for(home, freeze, False)
    hits = sample_variants(home, version, 500)
    beacon_paths = [f"/beacon/g_variants?referenceName={c}&start={p - 1}&referenceBases={r}&alternateBases={a}" for c, p, r, a in hits]
    beacon_paths += [f"/beacon/g_variants?referenceName={c}&start={p + 6}&referenceBases=N&alternateBases=T" for c, p, _, _ in hits]
    random.Random(1).shuffle(beacon_paths)
    os.environ["ONCONODE_BEACON_BUDGET"] = json.dumps({"limit": 1_000_000_000, "window_seconds": 1})  # inherited by serve
    runs = []
    for config in args.configs.split(","):
        runs.append(measure(home, int(config.split("=")[1]), args.clients, args.duration, args.warmup, beacon_paths, args.think))
        print(json.dumps({k: v for k, v in runs[-1].items() if k != "by_kind"}), flush=True)
    results = RESULTS if not args.think else RESULTS.with_name(f"mixed_load_think{args.think:g}s.json")
    previous = None
    if results.exists():
        previous = json.loads(results.read_text()).get("runs")
    result = {
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "host": platform.node(),
        "cpus": len(os.sched_getaffinity(0)), "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "home": str(home), "freeze": freeze, "patients": patients_in(home, version), "variants": variants,
        "position_index_rows": index["rows"], "clients": args.clients, "seconds_per_run": args.duration, "think_seconds_mean": args.think,
        "warmup_seconds": args.warmup, "mix": list(KINDS), "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "load_generator": "httpx asyncio in this process, one keep-alive connection per client",
        "target": {"p99_ms_with_2_workers": 1000, "errors": 0}, "runs": runs, "previous_runs": previous,
    }
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\n{result['patients']} patients, {variants:,} variants, freeze {freeze}; {args.clients} clients, "
          f"{'back to back' if not args.think else f'think time {args.think:g} s'}, {args.duration:.0f} s per run")
    print(f"{'workers':>7} {'requests':>9} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>7}")
    for r in runs:
        print(f"{r['workers']:>7} {r['requests']:>9} {r['requests_per_second']:>7} {r['p50_ms']:>8} {r['p99_ms']:>8} "
              f"{r['max_ms']:>8} {r['errors']:>7}   RSS per worker (MB): {', '.join(map(str, r['worker_rss_mb']))}")
        for kind, f in r["by_kind"].items():
            if f["requests"]:
                print(f"{'':>7}   {kind:<10} {f['requests']:>6} p50 {f['p50_ms']:>7} p99 {f['p99_ms']:>7} errors {f['errors']}")


if __name__ == "__main__":
    main()
