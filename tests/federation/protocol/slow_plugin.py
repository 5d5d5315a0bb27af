"""A test-only algorithm plugin (loaded through ONCONODE_FEDERATION_PLUGINS): the library's
counts, taking `sleep` seconds first, so a test can kill a node while it computes."""

from __future__ import annotations

import time

from onconode.analysis.federated.counts import Counts


class SlowCounts(Counts):
    name = "slow_counts"
    version = "1.0"

    def partial(self, snap, params, state, rules):  # type: ignore[no-untyped-def]
        time.sleep(float(params.get("sleep", 0)))
        return super().partial(snap, params, state, rules)


ALGORITHMS = {"slow_counts": SlowCounts()}
