"""The cell-key method (issue 15 items 1-4, 10): record keys, the perturbation table,
consistency, trackers, markers, and statistics computed from perturbed tables."""

from __future__ import annotations

import json
import stat

import numpy as np
import pytest
from scipy import stats

from onconode.analysis import cohort as cohorts
from onconode.analysis import compare, response, service, survival
from onconode.analysis.cellkey import KEY_RANGE, SECRET_FILE, PTable, RecordKeys, node_secret
from onconode.analysis.disclosure import DisclosureRefused, DisclosureSettings, Gate, Rules
from onconode.analysis.stats import fisher_exact

RULES = Rules(DisclosureSettings(), RecordKeys(bytes(32)))


# -- record keys and the p-table -----------------------------------------------------------

def test_the_node_secret_is_created_once_and_owner_only(tmp_path):
    first = node_secret(tmp_path)
    path = tmp_path / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert node_secret(tmp_path) == first                                    # never regenerated
    assert RecordKeys.for_home(tmp_path).key("HMF000001") == RecordKeys(first).key("HMF000001")
    path.write_text("not hex\n")
    with pytest.raises(ValueError, match="Restore it from the node's backup"):
        node_secret(tmp_path)


def test_record_keys_are_uniform_and_a_cell_key_is_a_function_of_its_members_only():
    keys = RecordKeys(b"s" * 32)
    k = keys.of(f"HMF{i:06d}" for i in range(20000))
    assert k.min() >= 0 and k.max() < KEY_RANGE
    assert stats.chisquare(np.histogram(k, bins=20, range=(0, KEY_RANGE))[0]).pvalue > 1e-4
    assert keys.cell(["a", "b", "c"]) == keys.cell(["c", "a", "b"])
    assert keys.cell(["a", "b"]) != keys.cell(["a", "c"])
    assert RecordKeys(b"t" * 32).key("a") != keys.key("a")                 # another node, other keys


@pytest.mark.parametrize("D, V", [(3, 2.0), (2, 1.0), (5, 4.0)])
def test_the_noise_is_bounded_zero_mean_of_the_set_variance_and_never_negative(D, V):
    table = PTable(D, V)
    for n, (values, cum) in enumerate(table.rows):
        p = np.diff(np.concatenate([[0.0], cum]))
        assert abs(p @ values) < 1e-6 and np.abs(values).max() <= D and (n + values >= 0).all()
        if n >= D:
            assert abs(p @ values.astype(float) ** 2 - V) < 1e-6
    u = np.arange(0, KEY_RANGE, 499)   # cell keys across their range
    for n in (0, 1, 2, 4, 7, 100):
        out = table.perturb(np.full(len(u), n), u)
        assert (out >= 0).all() and np.abs(out - n).max() <= D and abs(out.mean() - n) < 0.01
    assert table.perturb(np.zeros(5, np.int64), np.arange(5) * 999).tolist() == [0] * 5   # zeros stay zero


def test_noise_settings_may_only_be_made_stricter_and_must_be_feasible():
    assert DisclosureSettings(noise_max=5, noise_variance=4).noise_max == 5
    for laxer in ({"noise_max": 2}, {"noise_variance": 1.5}):
        with pytest.raises(ValueError, match="may only be made stricter"):
            DisclosureSettings(**laxer)
    with pytest.raises(ValueError, match="raise noise_max too"):
        DisclosureSettings(noise_variance=3.0)


def test_perturbed_values_of_one_to_four_are_suppressed_and_shares_of_them_withheld():
    assert [RULES.shown(v) for v in (0, 1, 4, 5, 17)] == [0, "<5", "<5", 5, 17]
    assert RULES.share("<5", 40) == "withheld" and RULES.share(10, 40) == 0.25
    listed = RULES.counts([1] * 200, [i * (KEY_RANGE // 200) for i in range(200)], listed=True)
    assert 0 not in listed and "<5" in listed                               # a listed 1 never shows as 0


# -- consistency and trackers ----------------------------------------------------------------

def test_the_same_patients_get_the_same_answer_every_time_and_however_asked(synth, tmp_path):
    snap = synth.snapshot()
    female = {"op": "sex", "values": ["female"]}
    first = service.count(Gate.for_home(tmp_path), "eve", snap, female)
    for user in ("eve", "mallory", "anonymous:10.0.0.1"):
        again = service.count(Gate.for_home(tmp_path), user, snap, {"op": "and", "args": [female, {"op": "all"}]})
        assert (again["patients"], again["samples"]) == (first["patients"], first["samples"])
    exact = cohorts.evaluate(snap, female).patients
    assert abs(first["patients"] - exact) <= 3


LOCATIONS = ["Skin", "Lung", "Breast", "Colorectum", "Prostate", "Pancreas", "Ovary", "Esophagus", "Bone/Soft tissue",
             "Urothelial tract", "Kidney", "Stomach", "Uterus", "Head and neck", "Liver", "Bile duct", "Mesothelium"]


def _small_intersections(snap) -> list[tuple[dict, dict, int]]:
    """(A, B, |A and B|) for tumour locations × (mutated genes, 4-year age bands) whose
    intersection holds 1..4 patients."""
    genes = [{"op": "gene_altered", "gene": g, "alteration": "mutation"} for g in ("TP53", "KRAS", "PIK3CA", "APC", "BRAF")]
    ages = [{"op": "age_at_biopsy", "min": lo, "max": lo + 3} for lo in range(40, 84, 4)]
    out = []
    for loc in LOCATIONS:
        a = {"op": "tumour_location", "locations": [loc]}
        for b in genes + ages:
            n = cohorts.evaluate(snap, {"op": "and", "args": [a, b]}).patients
            if 1 <= n <= 4:
                out.append((a, b, n))
    return out


def test_union_differencing_no_longer_recovers_small_cells(synth, tmp_path):
    """|A and B| = |A| + |B| - |A or B|: each term a large, answerable count. Under the
    rule-based guard every small cell came back exactly; now each term carries its own
    noise and the difference is noise around the hidden count."""
    snap = synth.snapshot()
    gate = Gate.for_home(tmp_path)
    tried = recovered = 0
    for a, b, n in _small_intersections(snap):
        try:
            shown = [service.count(gate, "eve", snap, d)["patients"] for d in (a, b, {"op": "or", "args": [a, b]})]
        except DisclosureRefused:
            continue
        if any(isinstance(x, str) for x in shown):
            continue
        tried += 1
        recovered += shown[0] + shown[1] - shown[2] == n
    assert tried >= 15
    assert recovered / tried < 0.5, f"{recovered} of {tried} small cells recovered exactly"


def test_a_cohort_a_few_patients_away_from_an_earlier_one_is_answered_with_noise(synth, tmp_path):
    """No history to consult and nothing refused for being near an earlier query: the
    neighbour's count carries noise of its own, so the difference is not the few patients."""
    snap = synth.snapshot()
    gate = Gate.for_home(tmp_path)
    everyone = service.count(gate, "eve", snap, {"op": "all"})
    few = next(loc for loc in LOCATIONS if 1 <= cohorts.evaluate(snap, {"op": "tumour_location", "locations": [loc]}).patients <= 4)
    neighbour = service.count(gate, "eve", snap, {"op": "not", "arg": {"op": "tumour_location", "locations": [few]}})
    assert isinstance(everyone["patients"], int) and isinstance(neighbour["patients"], int)


# -- markers (item 2), ordering (item 4), statistics from perturbed tables ----------------------

@pytest.fixture(scope="module")
def kras_vs_rest(synth, tmp_path_factory):
    snap = synth.snapshot()
    kras = cohorts.evaluate(snap, {"op": "gene_altered", "gene": "KRAS", "alteration": "mutation"})
    rest = cohorts.evaluate(snap, {"op": "all"}).without(kras)
    res = compare.compare(snap, {"KRAS": kras, "rest": rest}, None, kinds=("MUTATION",))
    gate = Gate.for_home(tmp_path_factory.mktemp("kras-home"))
    return res, gate.release("eve", snap, res, {"KRAS": kras.patient_ids, "rest": rest.patient_ids})


def test_a_cell_shown_as_below_five_is_a_small_perturbed_count_never_a_large_one(kras_vs_rest):
    """Secondary suppression showed "<5" for a count of 25; with perturbation no cell is
    hidden to protect another, and "<5" means a perturbed 1..4 (true count ≤ 4 + D)."""
    res, out = kras_vs_rest
    exact = {(r["gene"], r["kind"]): r for r in res.exact()["alterations"]}
    checked = 0
    for r in out["alterations"]:
        e = exact[(r["gene"], r["kind"])]
        for shown, true in zip(r["altered"] + r["not_altered"],
                               e["altered"] + [p - a for a, p in zip(e["altered"], e["profiled"])]):
            if shown == "<5":
                checked += 1
                assert 1 <= true <= 4 + 3, f"{r['gene']}: {true} shown as <5"
    assert checked
    assert set(out["markers"]) == {"<5", "withheld"} and "size" in out["markers"]["withheld"]


def test_rows_with_a_withheld_p_are_ordered_by_gene_name_after_the_tested_ones(kras_vs_rest):
    _, out = kras_vs_rest
    withheld = [r for r in out["alterations"] if r["p"] == "withheld"]
    tested = [r for r in out["alterations"] if r["p"] != "withheld"]
    assert withheld and tested
    assert out["alterations"] == tested + withheld
    assert [r["p"] for r in tested] == sorted(r["p"] for r in tested)
    assert [(r["gene"], r["kind"]) for r in withheld] == sorted((r["gene"], r["kind"]) for r in withheld)


def test_tests_and_q_values_are_computed_from_the_perturbed_table_and_say_so(kras_vs_rest):
    res, out = kras_vs_rest
    exact = {(r["gene"], r["kind"]): r["p"] for r in res.exact()["alterations"]}
    tested = [r for r in out["alterations"] if r["p"] != "withheld"][:40]
    for r in tested:
        table = [[a, n] for a, n in zip(r["altered"], r["not_altered"])]
        assert r["p"] == pytest.approx(fisher_exact(table), rel=1e-9)
    assert any(r["p"] != exact[(r["gene"], r["kind"])] for r in tested)
    assert "perturbed" in out["statistics"] and "perturbed" in out["perturbation"]["note"]


# -- survival (item 3, item 10) ---------------------------------------------------------------

def test_the_last_survival_bin_holds_five_events_in_every_group_that_has_any():
    """Group B has no event in the last full bin and 4 in the tail: joining the tail to
    that bin left B a step of 4 events (at risk 5, 0.1181 → 0.0236 gave the 4 away)."""
    a_times = [1, 2, 3, 4, 5, 40, 41, 42, 43, 44]
    b_times = [6, 7, 8, 9, 10, 100, 101, 102, 103]
    t = np.array(a_times + b_times, float)
    g = np.array([0] * len(a_times) + [1] * len(b_times))
    grid = RULES.survival_grid(t, np.ones(len(t), int), g)
    binned = RULES.bin_times(t, grid)
    for group in (0, 1):
        per_bin = [int(((binned == edge) & (g == group)).sum()) for edge in grid]
        assert all(n == 0 or n >= 5 for n in per_bin), (grid.tolist(), group, per_bin)
    assert grid[-1] >= t.max()


def test_survival_bins_merge_until_each_holds_five_events():
    t = np.array([10, 20, 35, 40, 70, 80, 95, 100, 130, 200, 210, 220, 230, 240, 300], float)
    grid = RULES.survival_grid(t, np.ones_like(t, dtype=int))
    assert grid.tolist() == [90.0, 300.0]  # 6 events by day 90; the tail's 4 join the last full bin
    assert RULES.bin_times(t, grid).tolist() == [90.0] * 6 + [300.0] * 9


def test_controlled_survival_comes_from_perturbed_counts_and_warns_about_medians(synth, tmp_path):
    snap = synth.snapshot()
    groups = {loc: cohorts.evaluate(snap, {"op": "tumour_location", "locations": [loc]}) for loc in ("Lung", "Breast")}
    res = survival.survival_analysis(snap, groups, "os")
    gate = Gate.for_home(tmp_path)
    out = gate.release("eve", snap, res, {k: v.patient_ids for k, v in groups.items()})
    again = gate.release("mallory", snap, res, {k: v.patient_ids for k, v in groups.items()})
    assert json.dumps(out["curves"]) == json.dumps(again["curves"]) and out["logrank"] == again["logrank"]   # NaN CIs too
    assert "perturbed" in out["statistics"] and "differ greatly" in out["median_note"]
    for c in out["curves"]:
        steps = c["steps"]
        assert all(s["at_risk"] >= 5 for s in steps)
        surv = [1.0] + [s["survival"] for s in steps]
        for prev, s in zip(surv, steps):   # each step is 1 - events / at risk of the shown (perturbed) figures
            if isinstance(s["events"], int):
                assert s["survival"] == pytest.approx(prev * (1 - s["events"] / s["at_risk"]))
    assert "median_note" not in res.exact()


# -- odds ratios (item 10) -------------------------------------------------------------------

def test_an_odds_ratio_with_the_haldane_correction_says_so():
    _, _, odds = response.response_statistics([[0, 7], [6, 9]])
    assert odds["haldane_correction"] is True and "Haldane" in odds["note"]
    _, _, plain = response.response_statistics([[3, 7], [6, 9]])
    assert plain["haldane_correction"] is False and "note" not in plain
