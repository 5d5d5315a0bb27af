"""Federated logistic regression over 3 nodes × 100,000 patients, in one process.

Run on demand (not a test):

    python benchmarks/federated_glm.py [--patients 100000] [--nodes 3] [--seed 1]

Each node's patient table is generated directly as a pandas frame (`FrameSnapshot`):
building three synthetic stores of 100,000 patients each with genomes would take far
longer than the analysis being measured, and the algorithm reads the same table either
way. The nodes differ in case mix (tumour-type proportions and response rates). The
model: responder ~ biomarker + age + purity + sex + tmb_per_mb + tumour_type (4 levels).

Measured: rounds, wall time of `run_local` (every message is passed through JSON as it
would be on the wire; no network, no signatures — the protocol's share is measured by
its own benchmark), time per node partial, bytes a node sends per round, and the largest
difference from statsmodels' GLM on the pooled data. Results go to
benchmarks/results/federated_glm.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "federated_glm.json"
TYPES = ["Colorectum", "Lung", "Breast", "Skin"]


def node_frame(n: int, seed: int, node: int) -> pd.DataFrame:
    rng = np.random.default_rng([seed, node])
    mix = np.roll(np.array([0.35, 0.3, 0.2, 0.15]), node)
    df = pd.DataFrame({
        "patient_id": [f"N{node}-{i:06d}" for i in range(n)],
        "age": rng.normal(62, 11, n).round(),
        "purity": rng.uniform(0.2, 1.0, n),
        "sex": rng.integers(0, 2, n).astype(float),
        "tmb_per_mb": rng.lognormal(1.5, 0.8, n),
        "biomarker": (rng.uniform(size=n) < 0.25).astype(float),
        "tumour_type": rng.choice(TYPES, n, p=mix),
    })
    eta = (-1.2 + 0.9 * df.biomarker - 0.01 * (df.age - 62) + 0.5 * df.purity + 0.03 * df.tmb_per_mb
           + df.tumour_type.map(dict(zip(TYPES, (0.0, -0.3, 0.2, 0.4)))) + 0.1 * node)
    df["responder"] = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(float)
    return df


PARAMS = {"outcome": "responder", "family": "binomial",
          "covariates": ["biomarker", "age", "purity", "sex", "tmb_per_mb", {"factor": "tumour_type", "levels": TYPES}]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=100_000)
    ap.add_argument("--nodes", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    import statsmodels.api as sm

    from onconode.analysis.disclosure import DisclosureSettings, Rules
    from onconode.analysis.federated import get_algorithm, run_local
    from onconode.analysis.federated.data import FrameSnapshot, patient_frame

    snaps = {f"node{i}": FrameSnapshot(node_frame(args.patients, args.seed, i)) for i in range(args.nodes)}
    rules = Rules(DisclosureSettings())
    algo = get_algorithm("glm")

    t0 = time.perf_counter()
    result = run_local(algo, snaps, dict(PARAMS), rules)
    wall = time.perf_counter() - t0

    # one node's partial alone, and what it sends
    state = algo.start(PARAMS)
    t1 = time.perf_counter()
    part = algo.partial(snaps["node0"], PARAMS, state, rules)
    partial_s = time.perf_counter() - t1
    sent = len(json.dumps(part).encode())

    pooled = pd.concat([patient_frame(s, PARAMS) for s in snaps.values()], ignore_index=True)
    X = pooled[["biomarker", "age", "purity", "sex", "tmb_per_mb"]].astype(float)
    for lvl in TYPES[1:]:
        X[f"tumour_type[{lvl}]"] = (pooled.tumour_type == lvl).astype(float)
    X = sm.add_constant(X).rename(columns={"const": "(intercept)"})
    t2 = time.perf_counter()
    ref = sm.GLM(pooled.responder, X, family=sm.families.Binomial()).fit(tol=1e-14)
    pooled_s = time.perf_counter() - t2
    coef = np.array([t["coef"] for t in result["terms"]])
    se = np.array([t["se"] for t in result["terms"]])
    row = {
        "nodes": args.nodes, "patients_per_node": args.patients, "rounds": result["rounds"], "wall_s": round(wall, 3),
        "partial_s_one_node": round(partial_s, 4), "bytes_sent_per_node_round": sent,
        "max_abs_coef_diff_vs_statsmodels": float(np.max(np.abs(coef - ref.params.to_numpy()))),
        "max_abs_se_diff_vs_statsmodels": float(np.max(np.abs(se - ref.bse.to_numpy()))),
        "pooled_statsmodels_s": round(pooled_s, 3), "cpus": os.cpu_count(), "load_avg_1m": os.getloadavg()[0],
        "python": platform.python_version(), "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    print(f"{'measure':38} value")
    for k, v in row.items():
        print(f"{k:38} {v}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(row, indent=2) + "\n")


if __name__ == "__main__":
    main()
