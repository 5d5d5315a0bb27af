"""Beacon `/g_variants` position (sequence) query latency under 16 concurrent clients.

Run on demand (not a test):

    python benchmarks/beacon.py [--patients 200] [--requests 1600] [--clients 16]

Set-up (not timed): a synthetic store of `--patients` patients (kept in benchmarks/work/
and reused) with a freeze, a beacon.toml lifting the query budget (the load comes from
one address) and the freeze's position index (`onconode beacon index`; `--no-index` to
measure the store alone). The node server runs in its own process (uvicorn, one worker, as
`onconode serve` does); this process is the load generator: `--clients` concurrent httpx
clients on loopback, each sending sequence queries (`referenceName`, `start`,
`referenceBases`, `alternateBases`) for variants drawn from the store (hits) and for
shifted positions (misses), half each. Latency is wall time per request as the client
sees it. Results go to benchmarks/results/beacon.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
RESULTS = HERE / "results" / "beacon.json"
SERVER = """
import sys, uvicorn
from pathlib import Path
from onconode.web.app import create_app
from onconode.web.node import Node
uvicorn.run(create_app(Node(Path(sys.argv[1]))), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


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


def sample_variants(home: Path, n: int) -> tuple[int, list[tuple[str, int, str, str]]]:
    import duckdb

    con = duckdb.connect(str(home / "store.duckdb"), read_only=True)
    total = con.execute("SELECT count(*) FROM somatic_variant").fetchone()[0]
    rows = con.execute(f"SELECT chromosome, position, ref, alt FROM somatic_variant USING SAMPLE {int(n)} ROWS").fetchall()
    con.close()
    return int(total), rows


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def load(base: str, queries: list[dict[str, str]], clients: int) -> list[float]:
    latencies: list[float] = []
    todo = list(queries)

    async def worker(client: httpx.AsyncClient) -> None:
        while todo:
            params = todo.pop()
            t0 = time.perf_counter()
            r = await client.get(f"{base}/g_variants", params=params)
            latencies.append(time.perf_counter() - t0)
            if r.status_code != 200:
                raise RuntimeError(f"{r.status_code}: {r.text[:300]}")

    async with httpx.AsyncClient(timeout=60) as client:
        await asyncio.gather(*(worker(client) for _ in range(clients)))
    return latencies


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=200)
    ap.add_argument("--requests", type=int, default=1600)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--no-index", action="store_true", help="answer from the store, without the position index")
    args = ap.parse_args()
    home = store_for(args.patients)
    from onconode.beacon.positions import build, index_path

    freeze = "DR-BENCH"
    if args.no_index:
        index_path(home, freeze).unlink(missing_ok=True)
    elif not index_path(home, freeze).exists():
        build(home, freeze)
    (home / "beacon.toml").write_text("[budget]\nlimit = 100000000\nwindow_seconds = 1\n")
    total, hits = sample_variants(home, args.requests // 2)
    rng = random.Random(1)
    queries = [{"referenceName": c, "start": str(p - 1), "referenceBases": r, "alternateBases": a} for c, p, r, a in hits]
    queries += [{"referenceName": c, "start": str(p + 7), "referenceBases": "N", "alternateBases": "T"} for c, p, _, _ in hits]
    rng.shuffle(queries)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(home), str(port)], env={**os.environ})
    base = f"http://127.0.0.1:{port}/beacon"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/info", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        asyncio.run(load(base, queries[:50], 4))  # warm-up, not reported
        t0 = time.perf_counter()
        lat = asyncio.run(load(base, queries, args.clients))
        wall = time.perf_counter() - t0
    finally:
        server.terminate()
        server.wait(10)
    lat.sort()
    q = statistics.quantiles(lat, n=100)
    result = {
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "host": platform.node(),
        "cpus": os.cpu_count(), "load_average": os.getloadavg(), "patients": args.patients, "variants": total,
        "requests": len(lat), "clients": args.clients, "position_index": not args.no_index, "wall_seconds": round(wall, 2),
        "requests_per_second": round(len(lat) / wall, 1),
        "p50_ms": round(q[49] * 1000, 1), "p99_ms": round(q[98] * 1000, 1), "max_ms": round(lat[-1] * 1000, 1),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
