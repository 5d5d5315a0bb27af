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
    return RiskSets(entry, time, at).sums(values)


class RiskSets:
    """The sorting and searching `at_risk_sums` needs, done once for fixed entries, exits
    and times, so a Newton–Raphson fit that sums new values over the same risk sets in
    every iteration sorts nothing again."""

    def __init__(self, entry: np.ndarray, time: np.ndarray, at: np.ndarray) -> None:
        entry, time, at = np.asarray(entry, float), np.asarray(time, float), np.asarray(at, float)
        if len(entry) != len(time):
            raise ValueError("entry, time and values need one row per patient")
        self.n = len(time)
        self.ever = entry < time
        entry, time = entry[self.ever], time[self.ever]
        self._exit = _tail(time, at)
        self._entry = _tail(entry, at)

    def sums(self, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values)
        if values.shape[0] != self.n:
            raise ValueError("entry, time and values need one row per patient")
        values = values[self.ever]
        return _tail_sums(values, *self._exit) - _tail_sums(values, *self._entry)


def _tail(keys: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The stable order of `keys` and, per t in `at`, how many keys are < t."""
    order = np.argsort(keys, kind="stable")
    return order, np.searchsorted(keys[order], at, side="left")


def _tail_sums(values: np.ndarray, order: np.ndarray, below: np.ndarray) -> np.ndarray:
    """Σ values[keys ≥ t] for each t (keys sorted by `order`, `below` keys < t)."""
    zero = np.zeros((1,) + values.shape[1:], dtype=values.dtype)
    prefix = np.concatenate([zero, np.cumsum(values[order], axis=0)])   # prefix[j] = Σ of the j smallest keys
    return prefix[-1] - prefix[below]


def at_risk_counts(entry: np.ndarray, time: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Numbers at risk (entry < t ≤ time) at each t in `at`."""
    return at_risk_sums(entry, time, np.ones(len(np.asarray(time)), dtype=np.int64), at)


def counts_at(keys: np.ndarray, at: np.ndarray) -> np.ndarray:
    """How many `keys` equal each t in `at`."""
    k = np.sort(np.asarray(keys, float))
    at = np.asarray(at, float)
    return np.searchsorted(k, at, side="right") - np.searchsorted(k, at, side="left")
