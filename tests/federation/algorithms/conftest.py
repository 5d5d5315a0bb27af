"""Three nodes with different synthetic cohorts (different seeds and sizes), each in its
own store, built once for the session; and the pooled patient table they add up to."""

from __future__ import annotations

import pandas as pd
import pytest

from onconode.analysis.cellkey import RecordKeys
from onconode.analysis.disclosure import DisclosureSettings, Rules
from onconode.analysis.federated.data import patient_frame
from onconode.store import Store
from onconode.synth import load_cohort

NODES = {"NL": (220, 21), "SE": (180, 22), "ES": (200, 23)}


@pytest.fixture(scope="session")
def snaps(tmp_path_factory):
    stores, out = [], {}
    for node, (patients, seed) in NODES.items():
        store = Store.init(tmp_path_factory.mktemp(f"fed-{node}") / "node")
        load_cohort(store, patients=patients, seed=seed, median_variants=5, workers=1)
        stores.append(store)
        out[node] = store.snapshot()
    yield out
    for s in stores:
        s.close()


@pytest.fixture(scope="session")
def rules() -> Rules:
    return Rules(DisclosureSettings(), RecordKeys(bytes(32)))


def pooled(snaps: dict, params: dict) -> pd.DataFrame:
    """Every node's patient table stacked, with the node as a column: the data a pooled
    analysis would see if it were allowed to move."""
    return pd.concat([patient_frame(s, params).assign(node=n) for n, s in snaps.items()], ignore_index=True)
