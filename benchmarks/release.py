"""Release build throughput next to the practical limit: a plain DuckDB `COPY … TO
parquet` of the same rows, in the same run.

Run on demand (not a test):

    python benchmarks/release.py [--store-patients 500] [--release-patients 100] [--variants-per-sample N]
    python benchmarks/release.py --store /work/bench/release-store --release-patients 1000 [--rebuild]

Set-up (not timed): a synthetic store of `--store-patients` patients (kept in
benchmarks/work/ and reused) or, with `--store`, an existing store (a COPY of the shared
5,000-patient store: the freeze is created in it if missing, so never pass the shared
one), a freeze, and a governance database with one active DAR
driven through the published procedure (the test helpers in tests/release do that; the
release's cohort is a saved cohort of whole tumour locations, chosen to reach about
`--release-patients` patients), and the freeze's variant snapshot (release.snapshot; made
by `freeze create`, timed and reported separately when this run has to make it). Timed: `onconode release build` in a subprocess (wall
time, peak RSS of the process tree as getrusage reports it for waited children), and
DuckDB copying the same tables' rows of the released samples to Parquet, with the
variants read from the store's table and, again, from the snapshot. The build runs
under /usr/bin/time -v (peak RSS of the build process); its per-stage seconds come from
the node's build log. Results go to benchmarks/results/release.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import os
import re
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "work"
RESULTS = HERE / "results" / "release.json"
sys.path.insert(0, str(ROOT))


def store_for(patients: int, variants: int | None) -> Path:
    from onconode.store import Store
    from onconode.synth import load_cohort
    from tests.release.conftest import FREEZE

    home = WORK / f"release-store-{patients}-{variants or 'default'}"
    if (home / "store.duckdb").exists():
        with Store.open(home, read_only=True) as store:
            if any(f.freeze_id == FREEZE for f in store.freezes()):
                return home
    shutil.rmtree(home, ignore_errors=True)
    with Store.init(home) as store:
        load_cohort(store, patients=patients, seed=5, median_variants=variants)
        store.create_freeze(FREEZE, "release benchmark")
    return home


def existing_store(home: Path) -> Path:
    """A copy of a big store, with the benchmark's freeze created in it if missing."""
    from onconode.store import Store
    from tests.release.conftest import FREEZE

    if not (home / "store.duckdb").exists():
        raise SystemExit(f"{home} holds no store.duckdb: copy the shared store first (cp -r /work/bench/store {home})")
    if home.resolve() == Path("/work/bench/store").resolve():
        raise SystemExit("the shared store is read-only: pass a copy (cp -r /work/bench/store /work/bench/release-store)")
    with Store.open(home) as store:
        if not any(f.freeze_id == FREEZE for f in store.freezes()):
            store.create_freeze(FREEZE, "release benchmark")
    return home


def cohort_of_about(store, n: int) -> tuple[dict, int]:
    """Whole tumour locations, largest first, each added only while the total stays
    within 5 % above `n` (the smallest location if none fits)."""
    rows = store.con.execute("SELECT primary_tumor_location, count(DISTINCT patient_id) FROM sample GROUP BY 1 ORDER BY 2 DESC, 1").fetchall()
    chosen, total = [], 0
    for loc, k in rows:
        if total >= n:
            break
        if total + k <= n * 1.05:
            chosen.append(loc)
            total += k
    if not chosen:
        loc, total = rows[-1]
        chosen = [loc]
    return {"op": "tumour_location", "locations": chosen}, total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store-patients", type=int, default=500)
    ap.add_argument("--release-patients", type=int, default=100)
    ap.add_argument("--variants-per-sample", type=int, default=None)
    ap.add_argument("--store", type=Path, default=None, help="An existing store home (a writable copy) instead of a synthetic one.")
    ap.add_argument("--note", default="", help="What code was measured (stored with the result).")
    ap.add_argument("--rebuild", action="store_true",
                    help="Build the release a second time (not timed) and compare every file's SHA-256 with the first build.")
    args = ap.parse_args()

    from onconode.analysis import saved
    from tests.access.conftest import T0
    from tests.release.conftest import FREEZE, active_dar, make_env

    store_home = existing_store(args.store) if args.store else store_for(args.store_patients, args.variants_per_sample)
    WORK.mkdir(parents=True, exist_ok=True)  # --store skips the synthetic store that used to create it
    node = Path(tempfile.mkdtemp(prefix="release-node-", dir=WORK))
    env = make_env(store_home, node)
    definition, approx = cohort_of_about(env.store, args.release_patients)
    env.store.close()
    from onconode.store import Store

    with Store.open(node) as writable:  # saved cohorts are files next to the store
        cohort_id = saved.save(writable, "benchmark cohort", definition, "benchmark", freeze=FREEZE).cohort_id
    shift = (dt.datetime.now(dt.timezone.utc) - T0).days - 30
    app_id = active_dar(env, shift_days=shift, cohort=cohort_id)
    env.gov.close()

    # The freeze's sorted variant snapshot is made when a freeze is created (one-off, not
    # release work): timed here on its own, before the build, if it is missing.
    from onconode.release import snapshot

    with Store.open(store_home, read_only=True) as ro:
        t = time.perf_counter()
        snap, snap_built = snapshot.ensure(ro, FREEZE)
        snap_s = time.perf_counter() - t
    snap_info = {"rows": snap.meta["rows"], "bytes": snap.meta["bytes"], "build_seconds": snap.meta["build_seconds"],
                 "built_in_this_run": snap_built, **({"seconds_this_run": round(snap_s, 1)} if snap_built else {})}

    load_before = os.getloadavg()
    onconode = str(Path(sys.executable).with_name("onconode"))
    t = time.perf_counter()
    run = subprocess.run(["/usr/bin/time", "-v", onconode, "--home", str(node), "release", "build", app_id],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    build_s = time.perf_counter() - t
    if run.returncode != 0:
        raise SystemExit(f"release build failed:\n{run.stderr}")
    peak_mb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr).group(1)) / 1024
    cpu_s = sum(float(re.search(rf"{k} time \(seconds\): ([\d.]+)", run.stderr).group(1)) for k in ("User", "System"))
    log = json.loads((node / "release-builds.jsonl").read_text().splitlines()[-1])
    stages = log.get("stage_seconds", {})
    stage_cpu = log.get("stage_cpu_seconds", {})
    manifest = json.loads((node / "releases" / app_id / "manifest.json").read_text())
    variants = manifest["tables"]["somatic_variant"]

    import duckdb

    con = duckdb.connect(str(store_home / "store.duckdb"), read_only=True)
    version = con.execute("SELECT version FROM store_freeze WHERE freeze_id = ?", [FREEZE]).fetchall()[0][0]
    store_patients = con.execute("SELECT count(*) FROM patient").fetchall()[0][0]
    from onconode.store.store import version_filter
    samples = [r[0] for r in con.execute("SELECT sample_id FROM sample WHERE primary_tumor_location IN (SELECT unnest(?::VARCHAR[]))",
                                         [definition["locations"]]).fetchall()]
    out = Path(tempfile.mkdtemp(prefix="copy-", dir=WORK))
    t = time.perf_counter()
    for table in manifest["tables"]:
        cols = con.execute(f"SELECT * FROM \"{table}\" LIMIT 0").description
        key = "sample_id" if any(c[0] == "sample_id" for c in cols) else "patient_id"
        ids = samples if key == "sample_id" else [r[0] for r in con.execute("SELECT DISTINCT patient_id FROM sample WHERE sample_id IN (SELECT unnest(?::VARCHAR[]))", [samples]).fetchall()]
        con.execute(f"COPY (SELECT * FROM \"{table}\" WHERE {version_filter(version)} AND {key} IN (SELECT unnest(?::VARCHAR[]))) "
                    f"TO '{out / table}.parquet' (FORMAT parquet)", [ids])
    copy_s = time.perf_counter() - t
    # The same copy with the variants read from the snapshot instead of the store's table.
    t = time.perf_counter()
    con.execute(f"COPY (SELECT * FROM read_parquet('{snap.file}') WHERE sample_id IN (SELECT unnest(?::VARCHAR[]))) "
                f"TO '{out / 'somatic_variant'}.snapshot.parquet' (FORMAT parquet)", [samples])
    copy_snap_variants_s = time.perf_counter() - t
    t = time.perf_counter()
    con.execute(f"COPY (SELECT * FROM somatic_variant WHERE {version_filter(version)} AND sample_id IN (SELECT unnest(?::VARCHAR[]))) "
                f"TO '{out / 'somatic_variant'}.table.parquet' (FORMAT parquet)", [samples])
    copy_table_variants_s = time.perf_counter() - t
    copy_snap_s = copy_s - copy_table_variants_s + copy_snap_variants_s
    con.close()
    load_after = os.getloadavg()
    shutil.rmtree(out)

    rebuild = {}
    if args.rebuild:
        again = subprocess.run([onconode, "--home", str(node), "release", "build", app_id], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
        if again.returncode != 0:
            raise SystemExit(f"release rebuild failed:\n{again.stderr}")
        second = json.loads((node / "releases" / app_id / "manifest.json").read_text())
        first_sums = {f["path"]: f["sha256"] for f in manifest["files"]}
        differ = sorted(path for path, digest in ((f["path"], f["sha256"]) for f in second["files"]) if first_sums.get(path) != digest)
        rebuild = {"rebuild_identical": not differ and len(second["files"]) == len(first_sums), "rebuild_files_differing": differ[:20]}
        print(f"rebuilt: {'identical in all' if rebuild['rebuild_identical'] else 'DIFFERENT in'} "
              f"{len(differ) or len(first_sums)} files")

    size = sum(f["bytes"] for f in manifest["files"])
    result = {
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "machine": platform.node(),
        "store_patients": store_patients, **({"store": str(args.store)} if args.store else {}), "release_patients": manifest["patients"], "release_samples": manifest["samples"],
        "variants": variants, "files": len(manifest["files"]), "release_bytes": size,
        "build_seconds": round(build_s, 2), "build_variants_per_s": round(variants / build_s), "build_peak_rss_mb": round(peak_mb), "build_cpu_seconds": round(cpu_s, 1),
        "duckdb_copy_seconds": round(copy_s, 2), "duckdb_copy_variants_per_s": round(variants / copy_s),
        "ratio_build_to_copy": round(build_s / copy_s, 1), "stage_seconds": stages, "stage_cpu_seconds": stage_cpu,
        "duckdb_copy_from_snapshot_seconds": round(copy_snap_s, 2),
        "duckdb_copy_variants_only_seconds": {"table": round(copy_table_variants_s, 2), "snapshot": round(copy_snap_variants_s, 2)},
        "ratio_build_to_copy_from_snapshot": round(build_s / copy_snap_s, 1), "variant_snapshot": snap_info,
        "load_average_before": [round(x, 2) for x in load_before], "load_average_after": [round(x, 2) for x in load_after],
        **rebuild, **({"note": args.note} if args.note else {}),
    }
    print(f"{'':28}{'release build':>16}{'DuckDB COPY':>14}")
    print(f"{'seconds':28}{result['build_seconds']:>16}{result['duckdb_copy_seconds']:>14}")
    print(f"{'variants/s':28}{result['build_variants_per_s']:>16,}{result['duckdb_copy_variants_per_s']:>14,}")
    print(f"DuckDB COPY with the variants from the freeze's snapshot: {copy_snap_s:.2f} s "
          f"(variants alone: {copy_snap_variants_s:.2f} s from the snapshot, {copy_table_variants_s:.2f} s from the table); "
          f"snapshot: {snap.meta['rows']:,} rows, {snap.meta['bytes'] / 1e9:.2f} GB, built in {snap.meta['build_seconds']} s"
          f"{' (this run)' if snap_built else ' (earlier)'}")
    print(f"release: {result['release_patients']} patients / {result['release_samples']} samples / {variants:,} variants / "
          f"{result['files']} files / {size / 1e6:.1f} MB, from a {store_patients:,}-patient store; "
          f"peak RSS {result['build_peak_rss_mb']} MB; build CPU {cpu_s:.1f} s (user + system); load {load_before[0]:.2f} -> {load_after[0]:.2f}")
    for stage, secs in stages.items():
        print(f"  {stage:40}{secs:>8.1f} s {stage_cpu.get(stage, 0.0):>8.1f} CPU s")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    runs = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    RESULTS.write_text(json.dumps(runs + [result], indent=2) + "\n")
    shutil.rmtree(node, ignore_errors=True)


if __name__ == "__main__":
    main()
