"""Numbers at risk with delayed entry, for every event time at once.

Kaplan–Meier and the log-rank test need, at each event time t, how many patients are at
risk: entry < t ≤ exit (the counting-process convention lifelines uses). A mask per
time is O(times × patients); with the entries and exits sorted it is a count of each:
#entries < t − #exits < t, the same set because a patient who left before t entered
before t too. Patients who never are at risk (entry ≥ exit) are left out, so that
identity always holds. `risk_table` counts them for every group and every death time in
one sweep over the patients ordered by entry and by exit (`_survival.c`); the Cox model
keeps the same risk sets' weighted sums (`_coxph.c`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from onconode.analysis import _survival


def stable_order(values: np.ndarray) -> np.ndarray:
    """`np.argsort(values, kind="stable")`. Survival times are whole days: then the values
    and positions packed into one int64 key and sorted (NumPy's vectorised sort) give the
    same order ~8x faster than the stable argsort of floats."""
    if len(values) == 0 or len(values) >= 1 << 31:
        return np.argsort(values, kind="stable")
    low = values.min()
    if not np.isfinite(low):
        return np.argsort(values, kind="stable")
    shifted = values - low
    if not (shifted.max() < 1 << 31 and np.array_equal(shifted, np.floor(shifted))):
        return np.argsort(values, kind="stable")
    key = (shifted.astype(np.int64) << 31) | np.arange(len(values), dtype=np.int64)
    return np.sort(key) & ((1 << 31) - 1)


@dataclass
class RiskTable:
    """Per distinct death time (ascending) and group: numbers at risk (entry < t ≤ exit),
    deaths, and deaths of patients at risk then. A group's Kaplan–Meier curve reads its
    rows with deaths; the log-rank test reads all of them."""
    times: np.ndarray           # T
    at_risk: np.ndarray         # T x k int64
    deaths: np.ndarray          # T x k int64
    deaths_at_risk: np.ndarray  # T x k int64
    patients: np.ndarray        # k: patients per group

    def curve_rows(self, group: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A group's event times, numbers at risk and deaths (its Kaplan–Meier table)."""
        rows = self.deaths[:, group] > 0
        return self.times[rows], self.at_risk[rows, group], self.deaths[rows, group]


@dataclass(frozen=True)
class Orders:
    """Patients ordered (stably) by entry and by exit: sorted once per survival answer and
    shared by its risk table and its Cox fit."""
    by_entry: np.ndarray
    by_time: np.ndarray

    @classmethod
    def of(cls, entry: np.ndarray, time: np.ndarray) -> "Orders":
        return cls(stable_order(np.asarray(entry, float)), stable_order(np.asarray(time, float)))

    def subset(self, rows: np.ndarray) -> "Orders":
        """The orders of the patients where the mask `rows` holds, numbered among them."""
        at = np.cumsum(rows) - 1
        return Orders(at[self.by_entry[rows[self.by_entry]]], at[self.by_time[rows[self.by_time]]])


def risk_table(entry: np.ndarray, time: np.ndarray, event: np.ndarray, group: np.ndarray, k: int,
               orders: Orders | None = None) -> RiskTable:
    """The `RiskTable` of patients in groups 0..k-1 (one C sweep, `_survival.risk_table`);
    `orders`: theirs, when the caller has them."""
    entry, time = np.ascontiguousarray(entry, float), np.ascontiguousarray(time, float)
    event, group = np.ascontiguousarray(event, np.int64), np.ascontiguousarray(group, np.int64)
    n = len(time)
    if not (len(entry) == len(event) == len(group) == n):
        raise ValueError("entry, time, event and group need one value per patient")
    if np.isnan(entry).any() or np.isnan(time).any():
        raise ValueError("entry and time must be known for every patient (drop those without dates first)")
    if n and (group.min() < 0 or group.max() >= k):
        raise ValueError(f"group codes must lie in 0..{k - 1}")
    times, tables = np.empty(n), np.empty((3, n, k), np.int64)
    orders = orders or Orders.of(entry, time)
    T = _survival.risk_table(entry, time, event, group, orders.by_entry, orders.by_time, times, *tables)
    return RiskTable(times[:T], tables[0, :T], tables[1, :T], tables[2, :T], np.bincount(group, minlength=k))
