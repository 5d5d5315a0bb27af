"""Peak memory and time of `onconode export-parquet` (issue 16, item 6: bounded memory,
≤ 2 GB; it peaked at 13.9 GB on a 68M-variant store).

Run on demand, from the repository root, on a node home that no command is writing:

    python benchmarks/export_parquet.py --home demo-node [--label after]

It runs `python -m onconode --home HOME export-parquet TMP` under GNU time (`/usr/bin/time -v`),
prints the rows written, wall seconds and peak RSS, and appends them to
benchmarks/results/export_parquet.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "export_parquet.json"


def measure(home: Path) -> dict[str, object]:
    out = Path(tempfile.mkdtemp(prefix="export-bench-"))
    try:
        done = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-m", "onconode", "--home", str(home),
                               "export-parquet", str(out / "export")], capture_output=True, text=True, check=True)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", done.stderr).group(1)
    seconds = sum(float(p) * 60 ** i for i, p in enumerate(reversed(wall.split(":"))))
    rows = int(re.search(r"wrote ([\d,]+) rows", done.stdout).group(1).replace(",", ""))
    return {"rows": rows, "wall_seconds": round(seconds, 1), "peak_rss_gb": round(rss_kb / 1024 ** 2, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    result = {"measured_at": dt.datetime.now().isoformat(timespec="seconds"), "home": str(args.home),
              "label": args.label, **measure(args.home)}
    print(f"{result['rows']:,} rows  {result['wall_seconds']} s  peak RSS {result['peak_rss_gb']} GB")
    history = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    RESULTS.write_text(json.dumps(history + [result], indent=2) + "\n")


if __name__ == "__main__":
    main()
