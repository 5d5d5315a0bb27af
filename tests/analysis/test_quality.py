"""The data-quality report: exact numbers on a small store with planted problems."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from onconode.analysis.quality import quality_report, render_text
from onconode.interfaces.cli.main import app
from onconode.ingest.values import to_arrow
from onconode.model import TABLES_BY_NAME
from onconode.store import Store, StoreError

D = dt.date


def load(store: Store, rows: dict[str, list[dict[str, Any]]]) -> None:
    with store.transaction("test", "quality fixture") as tx:
        for table, table_rows in rows.items():
            owner = TABLES_BY_NAME[table].owner
            tx.replace(table, to_arrow(TABLES_BY_NAME[table], table_rows), owners=[r[owner] for r in table_rows])


def variant(sample_id: str, position: int) -> dict[str, Any]:
    return {"sample_id": sample_id, "chromosome": "7", "position": position, "ref": "A", "alt": "G"}


PLANTED: dict[str, list[dict[str, Any]]] = {
    # A1: complete and clean. A2 (H1): no consent, unmapped location and drug, a response to a
    # treatment that does not exist, GRCh37, failed QC, no arrival date (falls back to
    # registration). B1 (H2): sample never sequenced. B2: no hospital code.
    # X9T: sequenced, but no clinical record.
    "patient": [
        {"patient_id": "A1", "dataset_id": "DS", "hospital_code": "H1", "registration_date": D(2025, 1, 10)},
        {"patient_id": "A2", "dataset_id": "DS", "hospital_code": "H1", "registration_date": D(2025, 1, 20)},
        {"patient_id": "B1", "dataset_id": "DS", "hospital_code": "H2", "registration_date": D(2025, 2, 1)},
        {"patient_id": "B2", "dataset_id": "DS", "hospital_code": None, "registration_date": D(2025, 3, 1)},
    ],
    "consent": [{"patient_id": p, "duo_code": "DUO:0000042"} for p in ("A1", "B1", "B2")],
    "sample": [
        {"sample_id": "A1T", "patient_id": "A1", "arrival_date": D(2025, 2, 3), "primary_tumor_location": "Lung", "primary_tumor_curated": True},
        {"sample_id": "A2T", "patient_id": "A2", "arrival_date": None, "primary_tumor_location": "lung ca??", "primary_tumor_curated": False},
        {"sample_id": "B1T", "patient_id": "B1", "arrival_date": D(2025, 3, 5), "primary_tumor_location": "lung ca??", "primary_tumor_curated": False},
        {"sample_id": "B2T", "patient_id": "B2", "arrival_date": D(2025, 3, 9), "primary_tumor_location": "Breast", "primary_tumor_curated": True},
    ],
    "tumor_profile": [
        {"sample_id": "A1T", "ref_genome": "GRCh38", "purity": 0.5, "mean_depth": 100.0, "qc_status": "PASS"},
        {"sample_id": "A2T", "ref_genome": "GRCh37", "purity": 0.3, "mean_depth": 60.0, "qc_status": "FAIL_NO_TUMOR,WARN_LOW_PURITY"},
        {"sample_id": "B2T", "ref_genome": "GRCh38", "purity": 0.9, "mean_depth": 120.0, "qc_status": "PASS"},
        {"sample_id": "X9T", "ref_genome": "GRCh38", "purity": 0.7, "mean_depth": 80.0, "qc_status": "WARN_DELETED_GENES"},
    ],
    "somatic_variant": [variant("B2T", 100), variant("X9T", 200)],
    "treatment": [
        {"treatment_id": "A1-1", "patient_id": "A1", "start_date": D(2025, 3, 1)},
        {"treatment_id": "A2-1", "patient_id": "A2", "start_date": D(2025, 3, 1)},
    ],
    "treatment_drug": [
        {"treatment_id": "A1-1", "patient_id": "A1", "drug": "Osimertinib", "curated": True},
        {"treatment_id": "A2-1", "patient_id": "A2", "drug": "Xyzumab", "curated": False},
    ],
    "treatment_response": [
        {"patient_id": "A1", "treatment_id": "A1-1", "response_date": D(2025, 4, 1), "response": "PR"},
        {"patient_id": "A2", "treatment_id": "A2-9", "response_date": D(2025, 4, 2), "response": "PD"},
    ],
}


@pytest.fixture
def planted(store: Store) -> Store:
    load(store, PLANTED)
    return store


def test_totals_qc_pass_rate_and_flags(planted: Store) -> None:
    r = quality_report(planted)
    assert r["totals"] == {"patients": 4, "samples": 4, "sequenced_samples": 4}
    assert r["qc"] == {
        "assessed": 4, "pass": 2, "pass_rate_pct": 50.0, "not_assessed": 0,
        "flags": {"PASS": 2, "FAIL_NO_TUMOR": 1, "WARN_LOW_PURITY": 1, "WARN_DELETED_GENES": 1},
    }


def test_purity_and_depth_distributions_are_quartiles(planted: Store) -> None:
    r = quality_report(planted)
    assert r["purity"] == {"n": 4, "min": 0.3, "p25": 0.45, "median": 0.6, "p75": 0.75, "max": 0.9}
    assert r["mean_depth"] == {"n": 4, "min": 60.0, "p25": 75.0, "median": 90.0, "p75": 105.0, "max": 120.0}


def test_completeness_is_the_share_of_rows_with_a_value(planted: Store) -> None:
    c = quality_report(planted)["completeness"]
    assert set(c) == {"patient", "sample", "treatment", "treatment_drug", "treatment_response", "consent"}
    assert c["patient"]["rows"] == 4
    assert c["patient"]["fields"]["hospital_code"] == 75.0
    assert c["patient"]["fields"]["death_date"] == 0.0
    assert c["sample"]["fields"]["arrival_date"] == 75.0
    assert c["sample"]["fields"]["primary_tumor_curated"] == 100.0  # false is a value
    assert c["consent"]["rows"] == 3
    assert list(c["treatment_drug"]["fields"]) == TABLES_BY_NAME["treatment_drug"].column_names


def test_curation_findings_name_what_to_fix(planted: Store) -> None:
    cur = quality_report(planted)["curation"]
    assert cur["unmapped_tumor_locations"] == [{"text": "lung ca??", "samples": 2}]
    assert cur["unmapped_drugs"] == [{"drug": "Xyzumab", "rows": 1}]
    assert cur["responses_without_treatment"] == {"count": 1, "examples": ["A2 / A2-9 (2025-04-02)"]}
    assert cur["genomic_samples_without_clinical"] == {"count": 1, "examples": ["X9T"]}
    assert cur["clinical_samples_without_genomic"] == {"count": 1, "examples": ["B1T"]}
    assert cur["patients_without_consent"] == {"count": 1, "examples": ["A2"]}
    assert cur["reference_genomes"] == {"GRCh37": 1, "GRCh38": 3}
    assert cur["mixed_reference_genomes"] is True


def test_findings_are_broken_down_per_hospital(planted: Store) -> None:
    h = quality_report(planted)["by_hospital"]
    assert list(h) == ["(no clinical record)", "(no hospital)", "H1", "H2"]
    h1 = h["H1"]
    assert (h1["patients"], h1["samples"], h1["qc_assessed"], h1["qc_pass"], h1["qc_pass_rate_pct"]) == (2, 2, 2, 1, 50.0)
    assert (h1["unmapped_tumor_locations"], h1["unmapped_drugs"], h1["responses_without_treatment"]) == (1, 1, 1)
    assert (h1["patients_without_consent"], h1["GRCh37"], h1["GRCh38"]) == (1, 1, 1)
    assert (h["H2"]["unmapped_tumor_locations"], h["H2"]["clinical_samples_without_genomic"]) == (1, 1)
    assert h["H2"]["qc_pass_rate_pct"] is None  # nothing sequenced yet
    # B1 (4 of 10 patient fields) + B1T (5 of 15 sample fields; the haematological-only ones are not counted)
    assert h["H2"]["field_completeness_pct"] == 36.0
    assert (h["(no hospital)"]["patients"], h["(no hospital)"]["qc_pass"]) == (1, 1)
    orphan = h["(no clinical record)"]
    assert (orphan["genomic_samples_without_clinical"], orphan["qc_assessed"], orphan["qc_pass"], orphan["patients"]) == (1, 1, 0, 0)


def test_findings_are_broken_down_per_month_of_arrival(planted: Store) -> None:
    m = quality_report(planted)["by_month"]
    assert list(m) == ["(unknown)", "2025-01", "2025-02", "2025-03"]
    # A2T has no arrival date: it counts in its patient's registration month
    jan = m["2025-01"]
    assert (jan["patients"], jan["samples"], jan["unmapped_tumor_locations"], jan["unmapped_drugs"]) == (1, 1, 1, 1)
    assert (jan["responses_without_treatment"], jan["patients_without_consent"], jan["GRCh37"]) == (1, 1, 1)
    assert (m["2025-02"]["patients"], m["2025-02"]["qc_pass_rate_pct"]) == (1, 100.0)
    mar = m["2025-03"]
    assert (mar["patients"], mar["samples"], mar["unmapped_tumor_locations"], mar["clinical_samples_without_genomic"]) == (2, 2, 1, 1)
    assert m["(unknown)"]["genomic_samples_without_clinical"] == 1


def test_a_freeze_keeps_its_report_after_fixes_are_ingested(planted: Store) -> None:
    planted.create_freeze("DR-1")
    fixed = [dict(s, primary_tumor_location="Lung", primary_tumor_curated=True) for s in PLANTED["sample"] if s["patient_id"] == "B1"]
    load(planted, {"sample": fixed})
    assert quality_report(planted)["curation"]["unmapped_tumor_locations"] == [{"text": "lung ca??", "samples": 1}]
    frozen = quality_report(planted, "DR-1")
    assert frozen["freeze"] == "DR-1" and frozen["version"] == 1
    assert frozen["curation"]["unmapped_tumor_locations"] == [{"text": "lung ca??", "samples": 2}]
    with pytest.raises(StoreError, match="no freeze 'DR-0'"):
        quality_report(planted, "DR-0")


def test_an_empty_store_gives_an_empty_report_not_an_error(store: Store) -> None:
    r = quality_report(store)
    assert r["totals"] == {"patients": 0, "samples": 0, "sequenced_samples": 0}
    assert r["qc"]["pass_rate_pct"] is None and r["purity"]["n"] == 0
    assert r["completeness"]["patient"]["fields"]["sex"] is None
    assert "0 patients, 0 samples" in render_text(r)


def test_the_text_report_leads_with_the_findings(planted: Store) -> None:
    text = render_text(quality_report(planted))
    lines = text.splitlines()
    assert lines[0] == "Data quality of store version 1"
    assert lines[3] == "Findings to act on"
    assert any(line.startswith("unmapped tumour locations (samples)") and "'lung ca??' x2" in line for line in lines)
    assert any(line.startswith("mixed reference genomes") and "GRCh37: 1, GRCh38: 3" in line for line in lines)
    assert "QC: 2 of 4 assessed samples PASS (50.0%); 0 without a QC status" in text
    h1 = next(line for line in lines if line.startswith("H1 "))
    assert h1.split() == ["H1", "2", "2", h1.split()[3], "50.0", "1", "1", "1", "0", "0", "1", "1", "1"]


def test_the_cli_prints_json_or_text(tmp_path: Path) -> None:
    home = tmp_path / "node"
    with Store.init(home) as s:
        load(s, PLANTED)
    runner = CliRunner()
    as_json = runner.invoke(app, ["--home", str(home), "quality", "--json"])
    assert as_json.exit_code == 0, as_json.output
    doc = json.loads(as_json.stdout)
    assert doc["curation"]["patients_without_consent"] == {"count": 1, "examples": ["A2"]}
    as_text = runner.invoke(app, ["--home", str(home), "quality"])
    assert as_text.exit_code == 0 and "Findings to act on" in as_text.stdout
    bad = runner.invoke(app, ["--home", str(home), "quality", "--freeze", "nope"])
    assert bad.exit_code != 0 and "no freeze 'nope'" in bad.stderr
