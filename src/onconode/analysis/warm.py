"""Open a store version's per-snapshot tables before the first question asks for them.

Every analysis reads a few small tables derived once per store version (`materialized.py`):
the alteration events and the per-(sample, gene) table frequencies count — derived
artifacts on disk (Parquet), built once for all processes by a job after each publish, of
which a worker keeps only a DuckDB view (the file's pages are shared through the page
cache) — the drivers, profiled flags and the frequency table's sample and gene codes
(small temporary tables of the worker's connection), and the per-sample attribute and date arrays (one row per sample). At
Hartwig scale building the derived files takes ~20 s, which the first researcher after a
server start would otherwise wait through. `onconode serve` opens them in the background
at start for the versions researchers ask about (the latest freeze and the current
version); a question that arrives earlier waits for the registry's lock and then finds
them built. No copy of the events is read into a worker's heap.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
from typing import Any

import pyarrow as pa

from onconode.analysis import alterations, summary, survival_data

log = logging.getLogger(__name__)


def warm(snap: Any) -> None:
    """Build every per-snapshot table of `snap` now."""
    alterations.events(snap)
    alterations.drivers(snap)
    alterations.profiles(snap)
    alterations.gene_pairs(snap)
    alterations.gene_codes(snap)
    summary.all_sample_attributes_frame(snap)
    survival_data.all_sample_dates_frame(snap)
    survival_data.sample_days(snap)


_LIBC = ctypes.CDLL(ctypes.util.find_library("c") or None)


def release_freed_memory() -> None:
    """Hand memory that Python, NumPy and Arrow have freed back to the operating system.
    Building the per-snapshot tables allocates and frees a few hundred MB of temporary
    arrays; glibc's malloc and Arrow's memory pool keep freed memory for reuse, so without
    this a server worker stays that much larger (benchmarks/memory_at_scale.py)."""
    pa.default_memory_pool().release_unused()
    trim = getattr(_LIBC, "malloc_trim", None)   # glibc only (not musl, macOS)
    if trim is not None:
        trim(0)


def warm_node_in_background(node: Any) -> threading.Thread:
    """Warm the node's latest freeze and current version on a daemon thread."""
    def run() -> None:
        try:
            with node.snapshot() as snap:
                freezes = snap.store.freezes()
            for freeze in [None] + [f.freeze_id for f in freezes[-1:]]:
                with node.snapshot(freeze) as snap:
                    warm(snap)
            release_freed_memory()
        except Exception:  # a node without data, or a store being replaced: the first question builds them instead
            log.warning("warming the analysis tables failed; the first question will build them", exc_info=True)

    thread = threading.Thread(target=run, name="onconode-warm", daemon=True)
    thread.start()
    return thread
