"""How far a federated Kaplan–Meier curve lies from the Kaplan–Meier curve of the pooled,
unbinned data (lifelines): the measure docs/federated-analysis.md reports."""

from __future__ import annotations

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter


def step_at(steps: list[dict], days: np.ndarray) -> np.ndarray:
    """The federated curve (right-continuous steps) at each day."""
    t = np.array([s["time"] for s in steps])
    s = np.concatenate([[1.0], [x["survival"] for x in steps]])
    return s[np.searchsorted(t, days, side="right")]


def distance(curve: dict, frame: pd.DataFrame) -> dict[str, float | None]:
    """The largest absolute difference of survival over every day of follow-up and over
    the days when ≥ 20 patients are at risk, and both medians (days)."""
    ref = KaplanMeierFitter().fit(frame.time, frame.event)
    days = np.arange(0, frame.time.max() + 1)
    gap = np.abs(step_at(curve["steps"], days) - ref.survival_function_at_times(days).to_numpy())
    at_risk = len(frame) - np.searchsorted(np.sort(frame.time.to_numpy()), days, side="left")
    return {"max": round(float(gap.max()), 3), "max_20_at_risk": round(float(gap[at_risk >= 20].max()), 3),
            "median": curve["median_days"], "pooled_median": float(ref.median_survival_time_)}
