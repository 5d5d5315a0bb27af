"""The comparison's own Mann–Whitney U, chi-squared and quartiles give what scipy and
numpy give (to 1e-9; in practice to the last bit) on random data with and without ties,
on samples small enough for scipy's exact distribution, and on degenerate tables."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from onconode.analysis.stats import chi_squared, mann_whitney_u_sorted, quartiles_sorted


def mann_whitney_u(x, y) -> float:
    """Ours on two unsorted samples: sorted together once, as the comparison keeps them."""
    values = np.concatenate([np.asarray(x, float), np.asarray(y, float)])
    order = np.argsort(values, kind="stable")
    in_x = np.arange(len(values)) < len(x)
    return mann_whitney_u_sorted(values[order], in_x[order])


def _scipy_mwu(x, y) -> float:
    return float(sps.mannwhitneyu(x, y, alternative="two-sided").pvalue)


def _samples(rng, n1: int, n2: int, kind: int) -> tuple[np.ndarray, np.ndarray]:
    if kind == 0:     # continuous: no ties
        return rng.normal(size=n1), rng.normal(0.4, size=n2)
    if kind == 1:     # integers: many ties (ages)
        return rng.integers(30, 80, n1).astype(float), rng.integers(35, 85, n2).astype(float)
    return np.round(rng.random(n1), 1), np.round(rng.random(n2) + 0.1, 1)   # few distinct values


@pytest.mark.parametrize("kind", [0, 1, 2])
def test_mann_whitney_u_agrees_with_scipy_with_and_without_ties(kind):
    rng = np.random.default_rng(kind)
    for _ in range(300):
        x, y = _samples(rng, int(rng.integers(1, 120)), int(rng.integers(1, 900)), kind)
        assert mann_whitney_u(x, y) == pytest.approx(_scipy_mwu(x, y), rel=1e-9, abs=1e-12)


def test_mann_whitney_u_small_samples_use_the_exact_distribution_as_scipy():
    rng = np.random.default_rng(5)
    for n1, n2 in [(1, 1), (3, 5), (8, 8), (8, 40), (2, 300)]:
        x, y = rng.normal(size=n1), rng.normal(1.0, size=n2)
        assert mann_whitney_u(x, y) == pytest.approx(_scipy_mwu(x, y), rel=1e-9, abs=1e-12)
    assert mann_whitney_u([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]) == pytest.approx(0.1, abs=1e-12)   # exact: 2/20


def test_mann_whitney_u_every_value_tied_is_p_one():
    assert mann_whitney_u([2.0] * 10, [2.0] * 12) == _scipy_mwu([2.0] * 10, [2.0] * 12) == 1.0


def test_mann_whitney_u_sorted_needs_two_groups_ascending_values_and_no_nan():
    with pytest.raises(ValueError, match="non-empty"):
        mann_whitney_u_sorted(np.array([1.0, 2.0]), np.array([True, True]))
    with pytest.raises(ValueError, match="ascending"):
        mann_whitney_u_sorted(np.array([2.0, 1.0]), np.array([True, False]))
    with pytest.raises(ValueError, match="NaN"):
        mann_whitney_u_sorted(np.array([1.0, np.nan]), np.array([True, False]))


def test_chi_squared_agrees_with_scipy_chi2_contingency():
    rng = np.random.default_rng(3)
    for _ in range(300):
        shape = tuple(rng.integers(2, 7, 2))
        table = rng.integers(0, 60, shape)
        table[rng.random(shape) < 0.15] = 0
        m = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
        stat, p, dof = chi_squared(table.tolist())
        if min(m.shape) < 2:
            assert (stat, p, dof) == (0.0, 1.0, 0)
            continue
        ref = sps.chi2_contingency(m, correction=False)
        assert dof == ref.dof
        assert stat == pytest.approx(ref.statistic, rel=1e-12)
        assert p == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-300)


def test_chi_squared_drops_empty_rows_and_columns_and_refuses_negative_counts():
    assert chi_squared([[5, 0, 3], [0, 0, 0], [2, 0, 9]]) == chi_squared([[5, 3], [2, 9]])
    assert chi_squared([[5, 3]]) == (0.0, 1.0, 0)
    with pytest.raises(ValueError, match="non-negative"):
        chi_squared([[1, -1], [2, 3]])


def test_quartiles_of_sorted_values_equal_numpy_quantile_and_median():
    rng = np.random.default_rng(9)
    for i in range(3000):
        n = int(rng.integers(1, 40)) if i % 2 else int(rng.integers(1, 3000))
        v = np.sort(rng.normal(size=n) * 10.0 ** int(rng.integers(-3, 4)) if i % 3 else rng.integers(0, 50, n).astype(float))
        want = (float(np.quantile(v, .25)), float(np.median(v)), float(np.quantile(v, .75)))
        assert quartiles_sorted(v) == want
    with pytest.raises(ValueError):
        quartiles_sorted(np.array([]))
