"""Memory of a node at Hartwig scale (issue 16, item 6): each server worker after warm-up
(target <= 600 MB), `onconode export-parquet` (<= 2 GB), a release build (<= 4 GB) and the
Beacon position index build, all on one node home.

Run on demand (not a test), on a node home with a freeze that no command is writing:

    python benchmarks/memory_at_scale.py --home /work/big/node [--release-patients 1000[,5000]]
        [--scratch DIR] [--clients 4] [--rounds 3] [--skip serve,export,release,index] [--label NAME]

Every figure is measured on real processes, as the operator starts them:

- Beacon index: `onconode beacon index --freeze F` (the freeze's index is deleted first, so
  it is built in this run).
- Server workers: `onconode serve --workers 2 --job-workers 0`; `--clients` threads, each
  with its own anonymous session, send `--rounds` rounds of every portal question (cohort
  count, summary, alteration frequency with and without a gene list, OncoPrint, survival
  with log-rank and Cox, group comparison, Beacon /g_variants hits and misses, and the
  pages /, /catalogue, /cohorts, /access, /register, /api/catalogue). Then, per worker
  process, from /proc/<pid>/smaps_rollup: RSS, PSS and USS (Private_Clean + Private_Dirty).
  PSS divides every shared page by the number of processes mapping it, so pages two
  workers share — the interpreter's libraries, memory-mapped Parquet / index files in the
  page cache — are counted once across the workers (each worker's PSS is its share); RSS
  counts them in each. The sum of the workers' PSS is what the two workers cost together.
- Export: `onconode export-parquet DEST` (DEST in `--scratch`, deleted after).
- Release: a node home beside the store (its governance database, one active DAR per
  `--release-patients` size driven through the published procedure by the tests/release
  helpers, a saved cohort of whole tumour locations of about that many patients), then
  `onconode release build APP` (the release in `--scratch`, deleted after).

For each command: the peak of the process tree's summed RSS and PSS, sampled from /proc
every 0.2 s, and the kernel's peak RSS of the largest single process (wait4's ru_maxrss,
exact, not sampled). Results are appended to benchmarks/results/memory_at_scale.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results" / "memory_at_scale.json"
TARGET_MB = {"server_worker": 600, "export_parquet": 2048, "release_build": 4096}
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from beacon import free_port, latest_freeze, sample_variants  # noqa: E402  (benchmarks/ on the path above)

MB = 1024


# -- /proc ------------------------------------------------------------------------------
def children(pid: int) -> list[int]:
    try:
        return [int(c) for t in Path(f"/proc/{pid}/task").iterdir() for c in (t / "children").read_text().split()]
    except OSError:
        return []


def tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children(p))
    return out


def rollup(pid: int) -> dict[str, float]:
    """/proc/<pid>/smaps_rollup in MB (empty if the process is gone)."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return {}
    kb = {line.split(":")[0]: int(line.split()[1]) for line in text.splitlines()[1:] if line.split()[-1] == "kB"}
    return {"rss_mb": round(kb["Rss"] / MB, 1), "pss_mb": round(kb["Pss"] / MB, 1),
            "uss_mb": round((kb["Private_Clean"] + kb["Private_Dirty"]) / MB, 1),
            "pss_anon_mb": round(kb.get("Pss_Anon", 0) / MB, 1), "pss_file_mb": round(kb.get("Pss_File", 0) / MB, 1),
            "shared_mb": round((kb["Shared_Clean"] + kb["Shared_Dirty"]) / MB, 1)}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 1)


class TreePeak(threading.Thread):
    """Samples the summed RSS and PSS of a process and its descendants every `every` s."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.rss_mb = self.pss_mb = 0.0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            r = [rollup(p) for p in tree(self.pid)]
            self.rss_mb = max(self.rss_mb, sum(x.get("rss_mb", 0) for x in r))
            self.pss_mb = max(self.pss_mb, sum(x.get("pss_mb", 0) for x in r))
            self.done.wait(self.every)


def measured(cmd: list[str], log: Path) -> dict[str, Any]:
    """Run `cmd` to the end; its wall seconds and peak memory (see the module docstring)."""
    t0 = time.perf_counter()
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        sampler = TreePeak(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        sampler.done.set()
        sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{log.read_text()[-3000:]}")
    return {"command": " ".join(Path(c).name if i == 0 else c for i, c in enumerate(cmd)),
            "wall_seconds": round(time.perf_counter() - t0, 1),
            "peak_rss_mb": round(usage.ru_maxrss / MB), "peak_tree_rss_mb_sampled": round(sampler.rss_mb),
            "peak_tree_pss_mb_sampled": round(sampler.pss_mb), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1)}


def onconode(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "onconode", "--home", str(home), *args]


# -- the four measurements ----------------------------------------------------------------
def beacon_index(home: Path, freeze: str, scratch: Path) -> dict[str, Any]:
    from onconode.beacon.positions import NAME
    from onconode.store import Store, derived

    with Store.open(home, read_only=True) as store:
        old = derived.find(store, NAME, store.resolve(freeze))
    if old is not None:
        shutil.rmtree(old)   # the registry builds a missing artifact again
    result = measured(onconode(home, "beacon", "index", "--freeze", freeze), scratch / "beacon-index.log")
    with Store.open(home, read_only=True) as store:
        meta = json.loads((derived.find(store, NAME, store.resolve(freeze)) / "meta.json").read_text())
    return {**result, "index_rows": meta["rows"]}


def _requests(freeze: str, hits: list[tuple[str, int, str, str]]) -> list[tuple[str, str, dict | None]]:
    """One round of every portal question."""
    loc = {n: {"op": "tumour_location", "locations": [n]} for n in ("Colorectum", "Lung", "Breast")}
    cohorts = [{"op": "all"}, loc["Colorectum"], {"op": "msi", "status": ["MSI"]}]
    out: list[tuple[str, str, dict | None]] = []
    for c in cohorts:
        out += [("POST", "/api/analysis/count", {"cohort": c}), ("POST", "/api/analysis/summary", {"cohort": c}),
                ("POST", "/api/analysis/frequency", {"cohort": c}),
                ("POST", "/api/analysis/frequency", {"cohort": c, "genes": ["TP53", "KRAS", "APC", "PIK3CA"]}),
                ("POST", "/api/analysis/oncoprint", {"cohort": c, "genes": ["TP53", "KRAS", "APC", "PIK3CA", "BRAF"]})]
    out += [("POST", "/api/analysis/count", {"cohort": loc["Lung"], "freeze": freeze}),
            ("POST", "/api/analysis/survival", {"groups": {"colorectum": {"cohort": loc["Colorectum"]},
                                                           "lung": {"cohort": loc["Lung"]}}, "cox_covariates": ["age"]}),
            ("POST", "/api/analysis/survival", {"groups": {"msi": {"cohort": {"op": "msi", "status": ["MSI"]}},
                                                           "mss": {"cohort": {"op": "msi", "status": ["MSS"]}}}}),
            ("POST", "/api/analysis/compare", {"groups": {"breast": {"cohort": loc["Breast"]},
                                                          "lung": {"cohort": loc["Lung"]}}})]
    for c, p, r, a in hits:
        out += [("GET", f"/beacon/g_variants?referenceName={c}&start={p - 1}&referenceBases={r}&alternateBases={a}", None),
                ("GET", f"/beacon/g_variants?referenceName={c}&start={p + 6}&referenceBases=N&alternateBases=T", None)]
    out += [("GET", p, None) for p in ("/", "/catalogue", "/cohorts", "/access", "/register", "/api/catalogue", "/beacon/info")]
    return out


def _client(base: str, round_: list[tuple[str, str, dict | None]], rounds: int) -> list[tuple[str, int, str]]:
    """One researcher: an anonymous session, then `rounds` rounds; (path, status, the
    answering worker's pid) per request."""
    out = []
    with httpx.Client(base_url=base, timeout=600) as http:
        r = http.get("/api/analysis/caller")
        cookie = next(h.split(";", 1)[0] for h in r.headers.get_list("set-cookie") if h.startswith("onconode_session="))
        headers = {"cookie": cookie, "x-csrf-token": r.json()["csrf"]}   # the cookie is Secure: sent by hand on http
        for _ in range(rounds):
            for method, path, body in round_:
                try:
                    r = http.request(method, path, json=body, headers=headers)
                    status, worker = r.status_code, r.headers.get("x-onconode-worker", "")
                except httpx.HTTPError:
                    status, worker = 0, ""
                out.append((path.split("?")[0], status, worker))
    return out


def server_workers(home: Path, freeze: str, version: int, clients: int, rounds: int) -> dict[str, Any]:
    port = free_port()
    env = {**os.environ, "ONCONODE_BEACON_BUDGET": json.dumps({"limit": 1_000_000_000, "window_seconds": 1})}
    server = subprocess.Popen(onconode(home, "serve", "--port", str(port), "--workers", "2", "--job-workers", "0"),
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(900):
            try:
                with urllib.request.urlopen(f"{base}/beacon/info", timeout=2):
                    break
            except OSError:
                if server.poll() is not None:
                    raise SystemExit("onconode serve exited at start")
                time.sleep(0.2)
        time.sleep(2)   # both workers listening
        workers = [c for c in children(server.pid) if b"resource_tracker" not in Path(f"/proc/{c}/cmdline").read_bytes()]
        idle = {str(p): rollup(p) for p in workers}
        round_ = _requests(freeze, sample_variants(home, version, 20))
        t0 = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            answers = [a for part in pool.map(lambda _: _client(base, round_, rounds), range(clients)) for a in part]
        warm_s = time.perf_counter() - t0
        after = {str(p): {**rollup(p), "cpu_seconds": cpu_seconds(p)} for p in workers}
    finally:
        os.killpg(server.pid, 15)
        server.wait(60)
    failed = [a[:2] for a in answers if a[1] != 200]
    served = {str(p): sum(a[2] == str(p) for a in answers) for p in workers}
    return {"workers": len(workers), "clients": clients, "rounds": rounds, "requests": len(answers),
            "requests_failed": len(failed), "first_failures": failed[:10],
            "requests_per_worker": served, "warm_up_seconds": round(warm_s, 1),
            "at_start": idle, "after_warm_up": after,
            "max_worker_rss_mb": max(w["rss_mb"] for w in after.values()),
            "max_worker_pss_mb": max(w["pss_mb"] for w in after.values()),
            "sum_worker_pss_mb": round(sum(w["pss_mb"] for w in after.values()), 1)}


def export_parquet(home: Path, scratch: Path) -> dict[str, Any]:
    dest = scratch / "export"
    try:
        result = measured(onconode(home, "export-parquet", str(dest)), scratch / "export.log")
        manifest = json.loads((dest / "manifest.json").read_text())
    finally:
        shutil.rmtree(dest, ignore_errors=True)
    return {**result, "rows": sum(t["rows"] for t in manifest["tables"].values())}


def releases(home: Path, freeze: str, sizes: list[int], scratch: Path) -> list[dict[str, Any]]:
    from release import cohort_of_about

    from onconode.analysis import saved
    from onconode.store import Store
    from tests.access.conftest import T0
    from tests.release.conftest import FREEZE, active_dar, make_env

    if freeze != FREEZE:
        raise SystemExit(f"the release helpers ask for freeze {FREEZE}; create it: onconode --home {home} freeze create {FREEZE}")
    out = []
    node = scratch / "release-node"
    shutil.rmtree(node, ignore_errors=True)
    env = make_env(home, node)
    (node / "derived").symlink_to(home / "derived")   # the freeze's variant snapshot, made by `freeze create`
    shift = (dt.datetime.now(dt.timezone.utc) - T0).days - 30
    try:
        for i, size in enumerate(sizes):
            definition, _ = cohort_of_about(env.store, size)
            env.store.close()
            with Store.open(node) as writable:   # saved cohorts are files next to the store
                cohort_id = saved.save(writable, f"memory benchmark {size}", definition, "benchmark", freeze=FREEZE).cohort_id
            env.store = Store.open(node, read_only=True)
            app_id = active_dar(env, shift_days=shift + 400 * i, cohort=cohort_id)
            result = measured(onconode(node, "release", "build", app_id), scratch / f"release-{size}.log")
            manifest = json.loads((node / "releases" / app_id / "manifest.json").read_text())
            out.append({**result, "asked_patients": size, "patients": manifest["patients"], "samples": manifest["samples"],
                        "variants": manifest["tables"]["somatic_variant"],
                        "release_bytes": sum(f["bytes"] for f in manifest["files"])})
            shutil.rmtree(node / "releases" / app_id, ignore_errors=True)
            print(json.dumps(out[-1]), flush=True)
    finally:
        env.store.close()
        env.gov.close()
        shutil.rmtree(node, ignore_errors=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--home", type=Path, required=True, help="a node home with a freeze (DR-2026-01 for the release)")
    ap.add_argument("--release-patients", default="1000", help="comma-separated release sizes (patients)")
    ap.add_argument("--scratch", type=Path, help="where exports and releases are written (default: beside --home)")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--skip", default="", help="comma-separated: index, serve, export, release")
    ap.add_argument("--label", default="")
    args = ap.parse_args()
    home = args.home.resolve()
    skip = set(filter(None, args.skip.split(",")))
    scratch = Path(tempfile.mkdtemp(prefix="memory-bench-", dir=args.scratch or home.parent))
    freeze, version, variants = latest_freeze(home)
    from onconode.store import Store

    with Store.open(home, read_only=True) as store:
        patients = int(store.con.execute(f"SELECT count(*) FROM ({store.relation_sql('patient', version)})").fetchone()[0])
    result: dict[str, Any] = {"when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "host": platform.node(),
                              "cpus": os.cpu_count(), "ram_gb": round(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 1024 ** 3, 1),
                              "home": str(home), "freeze": freeze, "patients": patients, "variants": variants,
                              "label": args.label, "target_mb": TARGET_MB, "load_average_before": list(os.getloadavg())}
    try:
        if "index" not in skip:
            result["beacon_index"] = beacon_index(home, freeze, scratch)
            print("beacon index", json.dumps(result["beacon_index"]), flush=True)
        if "serve" not in skip:
            result["serve"] = server_workers(home, freeze, version, args.clients, args.rounds)
            print("serve", json.dumps(result["serve"]), flush=True)
        if "export" not in skip:
            result["export_parquet"] = export_parquet(home, scratch)
            print("export-parquet", json.dumps(result["export_parquet"]), flush=True)
        if "release" not in skip:
            result["release_build"] = releases(home, freeze, [int(n) for n in args.release_patients.split(",")], scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        result["load_average_after"] = list(os.getloadavg())
        history = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(history + [result], indent=2) + "\n")
    print(f"\n{patients:,} patients, {variants:,} variants, freeze {freeze}")
    if "beacon_index" in result:
        b = result["beacon_index"]
        print(f"beacon index       {b['wall_seconds']:>7} s  peak RSS {b['peak_rss_mb']:>6} MB  (tree {b['peak_tree_rss_mb_sampled']} MB)")
    if "serve" in result:
        for pid, w in result["serve"]["after_warm_up"].items():
            print(f"server worker {pid:>7}  RSS {w['rss_mb']:>7} MB  PSS {w['pss_mb']:>7} MB  USS {w['uss_mb']:>7} MB  "
                  f"(target {TARGET_MB['server_worker']} MB)")
    if "export_parquet" in result:
        e = result["export_parquet"]
        print(f"export-parquet     {e['wall_seconds']:>7} s  peak RSS {e['peak_rss_mb']:>6} MB  (tree {e['peak_tree_rss_mb_sampled']} MB; "
              f"target {TARGET_MB['export_parquet']} MB)")
    for r in result.get("release_build", []):
        print(f"release {r['patients']:>5} pts  {r['wall_seconds']:>7} s  peak RSS {r['peak_rss_mb']:>6} MB  "
              f"(tree {r['peak_tree_rss_mb_sampled']} MB; target {TARGET_MB['release_build']} MB)")


if __name__ == "__main__":
    main()
