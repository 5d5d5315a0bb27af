"""Small statistical building blocks shared by the analyses (one definition each)."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from scipy import stats


def benjamini_hochberg(p: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg q-values (step-up, monotone, capped at 1), input order kept."""
    arr = np.asarray(p, dtype=float)
    n = len(arr)
    if n == 0:
        return []
    order = np.argsort(arr)
    scaled = arr[order] * n / np.arange(1, n + 1)
    q = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(q, 1.0)
    return out.tolist()


def clopper_pearson(k: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Exact binomial confidence interval of k / n."""
    if n == 0:
        return (math.nan, math.nan)
    lo = 0.0 if k == 0 else float(stats.beta.ppf(alpha / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(stats.beta.ppf(1 - alpha / 2, k + 1, n - k))
    return lo, hi


def odds_ratio_woolf(a: int, b: int, c: int, d: int, alpha: float = 0.05) -> tuple[float, float, float]:
    """Sample odds ratio (a·d)/(b·c) of [[a, b], [c, d]] with Woolf's logit interval; with a
    zero cell, 0.5 is added to every cell (Haldane–Anscombe) so it stays finite."""
    if 0 in (a, b, c, d):
        a, b, c, d = a + 0.5, b + 0.5, c + 0.5, d + 0.5
    log_or = math.log(a * d / (b * c))
    se = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    z = float(stats.norm.ppf(1 - alpha / 2))
    return math.exp(log_or), math.exp(log_or - z * se), math.exp(log_or + z * se)


def fisher_exact(table: Sequence[Sequence[int]]) -> float:
    return float(stats.fisher_exact(np.asarray(table), alternative="two-sided").pvalue)


def chi_squared(table: Sequence[Sequence[int]]) -> tuple[float, float, int]:
    """Pearson chi-squared test of independence (no continuity correction); rows or
    columns that are all zero are dropped, since they carry no information."""
    m = np.asarray(table, dtype=float)
    m = m[m.sum(axis=1) > 0][:, m.sum(axis=0) > 0]
    if m.shape[0] < 2 or m.shape[1] < 2:
        return (0.0, 1.0, 0)
    res = stats.chi2_contingency(m, correction=False)
    return float(res.statistic), float(res.pvalue), int(res.dof)
