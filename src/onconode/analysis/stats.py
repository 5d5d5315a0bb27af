"""Small statistical building blocks shared by the analyses (one definition each)."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from scipy import special, stats


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


_TIE = 1e-7


def fisher_exact_many(tables: Sequence[Sequence[Sequence[int]]]) -> list[float]:
    """Two-sided Fisher exact p of each 2×2 table, all tables at once: what
    `fisher_exact` (scipy) gives, to ~1e-12 relative, without scipy's per-table Python
    (a group comparison tests every gene: ~2.5 ms per scipy call).

    As scipy: p = Σ P(x) over the hypergeometric support where P(x) ≤ P(observed), and
    exactly 1 when the observed table is the mode (or a margin is zero). P comes from
    log-gamma sums (~1e-12 relative error at these sizes), so "≤" allows 1e-7 relative,
    as R's fisher.test does: tables exactly as likely as the observed one (mirror images)
    must count, and scipy's 1e-14 is below this rounding."""
    t = np.asarray(tables, dtype=np.int64).reshape(-1, 2, 2)
    if len(t) == 0:
        return []
    if (t < 0).any():
        raise ValueError("Fisher's exact test needs non-negative counts")
    a, b, c, d = t[:, 0, 0], t[:, 0, 1], t[:, 1, 0], t[:, 1, 1]
    n1, n2, n = a + b, c + d, a + c
    lo, hi = np.maximum(0, n - n2), np.minimum(n, n1)
    x = lo[:, None] + np.arange(int((hi - lo).max()) + 1)[None, :]          # tables × support (padded)
    inside = x <= hi[:, None]
    x = np.where(inside, x, lo[:, None])
    logpmf = (_log_choose(n1[:, None], x) + _log_choose(n2[:, None], n[:, None] - x) - _log_choose((n1 + n2)[:, None], n[:, None]))
    pmf = np.where(inside, np.exp(logpmf), 0.0)
    observed = np.exp(_log_choose(n1, a) + _log_choose(n2, n - a) - _log_choose(n1 + n2, n))
    p = np.where(inside & (pmf <= observed[:, None] * (1 + _TIE)), pmf, 0.0).sum(axis=1)
    mode = pmf.max(axis=1)
    at_mode = np.abs(observed - mode) / np.maximum(observed, mode) <= _TIE
    return np.where(at_mode, 1.0, np.minimum(p, 1.0)).tolist()


def _log_choose(n: np.ndarray, k: np.ndarray) -> np.ndarray:
    return special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1)


def chi_squared(table: Sequence[Sequence[int]]) -> tuple[float, float, int]:
    """Pearson chi-squared test of independence (no continuity correction); rows or
    columns that are all zero are dropped, since they carry no information."""
    m = np.asarray(table, dtype=float)
    m = m[m.sum(axis=1) > 0][:, m.sum(axis=0) > 0]
    if m.shape[0] < 2 or m.shape[1] < 2:
        return (0.0, 1.0, 0)
    res = stats.chi2_contingency(m, correction=False)
    return float(res.statistic), float(res.pvalue), int(res.dof)
