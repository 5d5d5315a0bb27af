"""The common time grid of federated survival analyses (Kaplan–Meier, log-rank, Cox
with a common baseline).

Round one: each node bins its event times in the node's fixed-width bins
(`survival_bin_days`) merged until every bin holds ≥ `min_events_per_bin` events in each
group that has events there (`Rules.survival_grid`), and sends only the bin edges. The
coordinator keeps the edges every node has (plus the last time anyone reached): each
common bin is then a union of whole bins of every node, so it too holds ≥ the minimum
events at every node. Later rounds move times onto that grid (exits to the bin's right
edge, delayed entries to its left edge), so no figure rests on a single event time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from onconode.analysis.disclosure import DisclosureRefused, Rules
from onconode.analysis.federated.base import FederatedError
from onconode.analysis.federated.data import patient_frame


def group_spec(params: dict) -> tuple[str | None, list[str]]:
    g = params.get("group")
    if g is None:
        return None, ["all"]
    levels = params.get("group_levels")
    if not isinstance(levels, list) or len(levels) < 2:
        raise FederatedError("parameter 'group_levels': list the levels of the grouping variable (at least two)")
    return g, [str(x) for x in levels]


def survival_rows(snap: Any, params: dict, extra: list[str] | None = None) -> pd.DataFrame:
    """Per analysable patient: entry, time, event, group (+ `extra` columns), complete cases."""
    if not params.get("endpoint"):
        raise FederatedError("parameter 'endpoint': choose os, time_on_treatment or time_to_progression")
    from onconode.analysis.federated.data import check_variables

    g, levels = group_spec(params)
    need = ["entry", "time", "event"] + ([g] if g else []) + (extra or [])
    df = patient_frame(snap, params)
    check_variables(df, need, "survival")
    df = df.dropna(subset=need).copy()
    if g:
        lab = df[g].map(lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
        df = df[lab.isin(levels)].assign(group=lab[lab.isin(levels)])
    else:
        df["group"] = "all"
    if not params.get("left_truncation", False):
        df["entry"] = 0.0
    return df


def local_edges(df: pd.DataFrame, rules: Rules) -> dict[str, Any]:
    """This node's merged bin edges (interior ones) and its last binned time; refuses
    when some group's events cannot fill a bin."""
    t, e, g = df.time.to_numpy(float), df.event.to_numpy(int), df.group.to_numpy()
    need = rules.settings.min_events_per_bin
    if int(e.sum()) < need:
        raise DisclosureRefused(f"fewer than {need} events in this node's cohort; widen the cohort or join a larger node")
    grid = rules.survival_grid(t, e, g)
    binned = rules.bin_times(t, grid)
    for grp in np.unique(g):
        counts = pd.Series(binned[(g == grp) & (e == 1)]).value_counts()
        if ((counts > 0) & (counts < need)).any():
            raise DisclosureRefused(f"group {grp!r} has fewer than {need} events in a time bin; use fewer groups or widen the cohort")
    return {"edges": [float(x) for x in grid[:-1]], "top": float(grid[-1])}


def common_grid(partials: dict[str, dict]) -> list[float]:
    edges = set.intersection(*[set(p["edges"]) for p in partials.values()])
    top = max(p["top"] for p in partials.values())
    return sorted(x for x in edges if x < top) + [top]


def on_grid(df: pd.DataFrame, grid: list[float], rules: Rules) -> pd.DataFrame:
    g = np.asarray(grid, float)
    return df.assign(time=rules.bin_times(df.time.to_numpy(float), g), entry=rules.bin_entries(df.entry.to_numpy(float), g))
