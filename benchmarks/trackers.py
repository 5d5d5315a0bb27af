"""Tracker attacks on the disclosure gate: how often each family recovers a small cell.

Run on demand (not a test):

    python benchmarks/trackers.py [--patients 400] [--seed 5] [--cells 60] [--cell-seed 15]
                                  [--home DIR] [--label NAME] [--keys N]

Builds the synthetic cohort with the real CLI (`onconode init`, then `onconode synth
--patients N --seed S --variants-per-sample 30 --into-store`, the cohort the test suite
uses) in benchmarks/work/trackers-node, unless `--home` names an existing node. Then runs
the attack families of `tests/analysis/trackers.py` — the same code the tracker test suite
runs, imported, not copied — against `--cells` small cells (true count 1..4) drawn with
`--cell-seed`, as an anonymous user through `service.count` and the node's own gate
(`Gate.for_home(home)`, as the web node builds it), twice:
as one visitor per target cell and as colluders (a new address per query). Families:
direct (the cell asked for itself), union, intersection, complement, general tracker; reported separately, the averaging attack
(Asghar & Kaafar) and the refusal attack (bisecting a cell while parts of it are refused).

With `--keys N`, the families are run again (as colluders) under N fresh record-key
secrets, since one node's figures depend on its secret: mean, minimum and maximum share.

Prints, per identity mode, each family's share of cells recovered exactly, mean absolute
error, the guessing baseline and the one-sided binomial test's p-value; writes everything
(per-cell estimates included) to benchmarks/results/trackers-<label>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests" / "analysis"))  # the attack code lives with the test suite that asserts on it

import trackers  # noqa: E402

from onconode.analysis.cellkey import RecordKeys  # noqa: E402
from onconode.analysis.disclosure import DisclosureSettings, Gate  # noqa: E402
from onconode.store import Store  # noqa: E402

MODES: tuple[trackers.Identities, ...] = ("visitor", "colluding")


def build(home: Path, patients: int, seed: int) -> None:
    """The synthetic node, through the CLI as a node operator builds it."""
    cli = [sys.executable, "-m", "onconode", "--home", str(home)]
    subprocess.run(cli + ["init"], check=True, capture_output=True)
    subprocess.run(cli + ["synth", "--patients", str(patients), "--seed", str(seed), "--variants-per-sample", "30",
                          "--into-store"], check=True, capture_output=True)


def _commit() -> str:
    out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return out.stdout.strip() or "unknown"


def over_keys(snap: Any, targets: trackers.Targets, n: int) -> dict[str, Any]:
    """The families (averaging aside) under `n` fresh record-key secrets: one node's figures
    depend on its secret, so this is the spread a node operator should expect."""
    shares: dict[str, list[float]] = {f: [] for f in trackers.FAMILIES}
    maes: dict[str, list[float]] = {f: [] for f in trackers.FAMILIES}
    settings = DisclosureSettings()   # the defaults
    for i in range(n):
        gate = Gate(settings, RecordKeys(secrets.token_bytes(32)))
        results = trackers.run(gate, snap, targets, "colluding", families=trackers.FAMILIES, tag=f"keys-{i}-{int(time.time())}")
        for f, r in results.items():
            shares[f].append(r.share_exact)
            if r.mae is not None:
                maes[f].append(r.mae)
        print(f"secret {i + 1}/{n}: " + ", ".join(f"{f} {r.recovered}/{r.cells}" for f, r in results.items()), flush=True)
    summary = {f: {"share_exact_mean": round(statistics.fmean(v), 4), "share_exact_min": round(min(v), 4),
                   "share_exact_max": round(max(v), 4),
                   "mae_mean": round(statistics.fmean(maes[f]), 4) if maes[f] else None} for f, v in shares.items()}
    print(f"\nover {n} record-key secrets (colluders), share recovered exactly, mean [min–max]:")
    for f, row in summary.items():
        print(f"  {f:<13}{row['share_exact_mean']:>7.1%} [{row['share_exact_min']:.1%}–{row['share_exact_max']:.1%}]"
              f"  MAE {row['mae_mean'] if row['mae_mean'] is not None else '—'}")
    return {"secrets": n, "families": summary}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--patients", type=int, default=400)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--cells", type=int, default=60)
    ap.add_argument("--cell-seed", type=int, default=15)
    ap.add_argument("--home", type=Path, help="an existing node home to attack instead of building one")
    ap.add_argument("--label", default="current", help="names the results file: results/trackers-<label>.json")
    ap.add_argument("--keys", type=int, default=0,
                    help="also attack (as colluders) under N fresh record-key secrets: how the figures spread over keys")
    args = ap.parse_args()

    home = args.home
    if home is None:
        home = HERE / "work" / f"trackers-node-{args.patients}-{args.seed}"
        if not (home / "store.duckdb").exists():
            print(f"building {args.patients} synthetic patients (seed {args.seed}) in {home} ...", flush=True)
            build(home, args.patients, args.seed)
    store = Store.open(home)
    snap = store.snapshot()
    targets = trackers.small_cells(snap, args.cells, args.cell_seed)
    print(f"{len(targets.cells)} of the store's {targets.population} small cells; prior of counts 1..4: "
          + ", ".join(f"{k}: {v:.1%}" for k, v in targets.prior.items())
          + f"; guessing baseline {targets.baseline:.1%} (always {targets.best_guess})")

    runs: dict[str, Any] = {}
    per_cell: list[dict[str, Any]] = [{"cell": c.name, "true": c.true, "estimates": {}} for c in targets.cells]
    for mode in MODES:
        t0 = time.perf_counter()
        tag = f"{args.label}-{mode}-{int(time.time())}"   # new people on every run, should the node keep histories
        results = trackers.run(Gate.for_home(home), snap, targets, mode, tag=tag)
        seconds = time.perf_counter() - t0
        print(f"\n{mode} ({'one address per attacked cell' if mode == 'visitor' else 'a new address per query'}), "
              f"{seconds:.0f} s:\n{trackers.table(results)}")
        runs[mode] = {"seconds": round(seconds, 1), "families": {f: r.summary() for f, r in results.items()}}
        for f, r in results.items():
            for row, o in zip(per_cell, r.outcomes):
                row["estimates"][f"{mode}/{f}"] = None if o.raw is None else {"raw": o.raw, "final": o.estimate}
    spread = over_keys(snap, targets, args.keys) if args.keys else None
    store.close()

    out = {
        "label": args.label, "when": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _commit(), "machine": f"{platform.machine()}, {os.cpu_count()} cores", "python": platform.python_version(),
        "command": "python benchmarks/trackers.py " + " ".join(sys.argv[1:]),
        "store": {"patients": args.patients, "seed": args.seed, "home": str(home) if args.home else "synthetic"},
        "targets": {"cells": len(targets.cells), "cell_seed": args.cell_seed, "population": targets.population,
                    "prior": targets.prior, "baseline": targets.baseline, "best_guess": targets.best_guess},
        "alpha": trackers.ALPHA, "target_families": list(trackers.FAMILIES), "runs": runs, "over_keys": spread, "cells": per_cell,
    }
    path = HERE / "results" / f"trackers-{args.label}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
