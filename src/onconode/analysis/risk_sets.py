"""Numbers at risk with delayed entry, for every death time at once.

Kaplan–Meier and the log-rank test need, at each event time t, how many patients are at
risk: entry < t ≤ exit (the counting-process convention lifelines uses). A mask per
time is O(times × patients); with the entries and exits sorted it is a count of each:
#entries < t − #exits < t, the same set because a patient who left before t entered
before t too. Patients who never are at risk (entry ≥ exit) are left out, so that
identity always holds. `risk_table` counts them for every group and death time with
NumPy sorts and binary searches (a C sweep stood here before, `_survival.c`; it saved
well under a millisecond of a survival question, issue 19).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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


def risk_table(entry: np.ndarray, time: np.ndarray, event: np.ndarray, group: np.ndarray, k: int) -> RiskTable:
    """The `RiskTable` of patients in groups 0..k-1."""
    entry, time = np.asarray(entry, float), np.asarray(time, float)
    event, group = np.asarray(event, np.int64), np.asarray(group, np.int64)
    n = len(time)
    if not (len(entry) == len(event) == len(group) == n):
        raise ValueError("entry, time, event and group need one value per patient")
    if np.isnan(entry).any() or np.isnan(time).any():
        raise ValueError("entry and time must be known for every patient (drop those without dates first)")
    if n and (group.min() < 0 or group.max() >= k):
        raise ValueError(f"group codes must lie in 0..{k - 1}")
    dead = event == 1
    times, at_time = np.unique(time[dead], return_inverse=True)
    at_risk = np.zeros((len(times), k), np.int64)
    ever = entry < time
    for g in range(k):
        mine = ever & (group == g)
        at_risk[:, g] = (np.searchsorted(np.sort(entry[mine]), times, side="left")
                         - np.searchsorted(np.sort(time[mine]), times, side="left"))
    deaths = np.zeros((len(times), k), np.int64)
    deaths_at_risk = np.zeros((len(times), k), np.int64)
    np.add.at(deaths, (at_time, group[dead]), 1)
    np.add.at(deaths_at_risk, (at_time, group[dead]), ever[dead].astype(np.int64))
    return RiskTable(times, at_risk, deaths, deaths_at_risk, np.bincount(group, minlength=k))
