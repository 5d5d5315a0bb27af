"""Fixtures shared by the analysis tests."""

from __future__ import annotations

import pytest

from onconode.store import Store
from onconode.synth import load_cohort


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    """A 400-patient synthetic store (seed 5), one per test module that asks for it."""
    s = Store.init(tmp_path_factory.mktemp("synth") / "node")
    load_cohort(s, patients=400, seed=5, median_variants=30)
    yield s
    s.close()
