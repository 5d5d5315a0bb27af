"""Release build throughput next to the practical limit: a plain DuckDB `COPY … TO
parquet` of the same rows, in the same run.

Run on demand (not a test):

    python benchmarks/release.py [--store-patients 500] [--release-patients 100] [--variants-per-sample N]

Set-up (not timed): a synthetic store of `--store-patients` patients (kept in
benchmarks/work/ and reused), a freeze, and a governance database with one active DAR
driven through the published procedure (the test helpers in tests/release do that; the
release's cohort is a saved cohort of whole tumour locations, chosen to reach about
`--release-patients` patients). Timed: `onconode release build` in a subprocess (wall
time, peak RSS of the process tree as getrusage reports it for waited children), and
DuckDB copying the same tables' rows of the released samples to Parquet. Results go to
benchmarks/results/release.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
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


def cohort_of_about(store, n: int) -> tuple[dict, int]:
    rows = store.con.execute("SELECT primary_tumor_location, count(DISTINCT patient_id) FROM sample GROUP BY 1 ORDER BY 2 DESC, 1").fetchall()
    chosen, total = [], 0
    for loc, k in rows:
        if total >= n:
            break
        if total + k <= n * 1.25 or not chosen:
            chosen.append(loc)
            total += k
    return {"op": "tumour_location", "locations": chosen}, total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store-patients", type=int, default=500)
    ap.add_argument("--release-patients", type=int, default=100)
    ap.add_argument("--variants-per-sample", type=int, default=None)
    ap.add_argument("--note", default="", help="What code was measured (stored with the result).")
    args = ap.parse_args()

    from onconode.analysis import saved
    from tests.access.conftest import T0
    from tests.release.conftest import FREEZE, active_dar, make_env

    store_home = store_for(args.store_patients, args.variants_per_sample)
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

    t = time.perf_counter()
    subprocess.run(["onconode", "--home", str(node), "release", "build", app_id], check=True, stdout=subprocess.DEVNULL)
    build_s = time.perf_counter() - t
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    manifest = json.loads((node / "releases" / app_id / "manifest.json").read_text())
    variants = manifest["tables"]["somatic_variant"]

    import duckdb

    con = duckdb.connect(str(store_home / "store.duckdb"), read_only=True)
    version = con.execute("SELECT version FROM store_freeze WHERE freeze_id = ?", [FREEZE]).fetchall()[0][0]
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
    con.close()
    shutil.rmtree(out)

    size = sum(f["bytes"] for f in manifest["files"])
    result = {
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "machine": platform.node(),
        "store_patients": args.store_patients, "release_patients": manifest["patients"], "release_samples": manifest["samples"],
        "variants": variants, "files": len(manifest["files"]), "release_bytes": size,
        "build_seconds": round(build_s, 2), "build_variants_per_s": round(variants / build_s), "build_peak_rss_mb": round(peak_mb),
        "duckdb_copy_seconds": round(copy_s, 2), "duckdb_copy_variants_per_s": round(variants / copy_s),
        "ratio_build_to_copy": round(build_s / copy_s, 1),
        **({"note": args.note} if args.note else {}),
    }
    print(f"{'':28}{'release build':>16}{'DuckDB COPY':>14}")
    print(f"{'seconds':28}{result['build_seconds']:>16}{result['duckdb_copy_seconds']:>14}")
    print(f"{'variants/s':28}{result['build_variants_per_s']:>16,}{result['duckdb_copy_variants_per_s']:>14,}")
    print(f"release: {result['release_patients']} patients / {result['release_samples']} samples / {variants:,} variants / "
          f"{result['files']} files / {size / 1e6:.1f} MB, from a {args.store_patients}-patient store; peak RSS {result['build_peak_rss_mb']} MB")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    runs = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    RESULTS.write_text(json.dumps(runs + [result], indent=2) + "\n")
    shutil.rmtree(node, ignore_errors=True)


if __name__ == "__main__":
    main()
