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
    log_fact = _log_factorials(int((n1 + n2).max()))
    logpmf = (_log_choose(log_fact, n1[:, None], x) + _log_choose(log_fact, n2[:, None], n[:, None] - x)
              - _log_choose(log_fact, (n1 + n2)[:, None], n[:, None]))
    pmf = np.where(inside, np.exp(logpmf), 0.0)
    observed = np.exp(_log_choose(log_fact, n1, a) + _log_choose(log_fact, n2, n - a) - _log_choose(log_fact, n1 + n2, n))
    p = np.where(inside & (pmf <= observed[:, None] * (1 + _TIE)), pmf, 0.0).sum(axis=1)
    mode = pmf.max(axis=1)
    at_mode = np.abs(observed - mode) / np.maximum(observed, mode) <= _TIE
    return np.where(at_mode, 1.0, np.minimum(p, 1.0)).tolist()


def _log_factorials(top: int) -> np.ndarray:
    """log(i!) for i = 0..top: the `gammaln(i + 1)` values a per-element call gives."""
    return special.gammaln(np.arange(top + 1, dtype=float) + 1)


def _log_choose(log_fact: np.ndarray, n: np.ndarray, k: np.ndarray) -> np.ndarray:
    """log C(n, k) by lookups in `log_fact` (one log-gamma per count, not three per
    element of a tables × support grid: most of the test's time)."""
    return log_fact[n] - log_fact[k] - log_fact[n - k]


def chi_squared(table: Sequence[Sequence[int]]) -> tuple[float, float, int]:
    """Pearson chi-squared test of independence (no continuity correction); rows or
    columns that are all zero are dropped, since they carry no information.

    scipy's `chi2_contingency(correction=False)` operation for operation (expected =
    row sum × column sum / total, Σ (observed − expected)² / expected, the chi-squared
    survival function `chdtrc`), without its ~1 ms of argument handling per table: a
    comparison tests every clinical attribute and, for 3+ groups, every gene."""
    m = np.asarray(table, dtype=float)
    if m.ndim != 2:
        raise ValueError("a chi-squared test of independence needs a two-dimensional table")
    if (m < 0).any():
        raise ValueError("a chi-squared test needs non-negative counts")
    m = m[m.sum(axis=1) > 0][:, m.sum(axis=0) > 0]
    if m.shape[0] < 2 or m.shape[1] < 2:
        return (0.0, 1.0, 0)
    expected = m.sum(axis=1, keepdims=True) * m.sum(axis=0, keepdims=True) / m.sum()
    statistic = float(((m - expected) ** 2 / expected).sum())
    dof = (m.shape[0] - 1) * (m.shape[1] - 1)
    return statistic, float(special.chdtrc(float(dof), statistic)), dof


def mann_whitney_u_sorted(values: np.ndarray, in_x: np.ndarray) -> float:
    """Two-sided p of the Mann–Whitney U test, as scipy's `mannwhitneyu(x, y,
    alternative="two-sided")` (method "auto", continuity correction), of two NaN-free,
    non-empty samples given as their values together in ascending order and which of them
    belong to the first: a caller that keeps a column sorted once per snapshot ranks any
    two groups of it without sorting again.

    Average ranks of tied runs and the tie term Σ(t³ − t) come from the run boundaries;
    both are sums of exact half-integers, so U equals scipy's to the last bit. Where
    scipy computes the exact distribution (a sample of ≤ 8 and no ties) it is called."""
    values = np.asarray(values, dtype=float)
    in_x = np.asarray(in_x, dtype=bool)
    n = len(values)
    n1 = int(in_x.sum())
    n2 = n - n1
    if n1 == 0 or n2 == 0:
        raise ValueError("a Mann-Whitney U test needs two non-empty samples")
    if np.isnan(values).any():
        raise ValueError("a Mann-Whitney U test needs values without NaN")
    if n > 1 and (values[1:] < values[:-1]).any():
        raise ValueError("values must be in ascending order")
    starts = np.flatnonzero(np.concatenate([[True], values[1:] != values[:-1]]))
    counts = np.diff(np.append(starts, n))
    if not (n1 > 8 and n2 > 8) and not (counts > 1).any():
        return float(stats.mannwhitneyu(values[in_x], values[~in_x], alternative="two-sided").pvalue)
    mid_rank = (starts + 1) + (counts - 1) / 2                       # 1-based average rank of each run
    x_per_run = np.add.reduceat(in_x.astype(np.int64), starts)
    r1 = float((mid_rank * x_per_run).sum())
    u1 = r1 - n1 * (n1 + 1) / 2
    u = max(u1, n1 * n2 - u1)
    t = counts.astype(float)
    tie_term = (t ** 3 - t).sum()
    s = np.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (u - n1 * n2 / 2 - 0.5) / s
    return float(np.clip(2 * special.ndtr(-z), 0.0, 1.0))


def quartiles_sorted(values: np.ndarray) -> tuple[float, float, float]:
    """(q1, median, q3) of non-empty values in ascending order, as `np.quantile(v, .25)`,
    `np.median(v)` and `np.quantile(v, .75)` give them (linear interpolation, numpy's
    two-sided form of it; the median the mean of the middle two), read off the order
    without numpy's partition per call."""
    n = len(values)
    if n == 0:
        raise ValueError("quartiles of no values")

    def quantile(q: float) -> float:
        at = (n - 1) * q
        below = math.floor(at)
        if at >= n - 1:
            return float(values[n - 1])
        a, b = float(values[below]), float(values[below + 1])
        t = at - below
        return b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t

    half = n // 2
    median = float(values[half]) if n % 2 else (float(values[half - 1]) + float(values[half])) / 2
    return quantile(0.25), median, quantile(0.75)

