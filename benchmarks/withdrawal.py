"""Withdrawal propagation time (issue 16, item 4): how long after `onconode withdraw`
until every answer of a serving node is without the patient. Median of 5 withdrawals.

Run on demand (not a test), from the repository root:

    python benchmarks/withdrawal.py [--patients 40] [--rounds 5]

Set-up (not timed): the scenario of tests/test_withdrawal_reaches_everything.py, which
this script runs (one implementation): a synthetic store of `--patients` with a freeze,
two active DARs with built releases (one downloaded), `onconode serve --workers 2`, a
federation coordinator and a node agent, all serving throughout. Each round withdraws
another patient with `python -m onconode withdraw ID` and measures: the command's time
(store, derived copies, release rebuilds, publishing the store copy), and the time from
the command's end until every answer — Beacon boolean and registered counts, the
licensee's exact count / summary / frequency on the current version and the freeze,
catalogue counts, federated counts on both, the releases — is the new store's.
`withdraw_to_every_answer_s` is the command plus that last time. Results go to
benchmarks/results/withdrawal.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))   # the scenario lives in the tests package

from tests.test_withdrawal_reaches_everything import running_node, withdraw_and_measure  # noqa: E402

RESULTS = HERE / "results" / "withdrawal.json"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    rounds = []
    with tempfile.TemporaryDirectory(prefix="withdrawal-bench-") as tmp:
        with running_node(Path(tmp), patients=args.patients, withdrawals=args.rounds) as node:
            for i in range(args.rounds):
                rounds.append(withdraw_and_measure(node, i))
                print(json.dumps(rounds[-1]), flush=True)
    median = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
    print(f"{'measure':32} {'median (s)':>10}   of {len(rounds)} withdrawals, {args.patients} patients")
    for k, v in median.items():
        print(f"{k:32} {v:10.2f}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "host": platform.node(),
        "cpus": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
        "patients": args.patients, "rounds": rounds, "median": median}, indent=2) + "\n")


if __name__ == "__main__":
    main()
