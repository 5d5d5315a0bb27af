"""A float that aggregates rows is the same to the last bit whatever order the rows are in:
the same TMB values inserted in two orders give bit-identical answers (a float sum depends
on its order, and SQL gives rows in none)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from onconode.analysis import queries as Q
from onconode.ingest.values import to_arrow
from onconode.model import TABLES_BY_NAME
from onconode.store import Store


def _tmb_answer(home: Path, order: np.ndarray, tmb: np.ndarray) -> str:
    samples = [{"sample_id": f"S{i:03d}", "patient_id": f"P{i:03d}", "primary_tumor_location": ("Lung", "Skin")[i % 2]}
               for i in order]
    profiles = [{"sample_id": f"S{i:03d}", "ref_genome": "GRCh38", "tmb_per_mb": float(tmb[i])} for i in order]
    with Store.init(home) as store:
        with store.transaction("test", "one order") as tx:
            tx.replace("sample", to_arrow(TABLES_BY_NAME["sample"], samples))
            tx.replace("tumor_profile", to_arrow(TABLES_BY_NAME["tumor_profile"], profiles))
        return json.dumps(Q.tmb_by_tumor_type(store.snapshot()).to_pyarrow().to_pylist())


def test_the_mean_tmb_is_the_same_to_the_last_bit_whatever_order_the_rows_were_inserted_in(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    tmb = rng.random(400) * 30
    forward = _tmb_answer(tmp_path / "a", np.arange(400), tmb)
    shuffled = _tmb_answer(tmp_path / "b", rng.permutation(400), tmb)
    assert forward == shuffled
    lung = json.loads(forward)[0]
    assert lung["location"] == "Lung" and lung["mean_tmb"] == pytest.approx(float(np.mean(tmb[0::2])), rel=1e-12)
