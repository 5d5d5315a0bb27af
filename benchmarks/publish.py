"""What publishing a store write costs: the time readers wait for a commit to go live, and disk.

Run on demand (not a test), on a node home that no command is writing:

    python benchmarks/publish.py --home demo-node
    python -m onconode --home /tmp/s500 init && python -m onconode --home /tmp/s500 synth --patients 500 --into-store
    python benchmarks/publish.py --home /tmp/s500

For each home: the master's size; the time of one publish (checkpoint of an unchanged
master, then copy, fsync and pointer swap: store/publish.py), median of `--runs`, taken
under the write lock as a writer would; and the disk that `published/` holds afterwards
(its copies are real copies on ext4, reflinks on XFS / btrfs: `du` counts the blocks
actually used). Each run publishes a copy of identical content; the store is not changed.
Results go to benchmarks/results/publish.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import statistics
import subprocess
import time
from pathlib import Path

import duckdb

from onconode.store import publish
from onconode.store.store import files_stamp, store_file
from onconode.store.writer import WriteLock

RESULTS = Path(__file__).with_name("results") / "publish.json"


def du(path: Path) -> int:
    """Bytes of disk blocks used under `path` (shared reflinked blocks counted per file)."""
    return int(subprocess.run(["du", "-sB1", str(path)], capture_output=True, text=True, check=True).stdout.split()[0])


def measure(home: Path, runs: int) -> dict:
    master = store_file(home)
    lock = WriteLock.acquire(master)
    try:
        con = duckdb.connect(master)
        key = con.execute("SELECT (SELECT max(version) FROM store_version), (SELECT count(*) FROM withdrawal), "
                          "(SELECT count(*) FROM store_freeze), (SELECT count(*) FROM somatic_variant)").fetchall()[0]
        t0 = time.perf_counter()
        con.execute("CHECKPOINT")
        con.close()
        checkpoint = time.perf_counter() - t0
        seconds = []
        for _ in range(runs):
            t0 = time.perf_counter()
            publish.publish(master, version=key[0], withdrawals=key[1], freezes=key[2], master_stamp=files_stamp(master))
            seconds.append(time.perf_counter() - t0)
    finally:
        lock.release()
    folder = publish.folder_of(master)
    return {"home": str(home), "variant_rows": key[3], "master_bytes": Path(master).stat().st_size,
            "checkpoint_seconds": round(checkpoint, 3), "publish_seconds_median": round(statistics.median(seconds), 3),
            "publish_seconds": [round(s, 3) for s in seconds], "published_disk_bytes": du(folder),
            "copies_kept": len(list(folder.glob("*.duckdb")))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path, action="append", required=True, help="A node home (repeat for several).")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    rows = [measure(h, args.runs) for h in args.home]
    print(f"{'home':40} {'variants':>12} {'master MB':>10} {'publish s':>10} {'published/ MB':>14}")
    for r in rows:
        print(f"{r['home']:40} {r['variant_rows']:>12,} {r['master_bytes'] / 1e6:>10,.1f} "
              f"{r['publish_seconds_median']:>10.3f} {r['published_disk_bytes'] / 1e6:>14,.1f}")
    RESULTS.write_text(json.dumps({"measured_at": dt.datetime.now().isoformat(timespec="seconds"),
                                   "machine": platform.platform(), "results": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
