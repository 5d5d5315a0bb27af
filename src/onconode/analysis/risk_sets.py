"""Numbers at risk with delayed entry, for every event time at once.

Kaplan–Meier and the log-rank test need, at each event time t, how many patients are at
risk: entry < t ≤ exit (the counting-process convention lifelines uses). A mask per
time is O(times × patients); with the entries and exits sorted it is two binary
searches: #exits ≥ t − #entries ≥ t, the same set because a patient who entered at or
after t (and left after entering) is counted in both. Patients who never are at risk
(entry ≥ exit) are left out first, so that identity always holds. (The Cox model keeps
the same risk sets' weighted sums in `_cox.c`.)
"""

from __future__ import annotations

import numpy as np


def at_risk_counts(entry: np.ndarray, time: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Numbers at risk (entry < t ≤ time) at each t in `at`: #entries < t − #exits < t
    over the patients ever at risk."""
    entry, time, at = np.asarray(entry, float), np.asarray(time, float), np.asarray(at, float)
    if len(entry) != len(time):
        raise ValueError("entry and time need one value per patient")
    ever = entry < time
    return (np.searchsorted(np.sort(entry[ever]), at, side="left")
            - np.searchsorted(np.sort(time[ever]), at, side="left")).astype(np.int64)
