"""Sums over survival risk sets with delayed entry, for every event time at once.

Kaplan–Meier, the log-rank test and the Cox model all need, at each event time t, a sum
over the patients at risk: entry < t ≤ exit (the counting-process convention lifelines
uses). Written as a loop over event times with a boolean mask per time this is
O(times × patients) Python-level work — seconds at 5,000 patients and ~2,000 distinct
event times. With the patients sorted once it is two cumulative sums and two binary
searches: Σ_{exit ≥ t} − Σ_{entry ≥ t}, which is the same set because a patient who
entered at or after t (and left after entering) is in the first sum too. Patients who
never are at risk (entry ≥ exit) are left out first, so that identity always holds.
"""

from __future__ import annotations

import numpy as np


def at_risk_sums(entry: np.ndarray, time: np.ndarray, values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """For each t in `at`: the sum of `values` rows (first axis = patients) over patients
    with entry < t ≤ time. Integer values give exact integer sums."""
    entry, time, at = np.asarray(entry, float), np.asarray(time, float), np.asarray(at, float)
    values = np.asarray(values)
    if values.shape[0] != len(time) or len(entry) != len(time):
        raise ValueError("entry, time and values need one row per patient")
    ever = entry < time
    entry, time, values = entry[ever], time[ever], values[ever]
    return _tail_sums(time, values, at) - _tail_sums(entry, values, at)


def _tail_sums(keys: np.ndarray, values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Σ values[keys ≥ t] for each t in `at`."""
    order = np.argsort(keys, kind="stable")
    k = keys[order]
    zero = np.zeros((1,) + values.shape[1:], dtype=values.dtype)
    prefix = np.concatenate([zero, np.cumsum(values[order], axis=0)])   # prefix[j] = Σ of the j smallest keys
    return prefix[-1] - prefix[np.searchsorted(k, at, side="left")]


def at_risk_counts(entry: np.ndarray, time: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Numbers at risk (entry < t ≤ time) at each t in `at`."""
    return at_risk_sums(entry, time, np.ones(len(np.asarray(time)), dtype=np.int64), at)


def counts_at(keys: np.ndarray, at: np.ndarray) -> np.ndarray:
    """How many `keys` equal each t in `at`."""
    k = np.sort(np.asarray(keys, float))
    at = np.asarray(at, float)
    return np.searchsorted(k, at, side="right") - np.searchsorted(k, at, side="left")
