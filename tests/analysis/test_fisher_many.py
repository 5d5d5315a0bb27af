"""Fisher's exact test over many 2×2 tables at once gives scipy's two-sided p for each,
including tables exactly as likely as their mirror image, zero margins and the mode."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from onconode.analysis.stats import fisher_exact_many


def _scipy(t) -> float:
    return float(stats.fisher_exact(np.asarray(t), alternative="two-sided").pvalue)


def test_random_tables_agree_with_scipy():
    rng = np.random.default_rng(7)
    tables = []
    for _ in range(400):
        n1, n2 = int(rng.integers(0, 300)), int(rng.integers(0, 1500))
        a, c = int(rng.integers(0, n1 + 1)), int(rng.integers(0, n2 + 1))
        tables.append([[a, n1 - a], [c, n2 - c]])
    got = fisher_exact_many(tables)
    want = [_scipy(t) for t in tables]
    assert got == pytest.approx(want, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("table", [
    [[1, 2], [2, 1]], [[3, 7], [7, 3]], [[10, 0], [0, 10]], [[5, 5], [5, 5]],   # mirror images, the mode
    [[0, 0], [0, 0]], [[0, 5], [0, 7]], [[4, 0], [9, 0]],                        # zero margins
    [[792, 0], [0, 4460]], [[3, 789], [3, 4457]], [[0, 792], [1, 4459]],         # one-sided extremes at scale
])
def test_edge_tables_agree_with_scipy(table):
    assert fisher_exact_many([table])[0] == pytest.approx(_scipy(table), rel=1e-9, abs=1e-300)


def test_no_tables_and_negative_counts():
    assert fisher_exact_many([]) == []
    with pytest.raises(ValueError, match="non-negative"):
        fisher_exact_many([[[1, -1], [2, 3]]])
