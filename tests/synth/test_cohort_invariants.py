"""Invariants of every generated cohort: dates in the order the clinic produces them
(birth < diagnosis ≤ biopsy ≤ treatment start ≤ end ≤ last follow-up or death), no line
starting after what is known of a living patient, and every assessment within its line."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from onconode.synth.cohort import DATA_CUTOFF, build

PATIENTS = 3000


@pytest.fixture(scope="module")
def cohort():
    return build(PATIENTS, seed=5)


def known_until(p: dict) -> dt.date:
    return p["death_date"] or p["last_follow_up_date"]


def bad(rows: list, what: str) -> str:
    return f"{len(rows)} {what}, e.g. {rows[:3]}"


def test_no_treatment_line_starts_after_an_alive_patients_last_follow_up(cohort):
    alive = {p["patient_id"]: p for p in cohort.patients if p["death_date"] is None}
    late = [(t["treatment_id"], t["start_date"], alive[t["patient_id"]]["last_follow_up_date"])
            for t in cohort.treatments if t["patient_id"] in alive
            and t["start_date"] > alive[t["patient_id"]]["last_follow_up_date"]]
    assert not late, bad(late, "lines start after the last follow-up")
    assert all(p["last_follow_up_date"] <= DATA_CUTOFF for p in cohort.patients)


def test_patient_dates_are_in_order(cohort):
    first = defaultdict(lambda: dt.date.max)
    for s in cohort.samples:
        first[s["patient_id"]] = min(first[s["patient_id"]], s["sampling_date"])
    wrong = [p["patient_id"] for p in cohort.patients
             if not (p["birth_year"] < p["diagnosis_date"].year and p["diagnosis_date"] <= first[p["patient_id"]]
                     <= known_until(p) and (p["death_date"] is None or p["last_follow_up_date"] == p["death_date"]))]
    assert not wrong, bad(wrong, "patients with dates out of order")
    late_samples = [s["sample_id"] for s in cohort.samples
                    if s["sampling_date"] > known_until(next(p for p in cohort.patients if p["patient_id"] == s["patient_id"]))]
    assert not late_samples, bad(late_samples, "biopsies after death or last follow-up")


def test_treatment_lines_start_after_the_biopsy_and_end_before_death_or_follow_up_without_overlap(cohort):
    patients = {p["patient_id"]: p for p in cohort.patients}
    first = defaultdict(lambda: dt.date.max)
    for s in cohort.samples:
        first[s["patient_id"]] = min(first[s["patient_id"]], s["sampling_date"])
    wrong, by_patient = [], defaultdict(list)
    for t in cohort.treatments:
        p = patients[t["patient_id"]]
        end = t["end_date"]
        if not (first[p["patient_id"]] <= t["start_date"] < known_until(p)) or \
                (end is not None and not t["start_date"] <= end <= known_until(p)) or \
                (end is None and p["death_date"] is not None):
            wrong.append((t["treatment_id"], t["start_date"], end, known_until(p)))
        by_patient[p["patient_id"]].append(t)
    assert not wrong, bad(wrong, "lines outside biopsy .. death / follow-up")
    overlap = [ls[i]["treatment_id"] for ls in by_patient.values() for i in range(1, len(ls))
               if ls[i]["line"] != ls[i - 1]["line"] + 1 or ls[i - 1]["end_date"] is None
               or ls[i]["start_date"] < ls[i - 1]["end_date"]]
    assert not overlap, bad(overlap, "lines overlapping or out of order")


def test_every_assessment_lies_within_its_line_and_before_death_or_follow_up(cohort):
    patients = {p["patient_id"]: p for p in cohort.patients}
    lines = {t["treatment_id"]: t for t in cohort.treatments}
    wrong = []
    for x in cohort.responses:
        t = lines.get(x["treatment_id"])
        p = patients[x["patient_id"]]
        if t is None or t["patient_id"] != x["patient_id"] or not t["start_date"] <= x["response_date"] <= (t["end_date"] or known_until(p)) \
                or x["response_date"] > known_until(p):
            wrong.append((x["treatment_id"], x["response_date"], t and t["end_date"]))
    assert not wrong, bad(wrong, "assessments outside their line")

