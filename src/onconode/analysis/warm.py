"""Build a store version's per-snapshot tables before the first question asks for them.

Every analysis reads a few small tables derived once per store version (alteration
events, drivers, profiled flags, sample attributes and dates: `materialized.py`). At
Hartwig scale (100 million variants) deriving them takes ~20 s, which the first
researcher after a server start would otherwise wait through. `onconode serve` builds
them in the background at start for the versions researchers ask about (the latest
freeze and the current version); a question that arrives earlier waits for the store
lock and then finds them built.
"""

from __future__ import annotations

import logging
import threading
from typing import Any
from onconode.analysis import alterations, cohort_memory, frequency_memory, summary, survival_data

log = logging.getLogger(__name__)


def warm(snap: Any) -> None:
    """Build every per-snapshot table of `snap` now."""
    alterations.events(snap)
    alterations.drivers(snap)
    alterations.profiles(snap)
    summary.all_sample_attributes_frame(snap)
    survival_data.all_sample_dates_frame(snap)
    survival_data.sample_days(snap)
    cohort_memory.warm(snap)
    frequency_memory.warm(snap)


def warm_node_in_background(node: Any) -> threading.Thread:
    """Warm the node's latest freeze and current version on a daemon thread."""
    def run() -> None:
        try:
            with node.snapshot() as snap:
                freezes = snap.store.freezes()
            for freeze in [None] + [f.freeze_id for f in freezes[-1:]]:
                with node.snapshot(freeze) as snap:
                    warm(snap)
        except Exception:  # a node without data, or a store being replaced: the first question builds them instead
            log.warning("warming the analysis tables failed; the first question will build them", exc_info=True)

    thread = threading.Thread(target=run, name="onconode-warm", daemon=True)
    thread.start()
    return thread
