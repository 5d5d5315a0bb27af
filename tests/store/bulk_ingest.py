"""A real, long ingest for the SIGKILL tests: millions of variants in one transaction.

Run as `python bulk_ingest.py HOME ROWS [HOLD_SECONDS]`. It streams record batches into
`somatic_variant` for samples BULK0000..BULK0999 (replacing their earlier rows) and prints
each phase on its own line, flushed, so the test can kill it at a known point:
`begin`, `batch <rows so far>`, `written` (all rows inserted, not committed; then it
holds the transaction open HOLD_SECONDS), `committed <version>`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from onconode.model import TABLES_BY_NAME
from onconode.store import Store

BATCH = 200_000
SAMPLES = 1000
SCHEMA = pa.schema([f.with_nullable(True) for f in TABLES_BY_NAME["somatic_variant"].arrow_schema])


def sample_ids() -> list[str]:
    return [f"BULK{i:04d}" for i in range(SAMPLES)]


def batches(rows: int):
    names = np.array(sample_ids(), dtype=object)
    for start in range(0, rows, BATCH):
        m = min(BATCH, rows - start)
        pos = np.arange(start, start + m, dtype=np.int64) + 1
        values = {
            "sample_id": pa.array(names[pos % SAMPLES]),
            "chromosome": pa.array(np.array(["1", "2", "X"], dtype=object)[pos % 3]),
            "position": pa.array(pos),
            "ref": pa.array(np.full(m, "C", dtype=object)),
            "alt": pa.array(np.full(m, "T", dtype=object)),
            "gene": pa.array(np.array(["TP53", "KRAS", "BRAF", None], dtype=object)[pos % 4]),
            "vaf": pa.array((pos % 97) / 100.0),
        }
        yield pa.RecordBatch.from_arrays([values.get(f.name, pa.nulls(m, f.type)) for f in SCHEMA], schema=SCHEMA)
        print(f"batch {start + m}", flush=True)


def main(home: Path, rows: int, hold: float) -> None:
    with Store.open(home) as store:
        with store.transaction("bulk", f"{rows} variants") as tx:
            print("begin", flush=True)
            reader = pa.RecordBatchReader.from_batches(SCHEMA, batches(rows))
            tx.replace("somatic_variant", reader, owners=sample_ids())
            print("written", flush=True)
            time.sleep(hold)
        print(f"committed {store.current_version}", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]) if len(sys.argv) > 3 else 0.0)
