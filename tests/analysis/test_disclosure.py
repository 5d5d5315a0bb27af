"""Disclosure control: the gate's rules, and attempts to get round them — differencing,
complements, overlapping filters, small cells in every analysis, tiny survival steps."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import analysis_builder as ab
from onconode.analysis import cohort as cohorts
from onconode.analysis import compare, frequency, oncoprint, response, summary, survival
from onconode.analysis.disclosure import Count, DisclosureRefused, DisclosureSettings, Gate, Rules
from onconode.settings import Settings, SettingsError
from onconode.store import Store
from onconode.synth import load_cohort

RULES = Rules(DisclosureSettings())


@pytest.fixture
def hand(store):
    ab.load(store)
    return store


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    s = Store.init(tmp_path_factory.mktemp("disclosure") / "node")
    load_cohort(s, patients=400, seed=5, median_variants=30)
    yield s
    s.close()


def ask(gate: Gate, store: Store, user: str, definition: dict) -> dict:
    snap = store.snapshot()
    c = cohorts.evaluate(snap, definition)
    return gate.release(user, snap, Count("cohort", c.patients, c.samples), {"cohort": c.patient_ids})


# -- settings ------------------------------------------------------------------------

def test_operator_may_make_thresholds_stricter_but_never_laxer(tmp_path):
    assert DisclosureSettings(min_cell=10, survival_bin_days=90, regression_max_parameter_ratio=0.2).suppressed == "<10"
    for laxer in ({"min_cell": 3}, {"min_group": 1}, {"differencing_min": 2}, {"survival_bin_days": 7},
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


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 12), min_size=2, max_size=4), min_size=2, max_size=5)
       .filter(lambda rows: len({len(r) for r in rows}) == 1))
def test_no_hidden_cell_can_be_recovered_from_row_or_column_totals(rows):
    cells, hidden = RULES.table(rows)
    m = np.array(rows)
    h = np.array([[isinstance(c, str) for c in row] for row in cells])
    small = (m > 0) & (m < 5)
    assert (h | ~small).all()                                      # every small cell is hidden
    assert all(c == v for c, v in zip(np.array(cells, dtype=object)[~h], m[~h]))  # the rest shown as they are
    for line in list(h) + list(h.T):
        assert line.sum() != 1                                     # never the only hidden cell of a line
    assert hidden == bool(h.any())


# -- the gate: groups, differencing, licences ------------------------------------------

def test_a_cohort_of_one_to_four_patients_is_refused(hand, tmp_path):
    gate = Gate.for_home(tmp_path)
    with pytest.raises(DisclosureRefused, match="fewer than 5 patients"):
        ask(gate, hand, "eve", {"op": "tumour_type", "doids": ["9256"]})  # 4 patients
    assert ask(gate, hand, "eve", {"op": "sex", "values": ["male"]})["patients"] == 6


def test_differencing_one_patient_away_is_refused(hand, tmp_path):
    gate = Gate.for_home(tmp_path)
    ask(gate, hand, "eve", {"op": "or", "args": [{"op": "tumour_type", "doids": ["9256"]}, {"op": "tumour_location", "locations": ["Lung"]}]})
    with pytest.raises(DisclosureRefused, match="differs from a cohort you queried before"):
        # overlapping filter: NSCLC instead of all lung drops the one SCLC patient
        ask(gate, hand, "eve", {"op": "or", "args": [{"op": "tumour_type", "doids": ["9256"]}, {"op": "tumour_type", "doids": ["3908"]}]})


def test_complement_of_a_small_group_is_refused(hand, tmp_path):
    gate = Gate.for_home(tmp_path)
    assert ask(gate, hand, "eve", {"op": "all"})["patients"] == 12
    with pytest.raises(DisclosureRefused):
        ask(gate, hand, "eve", {"op": "not", "arg": {"op": "msi", "status": ["MSI"]}})  # all but two patients
    with pytest.raises(DisclosureRefused):
        ask(gate, hand, "eve", {"op": "not", "arg": {"op": "dataset", "ids": ["D2"]}})


def test_the_same_cohort_written_differently_is_not_a_difference(hand, tmp_path):
    gate = Gate.for_home(tmp_path)
    ask(gate, hand, "eve", {"op": "sex", "values": ["female"]})
    assert ask(gate, hand, "eve", {"op": "not", "arg": {"op": "sex", "values": ["male"]}})["patients"] == 6


def test_history_is_per_user_and_survives_a_restart(hand, tmp_path):
    ask(Gate.for_home(tmp_path), hand, "eve", {"op": "all"})
    near = {"op": "not", "arg": {"op": "dataset", "ids": ["D2"]}}
    assert ask(Gate.for_home(tmp_path), hand, "mallory", near)["patients"] == 10  # another user: no history
    with pytest.raises(DisclosureRefused):
        ask(Gate.for_home(tmp_path), hand, "eve", near)                           # a new gate reads eve's history


def test_two_groups_of_one_request_may_not_differ_by_a_few_patients(hand, tmp_path):
    snap = hand.snapshot()
    a = cohorts.evaluate(snap, {"op": "all"})
    b = cohorts.evaluate(snap, {"op": "not", "arg": {"op": "dataset", "ids": ["D2"]}})
    with pytest.raises(DisclosureRefused, match="of this request"):
        Gate.for_home(tmp_path).admit("eve", snap, {"all": a.patient_ids, "most": b.patient_ids})


def test_within_the_licensed_scope_figures_are_exact_and_outside_controlled(hand, tmp_path):
    snap = hand.snapshot()
    licensed = {"P01", "P02", "P03", "P11"}
    gate = Gate.for_home(tmp_path, licensed_scope=lambda user, s: licensed if user == "licensee" else set())
    crc = cohorts.evaluate(snap, {"op": "tumour_type", "doids": ["9256"]})
    out = gate.release("licensee", snap, Count("crc", crc.patients, crc.samples), {"crc": crc.patient_ids})
    assert out["patients"] == 4 and out["disclosure"].startswith("exact")
    with pytest.raises(DisclosureRefused):  # the same small cohort, no licence
        gate.release("other", snap, Count("crc", crc.patients, crc.samples), {"crc": crc.patient_ids})
    everyone = cohorts.evaluate(snap, {"op": "all"})  # licensee, but beyond the licence: controlled
    f = frequency.alteration_frequency(snap, everyone, ["KRAS"], kinds=("MUTATION",))
    out = gate.release("licensee", snap, f, {"all": everyone.patient_ids})
    assert out["disclosure"] == "controlled" and out["rows"][0]["altered"] == "<5"


# -- small cells in every analysis ---------------------------------------------------

def _no_patient_ids(out: dict) -> None:
    assert not re.search(r"HMF\d{6}", json.dumps(out, default=str))


def test_frequency_hides_small_counts_and_their_frequency(synth, tmp_path):
    snap = synth.snapshot()
    lung = cohorts.evaluate(snap, {"op": "tumour_location", "locations": ["Lung"]})
    out = Gate.for_home(tmp_path).release("eve", snap, frequency.alteration_frequency(snap, lung), {"lung": lung.patient_ids})
    small = [r for r in out["rows"] if r["altered"] == "<5"]
    assert small and all(r["frequency"] is None for r in small)
    assert all(r["altered"] == 0 or r["altered"] == "<5" or r["altered"] >= 5 for r in out["rows"])
    _no_patient_ids(out)


def test_oncoprint_shows_patterns_of_at_least_five_samples_and_no_sample(synth, tmp_path):
    snap = synth.snapshot()
    everyone = cohorts.evaluate(snap, {"op": "all"})
    op = oncoprint.oncoprint(snap, everyone, ["TP53", "KRAS", "APC", "PIK3CA"])
    out = Gate.for_home(tmp_path).release("eve", snap, op, {"all": everyone.patient_ids})
    assert "matrix" not in out and all(p["samples"] >= 5 for p in out["patterns"])
    assert out["other_patterns_samples"] == 0 or out["other_patterns_samples"] >= 5
    _no_patient_ids(out)
    assert op.exact()["matrix"][0]["sample_id"].startswith("HMF")  # the licensed view has them


def test_comparison_withholds_tests_whose_table_has_a_hidden_cell(synth, tmp_path):
    snap = synth.snapshot()
    skin = cohorts.evaluate(snap, {"op": "tumour_location", "locations": ["Skin"]})
    crc = cohorts.evaluate(snap, {"op": "tumour_location", "locations": ["Colorectum"]})
    res = compare.compare(snap, {"skin": skin, "crc": crc}, None, kinds=("MUTATION",))  # every gene: passengers are rare
    out = Gate.for_home(tmp_path).release("eve", snap, res, {"skin": skin.patient_ids, "crc": crc.patient_ids})
    for r in out["alterations"]:
        hidden = any(isinstance(x, str) for x in r["altered"])
        assert (r["p"] is None) == hidden
    assert any(r["p"] is None for r in out["alterations"]) and any(r["p"] is not None for r in out["alterations"])
    _no_patient_ids(out)


def test_response_statistics_are_withheld_when_a_cell_is_small(hand, synth, tmp_path):
    snap = synth.snapshot()
    everyone = cohorts.evaluate(snap, {"op": "all"})
    msi = cohorts.evaluate(snap, {"op": "msi", "status": ["MSI"]})
    res = response.biomarker_response(snap, everyone, {"mechanism": "Platinum"}, msi)
    assert min(min(r) for r in res.table) < 5
    out = res.controlled(RULES)
    assert "<5" in sum(out["table"], []) and str(out["fisher_p"]).startswith("withheld")
    assert "withheld" in out["regression"]
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
    for curve in out["curves"]:
        for step in curve["steps"]:
            assert step["events"] != "<5" and step["events"] >= 5
            assert step["time"] in out["time_bins_days"] and step["time"] % 30 == 0
            assert step["at_risk"] == "<5" or step["at_risk"] >= 5
    _no_patient_ids(out)


def test_survival_bins_merge_until_each_holds_five_events():
    t = np.array([10, 20, 35, 40, 70, 80, 95, 100, 130, 200, 210, 220, 230, 240, 300], float)
    grid = RULES.survival_grid(t, np.ones_like(t, dtype=int))
    assert grid.tolist() == [90.0, 300.0]  # 6 events by day 90; the tail's 4 join the last full bin
    assert RULES.bin_times(t, grid).tolist() == [90.0] * 6 + [300.0] * 9
    assert RULES.bin_entries(np.array([0, 89, 91]), grid).tolist() == [0.0, 0.0, 90.0]


def test_summary_shows_no_extremes_and_hides_a_lone_small_count(synth, tmp_path):
    snap = synth.snapshot()
    lung = cohorts.evaluate(snap, {"op": "tumour_location", "locations": ["Lung"]})
    out = Gate.for_home(tmp_path).release("eve", snap, summary.summarise(snap, lung), {"lung": lung.patient_ids})
    for d in out["distributions"].values():
        assert "min" not in d and "max" not in d
    for counts in out["counts"].values():
        assert sum(1 for v in counts.values() if isinstance(v, str)) != 1
    assert "min" in summary.summarise(snap, lung).exact()["distributions"]["purity"]


def test_differencing_is_checked_on_the_treated_patients_behind_a_response_table(synth, tmp_path):
    """Two cohorts that differ by many untreated patients but only a few treated ones
    would give two response tables that differ by those few patients' responses."""
    from onconode.analysis import service

    snap = synth.snapshot()
    lung = {"op": "tumour_location", "locations": ["Lung"]}
    platinum = {"mechanism": "Platinum"}
    extra = None
    bands = [{"op": "and", "args": [{"op": "tumour_location", "locations": [loc]}, {"op": "age_at_biopsy", "min": lo, "max": lo + 10}]}
             for loc in ("Prostate", "Breast", "Skin", "Bone/Soft tissue") for lo in range(30, 85, 5)]
    for band in bands:  # patients of a tumour type and age band: many, but only a few on platinum
        n_all = cohorts.evaluate(snap, band).patients
        n_treated = len(response.response_data(snap, cohorts.evaluate(snap, band), platinum, cohorts.evaluate(snap, {"op": "all"})))
        if n_all >= 10 and 1 <= n_treated <= 4:
            extra = band
            break
    assert extra is not None, "the synthetic cohort has such an age band"
    gate = Gate.for_home(tmp_path)
    first = service.biomarker_response(gate, "eve", snap, lung, platinum, {"op": "wgd", "value": True}, covariates=[])
    assert first["disclosure"] == "controlled"
    assert service.count(gate, "eve", snap, {"op": "or", "args": [lung, extra]})["patients"] >= 10  # cohorts differ by ≥ 10
    with pytest.raises(DisclosureRefused, match="treated patients"):
        service.biomarker_response(gate, "eve", snap, {"op": "or", "args": [lung, extra]}, platinum, {"op": "wgd", "value": True}, covariates=[])
