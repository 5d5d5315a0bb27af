"""The common time grid of federated survival analyses (Kaplan–Meier, log-rank, Cox
with a common baseline).

Round one: each node bins its event times in the node's fixed-width bins
(`survival_bin_days`) merged until every bin holds ≥ `min_events_per_bin` events in each
group that has events there, the last bin with events included (`node_edges`), and sends
only the bin edges and its last edge ("top"). The common grid is the union of every
node's edges. Later rounds bin each node's times on **its own** edges (exits to the right
edge of their bin, delayed entries to its left edge) and count at-risk numbers and events
at every time of the common grid. So every bin of the common grid holds, at each node and
in each group, either no event or the whole of one of the node's own bins (≥ the minimum):
each node's rule holds on the common grid, and no figure rests on a single event time.

Why not one grid that every node bins on: nodes whose event times are distributed
differently merge different bins, and keeping only the edges all of them chose left a
single bin (three demo nodes: 7, 5 and 7 edges, none shared). Any one grid must give every
node ≥ the minimum in each of its bins, so the node with the fewest events in a period
coarsens it for everyone; binning each node on its own edges coarsens only that node's
share. Largest distance of the federated curve from the pooled unbinned Kaplan–Meier
curve on three nodes of 160 patients with median survival 200 / 700 / 1,800, 400 / 600 /
900 and 600 days each: 0.063, 0.072, 0.075; a single grid negotiated in rounds (nodes
dropping proposed edges until all accept), tried first: 0.21, 0.16, 0.18.

A node checks in every later round that the grid it is sent contains all its own edges,
and refuses otherwise: its events are only ever counted at its own edges.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from onconode.analysis.disclosure import DisclosureRefused, Rules
from onconode.analysis.federated.base import FederatedError
from onconode.analysis.federated.data import check_variables, patient_frame


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


def node_edges(times: np.ndarray, events: np.ndarray, groups: np.ndarray, rules: Rules) -> list[float]:
    """Right edges of this node's time bins: `survival_bin_days` bins merged left to right
    until each holds ≥ `min_events_per_bin` events in every group that has events in it;
    the short tail joins the bins before it until it too holds that many (per group); then
    one last, event-free bin up to the node's last time, so follow-up after the last
    event is not cut short. Refuses when no grid would do."""
    need, w = rules.settings.min_events_per_bin, rules.settings.survival_bin_days
    t, e = np.asarray(times, float), np.asarray(events) == 1
    if int(e.sum()) < need:
        raise DisclosureRefused(f"fewer than {need} events in this node's cohort; widen the cohort or join a larger node")
    g = np.unique(np.asarray(groups), return_inverse=True)[1]
    top = float(np.ceil(max(float(t.max()), 1e-9) / w) * w)
    fine = np.arange(w, top + w / 2, w, dtype=float)
    counts = np.zeros((int(g.max()) + 1, len(fine)), int)
    np.add.at(counts, (g[e], np.minimum(np.searchsorted(fine, t[e], side="left"), len(fine) - 1)), 1)

    def full(c: np.ndarray) -> bool:
        return bool(c.sum() > 0 and np.all((c == 0) | (c >= need)))

    last = int(np.flatnonzero(counts.sum(axis=0))[-1])   # the bin of the last event
    kept: list[tuple[float, np.ndarray]] = []             # (right edge, events per group in its bin)
    pending = np.zeros(counts.shape[0], int)
    for j in range(last):
        pending = pending + counts[:, j]
        if full(pending):
            kept.append((float(fine[j]), pending))
            pending = np.zeros_like(pending)
    pending = pending + counts[:, last]
    while not full(pending) and kept:                    # the tail joins the bins before it
        pending = pending + kept.pop()[1]
    if not full(pending):
        raise DisclosureRefused(f"a group has fewer than {need} events in every time bin it could have; "
                                "use fewer groups or widen the cohort")
    return [r for r, _ in kept] + [float(fine[last])] + ([top] if top > fine[last] else [])


def local_edges(df: pd.DataFrame, rules: Rules) -> dict[str, Any]:
    """This node's bin edges (interior ones) and its last edge, as sent in round one."""
    edges = node_edges(df.time.to_numpy(float), df.event.to_numpy(int), df.group.to_numpy(), rules)
    return {"edges": edges[:-1], "top": edges[-1]}


def common_grid(partials: dict[str, dict]) -> list[float]:
    """Coordinator side: the union of every node's edges and last edges."""
    return sorted({float(x) for p in partials.values() for x in list(p["edges"]) + [p["top"]]})


def on_grid(df: pd.DataFrame, grid: list[float], rules: Rules) -> pd.DataFrame:
    """This node's times on its own edges (which must all be in the common `grid`): exits
    to the right edge of their bin, delayed entries to its left edge."""
    own = local_edges(df, rules)
    mine = np.asarray(own["edges"] + [own["top"]], float)
    missing = sorted(set(mine.tolist()) - {float(x) for x in grid})
    if missing:
        raise DisclosureRefused(f"the time grid sent lacks this node's bin edges {missing[:5]}; its events may only be "
                                "counted at its own edges: the coordinator must send the union of the nodes' edges")
    return df.assign(time=rules.bin_times(df.time.to_numpy(float), mine), entry=rules.bin_entries(df.entry.to_numpy(float), mine))
