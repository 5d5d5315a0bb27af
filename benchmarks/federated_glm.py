"""Federated logistic regression over 3 node processes × 100,000 patients on loopback.

Run on demand (not a test):

    python benchmarks/federated_glm.py [--patients 100000] [--runs 3] [--data /work/bench/glm-nodes]

The measured run is the real protocol: a coordinator process and three node agent
processes (NL, SE, ES) on 127.0.0.1, started with `onconode federation coordinator` and
`onconode federation node` as an operator would; Ed25519-signed tasks and results with
nonce and expiry, each node's policy file and differencing guard, long polls; the
researcher submits the GLM task with `CoordinatorClient` (REST, bearer token of an
approved DAR) and follows it to the combined result. Timed: submission → combined
result at the researcher. Not timed: building the stores, keys, policies and starting
the processes.

Node data: each node holds its own store of 100,000 synthetic patients with clinical data
only — the synthetic cohort's clinical TSV folder (`onconode synth --out`'s `clinical/`,
written by `synth.writers_clinical`) loaded with `onconode ingest clinical`, the route of a
hospital that has loaded its clinical records and no genomes yet. Generating 100,000
genomes per node would take hours (about 30 ms a patient even at one variant each) and the
regression reads none of it. The stores are kept under `--data` and reused by later runs
(each run starts the nodes' federation state — keys, policy, nonces, audit log, query
history — afresh). The model, per node the same task:
responder (best response to the first treatment line; CR/PR vs SD/PD) ~ age + sex +
treatment_lines + tumour_type (8 levels) + biopsy_site (6 levels): 16 parameters.

Reported: wall time and rounds of every run (the first after the agents start reads the
stores; later runs find the patient table in node memory), where a run's time goes (from
the nodes' audit-log timestamps: dispatch to the first task, node compute per round, the
rest of each round — long-poll wake-up, HTTP, signing, verification, combine — and the
last result to the researcher), bytes of a task and of a node's answer, Ed25519 sign /
verify cost, and the largest coefficient / SE difference from statsmodels' GLM on the
pooled data (the baseline, timed in the same run). Results: benchmarks/results/federated_glm.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "federated_glm.json"
NODES = {"NL": 11, "SE": 22, "ES": 33}
COLLABORATION, DAR, REQUESTER = "bench", "DAR-BENCH", "researcher@bench.example"
TUMOURS = ["Breast", "Colorectum", "Lung", "Prostate", "Skin", "Bone/Soft tissue", "Ovary", "Pancreas"]
SITES = ["Liver", "Lymph node", "Primary", "Lung", "Soft tissue", "Bone"]
PARAMS = {"family": "binomial", "outcome": "responder", "treatment": {},
          "covariates": ["age", "sex", "treatment_lines", {"factor": "tumour_type", "levels": TUMOURS},
                         {"factor": "biopsy_site", "levels": SITES}]}
CLI = [sys.executable, "-m", "onconode"]


def build_store(data: Path, name: str, patients: int, seed: int) -> Path:
    """The node's store (built once): synthetic clinical TSVs → `onconode ingest clinical`."""
    from onconode.synth.cohort import build
    from onconode.synth.writers_clinical import write_clinical

    home = data / f"{name}-{patients}-{seed}"
    if (home / "store.duckdb").exists() and (home / ".complete").exists():
        return home
    shutil.rmtree(home, ignore_errors=True)
    t = time.perf_counter()
    clinical = data / f"{name}-{patients}-{seed}-clinical"
    write_clinical(clinical, build(patients, seed))
    subprocess.run(CLI + ["--home", str(home), "init"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(CLI + ["--home", str(home), "ingest", "clinical", str(clinical)], check=True, stdout=subprocess.DEVNULL)
    shutil.rmtree(clinical)
    (home / ".complete").write_text(f"built in {time.perf_counter() - t:.0f} s\n")
    return home


def pooled_reference(homes: dict[str, Path]) -> tuple[pd.Series, pd.Series, float, int]:
    """statsmodels' GLM on the three nodes' patient tables pooled (the issue's baseline)."""
    import statsmodels.api as sm

    from onconode.analysis.federated.data import patient_frame
    from onconode.federation import harmonization
    from onconode.store import Store

    frames = []
    for home in homes.values():
        with Store.open(home, read_only=True) as store:
            frames.append(patient_frame(harmonization.harmonized(store.snapshot(None)), PARAMS).copy())
    df = pd.concat(frames, ignore_index=True).dropna(subset=["responder", "age", "sex", "treatment_lines",
                                                              "tumour_type", "biopsy_site"])
    df = df[df.tumour_type.isin(TUMOURS) & df.biopsy_site.isin(SITES)]
    X = df[["age", "sex", "treatment_lines"]].astype(float)
    for f, levels in (("tumour_type", TUMOURS), ("biopsy_site", SITES)):
        for lvl in levels[1:]:
            X[f"{f}[{lvl}]"] = (df[f] == lvl).astype(float)
    X.insert(0, "(intercept)", 1.0)
    t = time.perf_counter()
    ref = sm.GLM(df.responder.astype(float), X, family=sm.families.Binomial()).fit(tol=1e-14)
    return ref.params, ref.bse, time.perf_counter() - t, len(df)


def configure(root: Path, homes: dict[str, Path]) -> str:
    """Keys, policies and the registry, as an operator writes them; returns the DAR token."""
    import secrets

    from onconode.federation import keys
    from onconode.federation.demo import write_policy, write_registry
    from onconode.federation.registry import token_hash

    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    coord = keys.generate(root / "coordinator.key")
    node_keys = {}
    for name, home in homes.items():
        shutil.rmtree(home / "federation", ignore_errors=True)  # fresh nonces, audit log, query history
        node_keys[name] = keys.public_text(keys.generate(home / "federation" / "node.key"))
        write_policy(home, name, keys.public_text(coord), [COLLABORATION], {"glm": ["1.0"]}, [DAR])
    token = secrets.token_urlsafe(24)
    write_registry(root / "registry.toml", node_keys, {COLLABORATION: list(homes)},
                   {DAR: {"requester": REQUESTER, "token_sha256": token_hash(token), "collaborations": [COLLABORATION]}})
    return token


def start(root: Path, homes: dict[str, Path], token: str, timeout: float = 180) -> Any:
    """The coordinator and one agent per node as separate processes; returns once all poll."""
    import httpx

    from onconode.federation.demo import LocalFederation, free_port

    port = free_port()
    fed = LocalFederation(root, f"http://127.0.0.1:{port}", token)
    fed.procs["coordinator"] = subprocess.Popen(
        CLI + ["federation", "coordinator", "--registry", str(root / "registry.toml"), "--key", str(root / "coordinator.key"),
               "--port", str(port)], stdout=open(root / "coordinator.log", "wb"), stderr=subprocess.STDOUT)
    for name, home in homes.items():
        fed.procs[name] = subprocess.Popen(CLI + ["--home", str(home), "federation", "node", "--coordinator", fed.url],
                                           stdout=open(root / f"{name}.log", "wb"), stderr=subprocess.STDOUT)
    end = time.monotonic() + timeout
    try:
        for name in homes:
            while b"ready; polling" not in (root / f"{name}.log").read_bytes():
                if fed.procs[name].poll() is not None or time.monotonic() > end:
                    raise RuntimeError(f"node {name} did not start; see {root / f'{name}.log'}")
                time.sleep(0.1)
        while True:  # every agent's first long poll has reached the coordinator
            seen = httpx.get(fed.url + "/api/nodes", timeout=5).json()
            if all(seen.get(n, {}).get("last_seen") for n in homes):
                break
            if time.monotonic() > end:
                raise RuntimeError("the agents did not reach the coordinator")
            time.sleep(0.1)
    except BaseException:
        fed.stop()
        raise
    return fed


def one_run(fed: Any) -> tuple[dict[str, Any], float, float]:
    """Submit as the researcher and follow to the end: (final view, submit time, wall s)."""
    from onconode.federation.client import CoordinatorClient

    with CoordinatorClient(fed.url, token=fed.token) as client:
        client.collaborations()  # the connection is open before the clock starts
        t0, w0 = time.perf_counter(), time.time()
        view = client.follow(client.submit({"collaboration": COLLABORATION, "dar": DAR, "algorithm": "glm",
                                            "params": PARAMS})["run"], timeout=300)
        return view, w0, time.perf_counter() - t0


def breakdown(homes: dict[str, Path], run: str, submitted: float, wall: float) -> dict[str, Any]:
    """Where one run's time went, from the nodes' audit logs (same clock as this process)."""
    from onconode.federation.nodelog import LOG_FILE, NodeLog

    rounds: dict[int, dict[str, tuple[float, float, int]]] = {}
    for name, home in homes.items():
        got: dict[int, float] = {}
        for e in NodeLog(home / LOG_FILE).entries():
            p = e["payload"]
            if p.get("run") != run:
                continue
            at = dt.datetime.fromisoformat(e["at"]).timestamp()
            if e["type"] == "task.received":
                got[p["round"]] = at
            elif e["type"] == "task.done":
                size = len(json.dumps(p["sent"], separators=(",", ":")).encode())
                rounds.setdefault(p["round"], {})[name] = (got[p["round"]], at, size)
    rows, prev_end = [], submitted
    for r in sorted(rounds):
        nodes = rounds[r]
        first_in = min(t for t, _, _ in nodes.values())
        last_out = max(t for _, t, _ in nodes.values())
        compute = max(d - t for t, d, _ in nodes.values())
        rows.append({"round": r, "to_first_node_ms": round((first_in - prev_end) * 1000, 1),
                     "node_compute_max_ms": round(compute * 1000, 1),
                     "node_compute_ms": {n: round((d - t) * 1000, 1) for n, (t, d, _) in nodes.items()},
                     "round_ms": round((last_out - prev_end) * 1000, 1),
                     "answer_bytes": max(s for _, _, s in nodes.values())})
        prev_end = last_out
    compute_total = sum(r["node_compute_max_ms"] for r in rows)
    return {"rounds": rows, "node_compute_ms": round(compute_total, 1),
            "last_answer_to_researcher_ms": round((submitted + wall - prev_end) * 1000, 1),
            "protocol_ms": round(wall * 1000 - compute_total, 1)}


def message_costs(view: dict[str, Any]) -> dict[str, Any]:
    """Bytes of one round's task message and Ed25519 sign / verify time for it."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from onconode.federation import messages

    key = Ed25519PrivateKey.generate()
    payload = {"task": "0" * 16, "run": view["run"], "round": 3, "node": "NL", "collaboration": COLLABORATION,
               "algorithm": "glm", "version": "1.0", "params": PARAMS,
               "state": {"beta": [0.1] * 16, "deviance": 1.0e5, "iteration": 2}, "requester": REQUESTER,
               "authorization": {"dar": DAR}}
    n = 200
    t = time.perf_counter()
    envs = [messages.sign(key, "coordinator", "task", payload, dt.timedelta(minutes=1)) for _ in range(n)]
    sign_us = (time.perf_counter() - t) / n * 1e6
    nonces = messages.NonceStore()
    t = time.perf_counter()
    for e in envs:
        messages.verify(e, "task", {"coordinator": key.public_key()}, nonces)
    verify_us = (time.perf_counter() - t) / n * 1e6
    return {"task_bytes": len(json.dumps(envs[0]).encode()), "sign_us": round(sign_us), "verify_us": round(verify_us)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=100_000, help="patients per node")
    ap.add_argument("--runs", type=int, default=3, help="timed runs (the first reads the stores)")
    ap.add_argument("--data", type=Path, default=Path("/work/bench/glm-nodes"), help="where the node stores are kept")
    args = ap.parse_args()

    homes = {}
    for name, seed in NODES.items():
        print(f"node {name}: store of {args.patients:,} patients (clinical only) ...", flush=True)
        homes[name] = build_store(args.data, name, args.patients, seed)
    ref_coef, ref_se, pooled_s, pooled_n = pooled_reference(homes)
    root = args.data / "federation"
    token = configure(root, homes)
    load_before = os.getloadavg()
    fed = start(root, homes, token)
    runs = []
    try:
        for i in range(args.runs):
            view, submitted, wall = one_run(fed)
            if view["status"] != "done":
                raise SystemExit(f"run {i + 1} ended {view['status']}: {view.get('error')} {view['nodes']}")
            runs.append((view, submitted, wall))
    finally:
        fed.stop()
    load_after = os.getloadavg()

    first = runs[0][0]["result"]
    coef = np.array([t["coef"] for t in first["terms"]])
    se = np.array([t["se"] for t in first["terms"]])
    assert [t["term"] for t in first["terms"]] == list(ref_coef.index), "terms differ from the pooled design"
    walls = [w for _, _, w in runs]
    row = {
        "nodes": len(homes), "patients_per_node": args.patients, "analysed_n": first["n"], "pooled_n": pooled_n,
        "parameters": first["parameters"], "rounds": runs[0][0]["round"],
        "wall_s_first_run": round(walls[0], 3), "wall_s_later_runs": [round(w, 3) for w in walls[1:]],
        "wall_s_median": round(statistics.median(walls), 3),
        "max_abs_coef_diff_vs_statsmodels": float(np.max(np.abs(coef - ref_coef.to_numpy()))),
        "max_abs_se_diff_vs_statsmodels": float(np.max(np.abs(se - ref_se.to_numpy()))),
        "pooled_statsmodels_fit_s": round(pooled_s, 3),
        "breakdown_first_run": breakdown(homes, runs[0][0]["run"], runs[0][1], walls[0]),
        "breakdown_later_run": breakdown(homes, runs[-1][0]["run"], runs[-1][1], walls[-1]) if len(runs) > 1 else None,
        "messages": message_costs(runs[0][0]),
        "transport": "HTTP on 127.0.0.1 (TLS off), one coordinator + 3 agent processes",
        "node_data": "clinical-only stores: synthetic clinical TSVs loaded with `onconode ingest clinical`",
        "cpus": os.cpu_count(), "load_avg_before": [round(x, 2) for x in load_before],
        "load_avg_after": [round(x, 2) for x in load_after],
        "python": platform.python_version(), "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    print(f"\n{'measure':36} value")
    for k, v in row.items():
        if not k.startswith("breakdown"):
            print(f"{k:36} {v}")
    for label in ("breakdown_first_run", "breakdown_later_run"):
        b = row[label]
        if b is None:
            continue
        print(f"\n{label}: node compute {b['node_compute_ms']} ms, protocol {b['protocol_ms']} ms, "
              f"last answer → researcher {b['last_answer_to_researcher_ms']} ms")
        print(f"  {'round':>5} {'to 1st node ms':>15} {'compute max ms':>15} {'round ms':>9} {'answer B':>9}")
        for r in b["rounds"]:
            print(f"  {r['round']:>5} {r['to_first_node_ms']:>15} {r['node_compute_max_ms']:>15} {r['round_ms']:>9} "
                  f"{r['answer_bytes']:>9}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(row, indent=2) + "\n")


if __name__ == "__main__":
    main()
