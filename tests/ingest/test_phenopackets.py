"""The GA4GH Phenopackets v2 reader."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from onconode.ingest.phenopackets import ingest_phenopackets
from onconode.ingest.problems import IngestError

DATA = Path(__file__).resolve().parents[1] / "data" / "phenopackets"
MELANOMA = DATA / "melanoma_braf.json"
AML = DATA / "aml_bone_marrow.json"


def rows(store, sql: str) -> list[tuple]:
    return store.con.execute(sql).fetchall()


def edited(tmp_path: Path, source: Path, change) -> Path:
    packet = json.loads(source.read_text())
    change(packet)
    out = tmp_path / source.name
    out.write_text(json.dumps(packet))
    return out


def test_folder_of_phenopackets_loads_patients_samples_treatments_and_responses(store):
    report = ingest_phenopackets(store, DATA, dataset="PP")

    assert report.rows == {"dataset": 1, "patient": 2, "sample": 2, "treatment": 3, "treatment_drug": 4, "treatment_response": 3}
    assert rows(store, "SELECT patient_id, dataset_id, sex, birth_year, diagnosis_date, death_date, last_follow_up_date FROM patient ORDER BY 1") == [
        ("HMF000101", "PP", "male", 1964, dt.date(2019, 6, 12), None, dt.date(2021, 3, 1)),
        # deceased: death = diagnosis + survivalTimeInDays (420)
        ("HMF000102", "PP", "female", 1958, dt.date(2020, 2, 10), dt.date(2021, 4, 5), None),
    ]
    assert rows(store, "SELECT sample_id, sampling_date, tissue_source, biopsy_site, primary_tumor_location, primary_tumor_sub_type, primary_tumor_doids, primary_tumor_curated FROM sample ORDER BY 1") == [
        ("HMF000101A", dt.date(2019, 7, 1), "tissue", "liver", "Skin", None, "8923", True),
        # an NCIT term goes through the tumour curation by its label
        ("HMF000102A", dt.date(2020, 2, 12), "bone_marrow", "bone marrow", "Bone marrow", "Acute myeloid leukemia", "9119", True),
    ]
    assert rows(store, "SELECT treatment_id, start_date, end_date, regimen, mechanism FROM treatment ORDER BY 1") == [
        ("HMF000101-MA1", dt.date(2019, 7, 15), dt.date(2020, 4, 20), "Dabrafenib", "BRAF inhibitor"),
        ("HMF000101-MA2", dt.date(2019, 7, 15), dt.date(2020, 4, 20), "Trametinib", "MEK inhibitor"),
        ("HMF000102-MA1", dt.date(2020, 2, 20), dt.date(2020, 9, 30), "Azacitidine/Venetoclax", "Hypomethylating/BCL2 inhibitor"),
    ]
    assert rows(store, "SELECT drug, atc_code FROM treatment_drug WHERE patient_id = 'HMF000102' ORDER BY 1") == [("Azacitidine", "L01BC07"), ("Venetoclax", "L01XX52")]
    assert rows(store, "SELECT treatment_id, response_date, response FROM treatment_response ORDER BY 1") == [
        ("HMF000101-MA1", dt.date(2020, 4, 20), "PR"), ("HMF000101-MA2", dt.date(2020, 4, 20), "PR"), ("HMF000102-MA1", dt.date(2020, 9, 30), "CR"),
    ]


def test_what_the_model_cannot_hold_is_named_in_warnings(store):
    report = ingest_phenopackets(store, MELANOMA, dataset="PP")
    messages = [(p.column, p.message) for p in report.problems]

    assert any("diseases[0].diseaseStage" in m and "medicalActions[0].treatmentTarget" in m for _, m in messages)
    assert ("biosamples[1].materialSample", "biosample HMF000101R is reference (normal) material; only tumour samples are loaded") in messages


def test_a_misspelt_field_is_reported_with_the_file_and_field_path(store, tmp_path):
    bad = edited(tmp_path, MELANOMA, lambda p: p["subject"]["vitalStatus"].update(status="DEAD"))
    with pytest.raises(IngestError) as exc:
        ingest_phenopackets(store, bad, dataset="PP")
    problem = exc.value.problems[0]
    assert (Path(problem.file).name, problem.column) == ("melanoma_braf.json", "subject.vitalStatus.status")
    assert "DEAD" in problem.message
    assert store.current_version == 0


def test_an_unknown_field_is_reported_with_its_path(store, tmp_path):
    bad = edited(tmp_path, AML, lambda p: p["biosamples"][0].update(tumourGrade={"id": "NCIT:C28077", "label": "Grade 2"}))
    with pytest.raises(IngestError) as exc:
        ingest_phenopackets(store, bad, dataset="PP")
    assert exc.value.problems[0].column == "biosamples[0].tumourGrade"
    assert 'has no field named "tumourGrade"' in exc.value.problems[0].message


def test_invalid_json_is_reported_with_its_line(store, tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('{\n  "id": "x",\n  "subject": {"id": "P1",}\n}\n')
    with pytest.raises(IngestError) as exc:
        ingest_phenopackets(store, bad, dataset="PP")
    assert (exc.value.problems[0].line, "not valid JSON") == (3, exc.value.problems[0].message[:14])


def test_one_bad_phenopacket_in_a_folder_loads_nothing(store, tmp_path):
    folder = tmp_path / "pp"
    folder.mkdir()
    shutil.copy(AML, folder)
    edited(folder, MELANOMA, lambda p: p["biosamples"][0].update(timeOfCollection={"timestamp": "2999-01-01T00:00:00Z"}))
    with pytest.raises(IngestError) as exc:
        ingest_phenopackets(store, folder, dataset="PP")
    assert [(Path(p.file).name, p.column) for p in exc.value.problems] == [("melanoma_braf.json", "biosamples[0].timeOfCollection")]
    assert store.counts()["patient"] == 0


def test_a_treatment_without_start_and_an_age_only_onset_are_warnings_not_silent_drops(store, tmp_path):
    def change(p):
        p["medicalActions"][1]["treatment"]["doseIntervals"] = []
        p["diseases"][0]["onset"] = {"age": {"iso8601duration": "P55Y"}}

    report = ingest_phenopackets(store, edited(tmp_path, MELANOMA, change), dataset="PP")
    columns = {p.column: p.message for p in report.problems}
    assert "no start date" in columns["medicalActions[1].treatment.doseIntervals"]
    assert "not a calendar date" in columns["diseases[0].onset"]
    assert rows(store, "SELECT count(*) FROM treatment") == [(1,)]


def test_reingesting_a_phenopacket_replaces_the_patient(store, tmp_path):
    ingest_phenopackets(store, MELANOMA, dataset="PP")
    fewer = edited(tmp_path, MELANOMA, lambda p: p["medicalActions"].pop())
    report = ingest_phenopackets(store, fewer, dataset="PP")

    assert "dataset" not in report.rows  # the dataset already exists and is left alone
    assert rows(store, "SELECT treatment_id FROM treatment WHERE _removed IS NULL") == [("HMF000101-MA1",)]
    assert store.counts()["treatment_response"] == 1


def test_a_missing_path_is_a_clear_error(store, tmp_path):
    with pytest.raises(IngestError, match="no such file or folder"):
        ingest_phenopackets(store, tmp_path / "none.json", dataset="PP")


def test_values_outside_the_model_ranges_are_errors_with_their_field(store, tmp_path):
    def change(p):
        p["subject"]["dateOfBirth"] = "1850-01-01T00:00:00Z"
        p["subject"]["vitalStatus"] = {"status": "DECEASED", "survivalTimeInDays": 4000000000}

    with pytest.raises(IngestError) as exc:
        ingest_phenopackets(store, edited(tmp_path, MELANOMA, change), dataset="PP")
    columns = {p.column: p.message for p in exc.value.problems}
    assert "below the minimum 1880" in columns["subject.dateOfBirth"]
    assert "past the year 9999" in columns["subject.vitalStatus.survivalTimeInDays"]
