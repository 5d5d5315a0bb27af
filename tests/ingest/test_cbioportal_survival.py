"""Survival on an imported cBioPortal study is the survival cBioPortal shows.

cBioPortal holds no sampling dates, so survival from dates excludes every patient of an
imported study; its own endpoints (`<PREFIX>_MONTHS` + `<PREFIX>_STATUS`) are stored as
given (`survival_endpoint`) and analysed as `given:<PREFIX>`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from lifelines import KaplanMeierFitter

from onconode.analysis import cohort as cohorts
from onconode.analysis.survival import survival_analysis
from onconode.analysis.survival_data import DAYS_PER_MONTH, given_endpoints
from onconode.ingest.cbioportal import ingest_cbioportal
from onconode.store import Store

DATA = Path(__file__).resolve().parents[1] / "data" / "cbioportal"
HELD_OUT, FULL = DATA / "study_es_0", DATA / "full"


def _patients_file_os(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """OS_MONTHS and OS_STATUS (DECEASED = 1) of the patients with both, read straight from the file."""
    lines = [l.split("\t") for l in path.read_text().splitlines()[5:] if l]
    rows = [(float(r[2]), r[1] == "DECEASED") for r in lines if r[1] in ("LIVING", "DECEASED") and r[2].replace(".", "").isdigit()]
    return np.array([m for m, _ in rows]), np.array([e for _, e in rows], int)


def test_held_out_cbioportal_study_gives_cbioportals_overall_survival(store: Store):
    ingest_cbioportal(store, HELD_OUT)
    snap = store.snapshot()
    everyone = cohorts.evaluate(snap, {"op": "all"})
    res = survival_analysis(snap, {"all": everyone}, endpoint="given:OS")
    curve = res.exact()["curves"][0]
    assert (curve["patients"], curve["events"]) == (808, 87)   # cBioPortal's KM of study_es_0
    assert res.exact()["left_truncation"] is False              # cBioPortal's endpoints start at its own anchor

    months, events = _patients_file_os(HELD_OUT / "data_clinical_patients.txt")
    km = KaplanMeierFitter().fit(months, events)
    ref = km.event_table
    ref = ref[ref.observed > 0]
    steps = curve["steps"]
    assert len(steps) == len(ref)
    np.testing.assert_allclose([s["time"] / DAYS_PER_MONTH for s in steps], ref.index.to_numpy(), rtol=1e-12)
    np.testing.assert_array_equal([s["at_risk"] for s in steps], ref.at_risk.to_numpy())
    np.testing.assert_array_equal([s["events"] for s in steps], ref.observed.to_numpy())
    np.testing.assert_allclose([s["survival"] for s in steps],
                               km.survival_function_.loc[ref.index].iloc[:, 0].to_numpy(), rtol=1e-12)


def test_derived_overall_survival_excludes_cbioportal_patients_but_says_how_many(store: Store):
    """The date-derived endpoint needs a sampling date cBioPortal never has: every
    patient is counted as excluded, which is why the study's own endpoint exists."""
    ingest_cbioportal(store, HELD_OUT)
    snap = store.snapshot()
    res = survival_analysis(snap, {"all": cohorts.evaluate(snap, {"op": "all"})}, endpoint="os")
    assert res.exact()["curves"][0]["patients"] == 0 and res.excluded > 0


def test_every_months_status_pair_is_stored_not_only_overall_survival(store: Store, tmp_path: Path):
    study = shutil.copytree(FULL, tmp_path / "study")
    path = study / "data_clinical_patient.txt"
    lines = path.read_text().splitlines()
    extra = [("Progression Free Status", "PFS_STATUS", "STRING"), ("Progress Free Survival (Months)", "PFS_MONTHS", "NUMBER"),
             ("Disease Free Status", "DFS_STATUS", "STRING"), ("Disease Free (Months)", "DFS_MONTHS", "NUMBER")]
    values = {"FULL-P1": ["1:PROGRESSION", "3.5", "1:Recurred/Progressed", "2"],
              "FULL-P2": ["0:CENSORED", "20", "0:DiseaseFree", "24.5"],
              "FULL-P3": ["1:PROGRESSION", "NA", "[not available]", "NA"],
              "FULL-P4": ["NA", "NA", "NA", "NA"]}
    out = [lines[0] + "".join("\t" + e[0] for e in extra), lines[1] + "".join("\t" + e[0] for e in extra),
           lines[2] + "".join("\t" + e[2] for e in extra), lines[3] + "\t1" * len(extra),
           lines[4] + "".join("\t" + e[1] for e in extra)]
    out += [line + "\t" + "\t".join(values[line.split("\t")[0]]) for line in lines[5:]]
    path.write_text("\n".join(out) + "\n")
    report = ingest_cbioportal(store, study)
    snap = store.snapshot()
    got = sorted(tuple(r.values()) for r in snap.table("survival_endpoint").select(
        "patient_id", "endpoint", "months", "event", "status").to_pyarrow().to_pylist())
    assert got == [
        ("FULL-P1", "DFS", 2.0, True, "1:Recurred/Progressed"), ("FULL-P1", "OS", 12.0, True, "1:DECEASED"),
        ("FULL-P1", "PFS", 3.5, True, "1:PROGRESSION"),
        ("FULL-P2", "DFS", 24.5, False, "0:DiseaseFree"), ("FULL-P2", "OS", 24.5, False, "0:LIVING"),
        ("FULL-P2", "PFS", 20.0, False, "0:CENSORED"),
        ("FULL-P3", "OS", 6.0, False, "0:LIVING")]
    assert given_endpoints(snap) == ["DFS", "OS", "PFS"]
    # A status without months cannot be placed on the time axis: said, not silently dropped.
    assert any("no PFS_MONTHS" in p.message and "no PFS endpoint" in p.message for p in report.problems)
    res = survival_analysis(snap, {"all": cohorts.evaluate(snap, {"op": "all"})}, endpoint="given:PFS")
    assert (res.exact()["curves"][0]["patients"], res.exact()["curves"][0]["events"], res.excluded) == (2, 1, 2)


def test_an_endpoint_the_study_does_not_have_is_refused_with_the_ones_it_has(store: Store):
    ingest_cbioportal(store, FULL)
    snap = store.snapshot()
    with pytest.raises(ValueError, match="given:OS"):
        survival_analysis(snap, {"all": cohorts.evaluate(snap, {"op": "all"})}, endpoint="given:PFS")
