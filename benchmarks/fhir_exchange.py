"""FHIR R4 (mCODE) export and import of a synthetic freeze: time, size and peak memory.

    python benchmarks/fhir_exchange.py [--patients 200] [--seed 1] [--home DIR]

Builds (or reuses, with --home) a node of `--patients` synthetic patients with freeze f1;
exports it as `onconode export fhir` does (the freeze's relations narrowed to the writer's
READS, then `exchange.fhir.write`), then imports the bundles into a fresh store with
`ingest.fhir.ingest_fhir`. Prints a table and writes benchmarks/results/fhir_exchange.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from onconode.exchange import fhir
from onconode.exchange.patients import freeze_relations, iter_patients
from onconode.exchange.report import ExportReport
from onconode.ingest.fhir import ingest_fhir
from onconode.store.store import Store

HERE = Path(__file__).resolve().parent


def _node(home: Path, patients: int, seed: int) -> None:
    run = lambda *a: subprocess.run([sys.executable, "-m", "onconode", "--home", str(home), *a], check=True,  # noqa: E731
                                    capture_output=True)
    run("init")
    run("synth", "--patients", str(patients), "--seed", str(seed), "--into-store")
    run("freeze", "create", "f1")


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--patients", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--home", type=Path, help="an existing node home with freeze f1 (default: build one in benchmarks/work)")
    args = ap.parse_args()
    work = HERE / "work" / "fhir_exchange"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    home = args.home or work / "node"
    if args.home is None:
        _node(home, args.patients, args.seed)
    out = work / "out"
    with Store.open(home, read_only=True) as store:
        counts = store.counts("f1")
        wall, cpu = time.perf_counter(), _cpu()
        rel = freeze_relations(store, store.resolve("f1"))
        rel = {t: (f"SELECT * FROM ({sql}) WHERE {fhir.READS[t]}" if fhir.READS[t] else sql)
               for t, sql in rel.items() if t in fhir.READS}
        report = ExportReport("fhir")
        fhir.write(iter_patients(store.con, rel), out, report)
        export = {"wall_s": round(time.perf_counter() - wall, 1), "cpu_s": round(_cpu() - cpu, 1),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}
    size = sum(p.stat().st_size for p in out.glob("*.json"))
    wall, cpu = time.perf_counter(), _cpu()
    with Store.init(work / "imported") as fresh:
        loaded = ingest_fhir(fresh, out)
    imported = {"wall_s": round(time.perf_counter() - wall, 1), "cpu_s": round(_cpu() - cpu, 1),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, "rows": loaded.rows}
    result = {"patients": counts["patient"], "somatic_variants_in_freeze": counts["somatic_variant"],
              "resources": sum(report.files.values()), "bytes": size, "export": export, "import": imported}
    print(f"{'patients':<28}{result['patients']:>14,}\n{'somatic variants (freeze)':<28}{result['somatic_variants_in_freeze']:>14,}\n"
          f"{'FHIR resources written':<28}{result['resources']:>14,}\n{'bytes':<28}{size:>14,}")
    for name, r in (("export", export), ("import", imported)):
        print(f"{name:<28}{r['wall_s']:>10} s wall {r['cpu_s']:>8} s CPU  peak RSS {r['peak_rss_mb']} MB")
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "fhir_exchange.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
