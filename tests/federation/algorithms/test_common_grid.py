"""The common time grid of federated survival analyses: nodes whose event times are
distributed very differently (a node of short survivors, one of long survivors, one in
between) still get a fine common grid on which every node's disclosure rule holds, and
the federated Kaplan–Meier curve stays close to the curve of the pooled, unbinned data.
Hand-made node tables (FrameSnapshot) make the distributions exact."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter

from onconode.analysis.disclosure import DisclosureRefused, DisclosureSettings, Rules
from onconode.analysis.federated import get_algorithm, run_local
from onconode.analysis.federated.data import FrameSnapshot
from onconode.analysis.federated.timegrid import local_edges, survival_rows
from tests.federation.km_distance import distance

RULES = Rules(DisclosureSettings())
# Median survival (days) at each node: very different event-time distributions.
MEDIANS = {"NL": 200.0, "SE": 700.0, "ES": 1800.0}
GROUP = {"group": "sex", "group_levels": ["1", "0"]}


def node(n: int, median_days: float, seed: int) -> FrameSnapshot:
    rng = np.random.default_rng(seed)
    death = rng.exponential(median_days / np.log(2), n)
    censor = rng.uniform(100, 4000, n)
    return FrameSnapshot(pd.DataFrame({
        "patient_id": [f"P{seed}-{i:03d}" for i in range(n)], "sex": (rng.random(n) < 0.5).astype(float),
        "entry": 0.0, "time": np.ceil(np.minimum(death, censor)), "event": (death <= censor).astype(int)}))


@pytest.fixture(scope="module")
def snaps() -> dict[str, FrameSnapshot]:
    return {name: node(160, med, seed) for seed, (name, med) in enumerate(MEDIANS.items(), start=1)}


def pooled(snaps: dict[str, FrameSnapshot]) -> pd.DataFrame:
    return pd.concat([s.frame for s in snaps.values()], ignore_index=True)


def own_edges(snap: FrameSnapshot, params: dict, rules: Rules = RULES) -> np.ndarray:
    e = local_edges(survival_rows(snap, params), rules)
    return np.asarray(e["edges"] + [e["top"]])


def node_binned(snaps: dict[str, FrameSnapshot], params: dict, rules: dict[str, Rules] | None = None) -> pd.DataFrame:
    """The pooled data with each node's times moved to the right edge of its own bin."""
    out = []
    for name, s in snaps.items():
        g = own_edges(s, params, (rules or {}).get(name, RULES))
        f = s.frame
        out.append(f.assign(time=g[np.minimum(np.searchsorted(g, f.time.to_numpy(float), side="left"), len(g) - 1)]))
    return pd.concat(out, ignore_index=True)


def test_nodes_with_different_event_times_get_a_fine_grid_and_the_curve_stays_near_the_pooled_one(snaps):
    result = run_local("km", snaps, {"endpoint": "os"}, RULES)
    grid = result["time_bins_days"]
    assert len(grid) >= 30, grid                      # the intersection of the nodes' edges: one or two bins
    d = distance(result["curves"][0], pooled(snaps))  # measured: max 0.063, medians 690 vs 622 days
    assert d["max"] < 0.08, (d, grid)
    assert d["median"] is not None and abs(d["median"] - d["pooled_median"]) <= 90, d


def test_the_federated_curve_equals_lifelines_on_the_data_binned_node_by_node(snaps):
    result = run_local("km", snaps, {"endpoint": "os"}, RULES)
    df = node_binned(snaps, {"endpoint": "os"})
    ref = KaplanMeierFitter().fit(df.time, df.event).survival_function_.iloc[:, 0]
    steps = pd.Series({s["time"]: s["survival"] for s in result["curves"][0]["steps"]})
    assert np.allclose(steps.to_numpy(), ref.loc[steps.index].to_numpy(), atol=1e-10)
    assert set(steps.index) == set(df.time[df.event == 1])


def test_every_bin_of_the_common_grid_keeps_every_nodes_rule_the_last_included(snaps):
    params = {"endpoint": "os", **GROUP}
    km = get_algorithm("km")
    result = run_local(km, snaps, params, RULES)
    grid = result["time_bins_days"]
    for name, s in snaps.items():
        sent = km.partial(s, params, {"phase": "table", "grid": grid}, RULES)
        for level, part in sent["groups"].items():
            events = np.asarray(part["events"])
            assert ((events == 0) | (events >= 5)).all(), (name, level, events)
            assert events.sum() == int(s.frame.event[s.frame.sex == float(level)].sum())


def test_grouped_curves_stay_near_the_pooled_unbinned_curves(snaps):
    result = run_local("km", snaps, {"endpoint": "os", **GROUP}, RULES)
    frame = pooled(snaps)
    # Two groups need ≥ 5 events each per bin at each node: wider bins, mostly in the tails.
    # Measured: max 0.188 / 0.118, 0.135 / 0.118 with ≥ 20 at risk, medians 870 vs 670, 630 vs 565 days.
    assert len(result["time_bins_days"]) >= 15
    for curve, level in zip(result["curves"], (1.0, 0.0)):
        d = distance(curve, frame[frame.sex == level])
        assert d["max"] < 0.22 and d["max_20_at_risk"] < 0.16, (level, d)
        assert d["median"] is not None and abs(d["median"] - d["pooled_median"]) <= 250, (level, d)


def test_a_node_refuses_a_table_on_a_grid_without_its_own_edges(snaps):
    """A coordinator that does not send the union of the nodes' edges gets nothing: the
    node's events may only be counted at its own edges."""
    km = get_algorithm("km")
    with pytest.raises(DisclosureRefused, match="lacks this node's bin edges"):
        km.partial(snaps["NL"], {"endpoint": "os"}, {"phase": "table", "grid": [360.0, 5000.0]}, RULES)


def test_a_node_with_wider_bins_counts_its_events_only_at_multiples_of_its_width(snaps):
    wide = Rules(DisclosureSettings(survival_bin_days=90))
    rules = {"NL": RULES, "SE": wide, "ES": RULES}
    km = get_algorithm("km")
    grid = run_local(km, snaps, {"endpoint": "os"}, rules)["time_bins_days"]
    sent = km.partial(snaps["SE"], {"endpoint": "os"}, {"phase": "table", "grid": grid}, wide)["groups"]["all"]["events"]
    at = [t for t, d in zip(grid, sent) if d]
    assert len(at) >= 8 and all(t % 90 == 0 for t in at[:-1]), at
    assert any(t % 90 for t in grid)                  # the other nodes' 30-day edges are in the grid


def test_cox_with_a_common_baseline_uses_the_same_grid(snaps):
    result = run_local("cox", snaps, {"endpoint": "os", "covariates": ["sex"], "baseline": "common"}, RULES)
    assert result["time_bins_days"] == run_local("km", snaps, {"endpoint": "os"}, RULES)["time_bins_days"]
    assert len(result["time_bins_days"]) >= 30
