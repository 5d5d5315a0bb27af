"""Swimmer plot data on the hand-made store: every day counted by hand from the dates in
analysis_builder.py; patient-level, so exact inside a licence and withheld outside it."""

from __future__ import annotations

import datetime as dt

import analysis_builder as ab
from onconode.analysis import cohort as cohorts
from onconode.analysis import service
from onconode.analysis.disclosure import Gate
from onconode.analysis.swimmer import swimmer


def days(a: dt.date, b: dt.date) -> int:
    return (b - a).days


def test_lines_run_in_days_from_the_first_cohort_biopsy_with_best_response(store):
    ab.load(store)
    snap = store.snapshot()
    melanoma = cohorts.evaluate(snap, {"op": "tumour_location", "locations": ["Skin"]})
    lanes = {lane["patient_id"]: lane for lane in swimmer(snap, melanoma).lanes}
    assert sorted(lanes) == ["P04", "P05"]
    biopsy = dt.date(2021, 1, 5)  # P04: two lines (no regimen names recorded), died 2022-06-01
    assert lanes["P04"]["died"] is True
    assert lanes["P04"]["lines"] == [
        {"line": 1, "regimen": None, "start": days(biopsy, dt.date(2021, 2, 1)), "end": days(biopsy, dt.date(2021, 12, 1)),
         "ongoing": False, "best_response": "PR"},
        {"line": 2, "regimen": None, "start": days(biopsy, dt.date(2022, 1, 1)), "end": days(biopsy, dt.date(2022, 5, 1)),
         "ongoing": False, "best_response": "PD"}]


def test_an_ongoing_line_ends_at_the_last_follow_up_and_a_treatment_filter_keeps_matching_lines(store):
    ab.load(store)
    snap = store.snapshot()
    crc = cohorts.evaluate(snap, {"op": "tumour_type", "doids": ["9256"]})
    lanes = {lane["patient_id"]: lane for lane in swimmer(snap, crc, {"mechanism": "Anti-EGFR"}).lanes}
    assert sorted(lanes) == ["P01", "P03"]  # P02 (anti-PD-1) has no matching line
    p03 = lanes["P03"]["lines"][0]  # still on cetuximab; first biopsy 2020-03-10
    assert p03["ongoing"] and p03["end"] == days(dt.date(2020, 3, 10), ab.LAST_FOLLOW_UP)


def test_the_swimmer_is_exact_inside_a_licence_and_withheld_outside_it(store):
    ab.load(store)
    snap = store.snapshot()
    everyone = {"op": "all"}
    outside = service.swimmer(Gate.for_home(store.home), "researcher", snap, everyone)
    assert "lanes" not in outside and "approved data access" in outside["withheld"]
    licensed = Gate.for_home(store.home, licensed_scope=lambda user, s: {f"P{i:02d}" for i in range(1, 13)})
    inside = service.swimmer(licensed, "licensee", snap, everyone)
    assert inside["disclosure"].startswith("exact") and inside["patients"] == 8
