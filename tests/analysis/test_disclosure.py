"""Disclosure control: the gate's rules, small cells in every analysis, tiny survival
steps. The cell-key method itself and the attacks on it: test_cell_key.py."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import analysis_builder as ab
from onconode.analysis import cohort as cohorts
from onconode.analysis import compare, frequency, oncoprint, response, summary, survival
from onconode.analysis.cellkey import RecordKeys
from onconode.analysis.disclosure import Count, DisclosureRefused, DisclosureSettings, Gate, Rules
from onconode.settings import Settings, SettingsError
from onconode.store import Store

RULES = Rules(DisclosureSettings(), RecordKeys(bytes(32)))


@pytest.fixture
def hand(store):
    ab.load(store)
    return store


def ask(gate: Gate, store: Store, user: str, definition: dict) -> dict:
    snap = store.snapshot()
    c = cohorts.evaluate(snap, definition)
    return gate.release(user, snap, Count("cohort", c.patient_ids, c.sample_ids), {"cohort": c.patient_ids})


# -- settings ------------------------------------------------------------------------

def test_operator_may_make_thresholds_stricter_but_never_laxer(tmp_path):
    assert DisclosureSettings(min_cell=10, survival_bin_days=90, regression_max_parameter_ratio=0.2).suppressed == "<10"
    for laxer in ({"min_cell": 3}, {"min_group": 1}, {"differencing_min": 2}, {"noise_max": 2}, {"noise_variance": 1.0}, {"survival_bin_days": 7},
                  {"min_events_per_bin": 1}, {"regression_max_parameter_ratio": 0.5}, {"regression_min_level": 2}):
        with pytest.raises(ValueError, match="may only be made stricter"):
            DisclosureSettings(**laxer)
    (tmp_path / "onconode.toml").write_text("[disclosure]\nmin_cell = 10\n")
    assert Settings.load(tmp_path).disclosure.min_cell == 10
    (tmp_path / "onconode.toml").write_text("[disclosure]\nmin_cell = 2\n")
    with pytest.raises(SettingsError, match=r"onconode.toml: disclosure: .*min_cell = 2"):
        Settings.load(tmp_path)
    assert Settings.load(tmp_path / "none").disclosure == DisclosureSettings()


def test_counts_of_one_to_four_are_suppressed():
    assert [RULES.cell(n) for n in (0, 1, 4, 5, 17)] == [0, "<5", "<5", 5, 17]
    assert Rules(DisclosureSettings(min_cell=10)).cell(9) == "<10"


# -- the gate: groups, differencing, licences ------------------------------------------

def test_a_group_is_refused_on_its_perturbed_size_never_on_its_true_size(hand):
    """Refused exactly when a count of the group would show below 5 (or 0): a refusal says
    no more than the published count, so bisecting a small cell by refusals gains nothing."""
    snap = hand.snapshot()
    definitions = [{"op": "tumour_type", "doids": ["9256"]}, {"op": "sex", "values": ["male"]},
                   {"op": "sex", "values": ["female"]}, {"op": "tumour_type", "doids": ["1612"]}]
    outcomes = set()
    for secret in range(12):   # several nodes' record keys: the decision follows each node's noise
        gate = Gate(DisclosureSettings(), RecordKeys(bytes([secret]) * 32))
        for d in definitions:
            c = cohorts.evaluate(snap, d)
            value = gate.rules.values([c.patients], [gate.rules.key(c.patient_ids)])[0]
            if value < 5:
                with pytest.raises(DisclosureRefused, match="fewer than 5 patients"):
                    ask(gate, hand, "eve", d)
                outcomes.add((c.patients, "refused"))
            else:
                assert ask(gate, hand, "eve", d)["patients"] == value
                outcomes.add((c.patients, "answered"))
    assert (4, "answered") in outcomes and (4, "refused") in outcomes   # the true size alone decides nothing


def test_an_empty_group_is_refused_like_a_small_one(hand, tmp_path):
    with pytest.raises(DisclosureRefused, match="fewer than 5 patients"):
        ask(Gate.for_home(tmp_path), hand, "eve", {"op": "sex", "values": ["other"]})


def test_within_the_licensed_scope_figures_are_exact_and_outside_controlled(hand, tmp_path):
    snap = hand.snapshot()
    licensed = {"P01", "P02", "P03", "P11"}
    gate = Gate.for_home(tmp_path, licensed_scope=lambda user, s: licensed if user == "licensee" else set())
    crc = cohorts.evaluate(snap, {"op": "tumour_type", "doids": ["9256"]})
    out = gate.release("licensee", snap, Count("crc", crc.patient_ids, crc.sample_ids), {"crc": crc.patient_ids})
    assert out["patients"] == 4 and out["disclosure"].startswith("exact")
    # the same small cohort, no licence: refused when its perturbed size is below 5, else perturbed
    shown = gate.rules.values([crc.patients], [gate.rules.key(crc.patient_ids)])[0]
    if shown < 5:
        with pytest.raises(DisclosureRefused):
            gate.release("other", snap, Count("crc", crc.patient_ids, crc.sample_ids), {"crc": crc.patient_ids})
    else:
        out = gate.release("other", snap, Count("crc", crc.patient_ids, crc.sample_ids), {"crc": crc.patient_ids})
        assert out["disclosure"] == "controlled" and out["patients"] == shown
    everyone = cohorts.evaluate(snap, {"op": "all"})  # licensee, but beyond the licence: controlled
    f = frequency.alteration_frequency(snap, everyone, ["KRAS"], kinds=("MUTATION",))
    out = gate.release("licensee", snap, f, {"all": everyone.patient_ids})
    assert out["disclosure"] == "controlled" and out["perturbation"]["method"] == "cell-key"
    assert out["rows"][0]["altered"] == "<5" or abs(out["rows"][0]["altered"] - f.rows[0]["altered"]) <= 3


# -- small cells in every analysis ---------------------------------------------------

def _no_patient_ids(out: dict) -> None:
    assert not re.search(r"HMF\d{6}", json.dumps(out, default=str))


def test_frequency_hides_small_counts_and_withholds_their_frequency(synth, tmp_path):
    snap = synth.snapshot()
    lung = cohorts.evaluate(snap, {"op": "tumour_location", "locations": ["Lung"]})
    out = Gate.for_home(tmp_path).release("eve", snap, frequency.alteration_frequency(snap, lung), {"lung": lung.patient_ids})
    small = [r for r in out["rows"] if r["altered"] == "<5"]
    assert small and all(r["frequency"] == "withheld" for r in small)
    assert all(r["altered"] == 0 or r["altered"] == "<5" or r["altered"] >= 5 for r in out["rows"])
    shown = [r for r in out["rows"] if isinstance(r["altered"], int)]
    assert all(r["frequency"] == r["altered"] / r["profiled"] for r in shown)   # perturbed / perturbed
    _no_patient_ids(out)


def test_oncoprint_shows_patterns_of_at_least_five_samples_and_no_sample(synth, tmp_path):
    snap = synth.snapshot()
    everyone = cohorts.evaluate(snap, {"op": "all"})
    op = oncoprint.oncoprint(snap, everyone, ["TP53", "KRAS", "APC", "PIK3CA"])
    out = Gate.for_home(tmp_path).release("eve", snap, op, {"all": everyone.patient_ids})
    assert "matrix" not in out and all(p["samples"] >= 5 for p in out["patterns"])
    assert out["other_patterns_samples"] in (0, "<5") or out["other_patterns_samples"] >= 5
    _no_patient_ids(out)
    assert op.exact()["matrix"][0]["sample_id"].startswith("HMF")  # the licensed view has them


def test_comparison_withholds_tests_whose_table_has_a_hidden_cell(synth, tmp_path):
    snap = synth.snapshot()
    skin = cohorts.evaluate(snap, {"op": "tumour_location", "locations": ["Skin"]})
    crc = cohorts.evaluate(snap, {"op": "tumour_location", "locations": ["Colorectum"]})
    res = compare.compare(snap, {"skin": skin, "crc": crc}, None, kinds=("MUTATION",))  # every gene: passengers are rare
    out = Gate.for_home(tmp_path).release("eve", snap, res, {"skin": skin.patient_ids, "crc": crc.patient_ids})
    for r in out["alterations"]:
        hidden = any(isinstance(x, str) for x in r["altered"] + r["not_altered"])
        assert (r["p"] == "withheld") == hidden
    assert any(r["p"] == "withheld" for r in out["alterations"]) and any(r["p"] != "withheld" for r in out["alterations"])
    _no_patient_ids(out)


def test_response_statistics_are_withheld_when_a_cell_is_small(hand, synth, tmp_path):
    snap = synth.snapshot()
    everyone = cohorts.evaluate(snap, {"op": "all"})
    msi = cohorts.evaluate(snap, {"op": "msi", "status": ["MSI"]})
    res = response.biomarker_response(snap, everyone, {"mechanism": "Platinum"}, msi)
    assert min(min(r) for r in res.table) < 5
    out = res.controlled(RULES)
    assert "<5" in sum(out["table"], []) and str(out["fisher_p"]).startswith("withheld")
    assert "withheld" in out["regression"] and str(out["odds_ratio"]).startswith("withheld")
    _no_patient_ids(out)


def test_regression_limits():
    assert "saturated" in RULES.check_regression(10, 10, {})
    assert "0.33" in RULES.check_regression(30, 11, {})
    assert RULES.check_regression(30, 9, {"sex": {"male": 20, "female": 10}}) is None
    assert "female" in RULES.check_regression(30, 3, {"sex": {"male": 26, "female": 4}})


def test_cox_is_withheld_when_a_factor_level_is_small(synth):
    snap = synth.snapshot()
    ovary = cohorts.evaluate(snap, {"op": "tumour_location", "locations": ["Ovary"]})
    hrd = cohorts.evaluate(snap, {"op": "and", "args": [{"op": "tumour_location", "locations": ["Ovary"]},
                                                         {"op": "hrd", "status": ["HR_DEFICIENT"]}]})
    groups = {"HRD": hrd, "HR proficient": ovary.without(hrd)}
    adjusted_for_sex = survival.survival_analysis(snap, groups, "os", cox_covariates=["sex"]).controlled(RULES)
    assert "withheld" in adjusted_for_sex["cox"]  # no men with ovarian cancer: a level of 0 subjects
    plain = survival.survival_analysis(snap, groups, "os", cox_covariates=["age"]).controlled(RULES)
    assert [t["term"] for t in plain["cox"]["terms"]] == ["group[HR proficient]", "age"]


def test_no_survival_step_rests_on_fewer_than_five_events_in_any_group(synth, tmp_path):
    snap = synth.snapshot()
    groups = {loc: cohorts.evaluate(snap, {"op": "tumour_location", "locations": [loc]}) for loc in ("Skin", "Prostate")}
    res = survival.survival_analysis(snap, groups, "os")
    exact = res.exact()
    assert any(s["events"] < 5 for c in exact["curves"] for s in c["steps"])  # the raw curves have tiny steps
    out = Gate.for_home(tmp_path).release("eve", snap, res, {k: v.patient_ids for k, v in groups.items()})
    grid = np.asarray(out["time_bins_days"])
    true = res.data
    true_bin = grid[np.minimum(np.searchsorted(grid, true.time.to_numpy(float)), len(grid) - 1)]
    for curve in out["curves"]:
        mine = (true.group == curve["group"]).to_numpy() & (true.event == 1).to_numpy()
        for step in curve["steps"]:
            assert step["time"] in out["time_bins_days"] and step["time"] % 30 == 0
            assert step["at_risk"] >= 5                          # the curve stops before fewer are at risk
            events_in_bin = int((true_bin[mine] == step["time"]).sum())
            assert events_in_bin == 0 or events_in_bin >= 5
    _no_patient_ids(out)


def test_survival_bins_merge_until_each_holds_five_events():
    t = np.array([10, 20, 35, 40, 70, 80, 95, 100, 130, 200, 210, 220, 230, 240, 300], float)
    grid = RULES.survival_grid(t, np.ones_like(t, dtype=int))
    assert grid.tolist() == [90.0, 300.0]  # 6 events by day 90; the tail's 4 join the last full bin
    assert RULES.bin_times(t, grid).tolist() == [90.0] * 6 + [300.0] * 9
    assert RULES.bin_entries(np.array([0, 89, 91]), grid).tolist() == [0.0, 0.0, 90.0]


def test_summary_shows_no_extremes_and_perturbs_every_count(synth, tmp_path):
    snap = synth.snapshot()
    lung = cohorts.evaluate(snap, {"op": "tumour_location", "locations": ["Lung"]})
    s = summary.summarise(snap, lung)
    out = Gate.for_home(tmp_path).release("eve", snap, s, {"lung": lung.patient_ids})
    for d in out["distributions"].values():
        assert "min" not in d and "max" not in d
    exact = s.exact()
    for attr, counts in out["counts"].items():
        assert counts.keys() == exact["counts"][attr].keys()
        for value, shown in counts.items():
            n = exact["counts"][attr][value]
            assert shown == "<5" or (abs(shown - n) <= 3 and shown >= 5)
    changed = [1 for attr, counts in out["counts"].items() for v, c in counts.items() if c != exact["counts"][attr][v]]
    assert changed                                                # perturbed, not copied
    assert "min" in exact["distributions"]["purity"]


def test_quartiles_beside_a_perturbed_size_are_shown_only_where_the_noise_leaves_five_members(hand):
    """Quartiles are a group's own values: shown only when the shown size is at least
    min_cell + noise_max, so a group shown as 5..7 (perhaps 2..4 people) never gives them."""
    snap = hand.snapshot()
    male = cohorts.evaluate(snap, {"op": "sex", "values": ["male"]})                 # 6 patients
    rest = cohorts.evaluate(snap, {"op": "all"}).without(male)
    shown_with_quartiles = []
    for secret in range(20):
        rules = Rules(DisclosureSettings(), RecordKeys(bytes([secret]) * 32))
        out = compare.compare(snap, {"male": male, "rest": rest}, ["TP53"], kinds=("MUTATION",)).controlled(rules)
        for row in out["numeric"]:
            for g in row["groups"]:
                if g["median"] != "withheld":
                    shown_with_quartiles.append(g["n"])
    assert all(isinstance(n, int) and n >= 8 for n in shown_with_quartiles), shown_with_quartiles
