"""Throughput of `onconode synth --into-store`: the synthetic cohort generated and loaded
into a fresh store, end to end through the real CLI.

Run on demand (not a test):

    python benchmarks/synth_load.py [--patients 500 5000] [--seed 1] [--variants-per-sample N]
                                    [--pythonpath DIR] [--label NAME]

Each size runs `onconode init` then `onconode synth --patients N --seed S --into-store` in
a subprocess against a fresh home in benchmarks/work/, and reports wall time, somatic
variants loaded, rows/s and peak RSS. Peak RSS is the largest *sum* over the process tree
(the CLI and its worker processes) sampled every 100 ms from /proc, because with workers
the per-process maximum that `time -v` reports understates what the machine needs.
`--pythonpath` runs another checkout's sources (e.g. an older commit exported with
`git archive`), so before/after can be measured side by side in one run; results are
merged into benchmarks/results/synth_load.json under `--label`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
RESULTS = HERE / "results" / "synth_load.json"
PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree(pid: int) -> list[int]:
    """The process and all its descendants, from /proc/<pid>/task/*/children."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except OSError:
            continue
    return out


def _rss(pids: list[int]) -> int:
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * PAGE
        except OSError:
            continue
    return total


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds, peak summed RSS of the tree (bytes) and stdout of one
    command. CPU time (of the command and every process it waited for) is the number to
    compare when other work shares the machine."""
    cpu0 = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _rss(_tree(proc.pid)))
        time.sleep(0.1)
    wall = time.perf_counter() - start
    stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr[-3000:]}")
    return wall, _children_cpu() - cpu0, peak, stdout


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _variants(home: Path, env: dict[str, str]) -> int:
    out = subprocess.run([sys.executable, "-m", "onconode", "--home", str(home), "stats", "--json"],
                         env=env, check=True, capture_output=True, text=True).stdout
    return int(json.loads(out)["somatic_variant"])


def measure(patients: int, seed: int, variants: int | None, env: dict[str, str]) -> dict[str, object]:
    home = WORK / f"synth_{patients}"
    shutil.rmtree(home, ignore_errors=True)
    cli = [sys.executable, "-m", "onconode", "--home", str(home)]
    subprocess.run(cli + ["init"], env=env, check=True, capture_output=True)
    cmd = cli + ["synth", "--patients", str(patients), "--seed", str(seed), "--into-store"]
    if variants is not None:
        cmd += ["--variants-per-sample", str(variants)]
    wall, cpu, peak, _ = _run(cmd, env)
    n = _variants(home, env)
    store_bytes = sum(f.stat().st_size for f in home.rglob("*") if f.is_file())
    shutil.rmtree(home, ignore_errors=True)
    return {"patients": patients, "seed": seed, "somatic_variants": n, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
            "rows_per_s": round(n / wall), "peak_rss_mb": round(peak / 2**20), "store_mb": round(store_bytes / 2**20)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, nargs="+", default=[500, 5000])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--variants-per-sample", type=int, default=None)
    ap.add_argument("--pythonpath", type=Path, default=None, help="run the sources under this src/ folder instead")
    ap.add_argument("--label", default="current")
    args = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    if args.pythonpath is not None:
        env["PYTHONPATH"] = str(args.pythonpath.resolve())
    rows = []
    for n in args.patients:
        row = measure(n, args.seed, args.variants_per_sample, env)
        rows.append(row)
        print(f"{args.label:>10} {row['patients']:>6} patients  {row['somatic_variants']:>12,} variants  "
              f"{row['wall_s']:>7.1f} s ({row['cpu_s']:.0f} s CPU)  {row['rows_per_s']:>9,} rows/s  peak RSS {row['peak_rss_mb']:>6,} MB  "
              f"store {row['store_mb']:,} MB", flush=True)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[args.label] = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "python": platform.python_version(),
                           "when": time.strftime("%Y-%m-%d %H:%M"), "runs": rows}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
