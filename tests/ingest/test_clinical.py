"""The clinical TSV reader: docs/clinical-tsv.md as executable examples."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from onconode.ingest.clinical import ingest_clinical
from onconode.ingest.problems import IngestError
from onconode.store.withdraw import withdraw_patient

GOOD = Path(__file__).resolve().parents[1] / "data" / "clinical" / "good"


def clinical_folder(tmp_path: Path, edits: dict[str, list[tuple[str, str]]] | None = None, drop: tuple[str, ...] = ()) -> Path:
    """A copy of the good folder with text replacements per file ({file: [(old, new)]})."""
    folder = tmp_path / "clinical"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(GOOD, folder)
    for name in drop:
        (folder / name).unlink()
    for name, changes in (edits or {}).items():
        path = folder / name
        text = path.read_text()
        for old, new in changes:
            assert old in text, f"{old!r} not in {name}"
            text = text.replace(old, new)
        path.write_text(text)
    return folder


def rows(store, sql: str, *params) -> list[tuple]:
    return store.con.execute(sql, list(params)).fetchall()


def problems_of(exc: pytest.ExceptionInfo[IngestError]) -> list[tuple[str, int | None, str | None]]:
    return [(Path(p.file).name, p.line, p.column) for p in exc.value.problems]


def test_good_folder_loads_every_table_with_curated_values(store, tmp_path):
    report = ingest_clinical(store, clinical_folder(tmp_path))

    assert report.version == 1
    assert report.rows == {"dataset": 1, "patient": 2, "consent": 2, "sample": 2, "treatment": 2, "treatment_drug": 5, "treatment_response": 3}
    assert report.problems == [] and report.warnings == []
    assert rows(store, "SELECT patient_id, dataset_id, sex, birth_year, death_date FROM patient ORDER BY 1") == [
        ("HMF000001", "META", "female", 1961, None),
        ("HMF000002", "META", "male", 1955, dt.date(2021, 2, 3)),
    ]
    assert rows(store, "SELECT sample_id, primary_tumor_location, primary_tumor_type, primary_tumor_sub_type, primary_tumor_doids, primary_tumor_curated FROM sample ORDER BY 1") == [
        ("HMF000001A", "Breast", "Carcinoma", None, "1612", True),
        ("HMF000002A", "Lung", "Carcinoma", "Non-small cell carcinoma", "3908", True),
    ]
    assert rows(store, "SELECT treatment_id, regimen, type, mechanism FROM treatment ORDER BY 1") == [
        ("T1", "Letrozole/Palbociclib", "Hormonal therapy/Targeted therapy", "Aromatase inhibitor/CDK4/6 inhibitor"),
        ("T2", "Carboplatin/Pemetrexed/Pembrolizumab", "Chemotherapy/Immunotherapy", "Platinum/Antimetabolite/Anti-PD-1"),
    ]
    assert rows(store, "SELECT drug, type, mechanism, atc_code, curated FROM treatment_drug WHERE treatment_id = 'T2' ORDER BY 1") == [
        ("Carboplatin", "Chemotherapy", "Platinum", "L01XA02", True),
        ("Pembrolizumab", "Immunotherapy", "Anti-PD-1", "L01FF02", True),
        ("Pemetrexed", "Chemotherapy", "Antimetabolite", "L01BA04", True),
    ]
    # eCRF code 3 is stable disease
    assert rows(store, "SELECT treatment_id, response_date, response FROM treatment_response ORDER BY 2") == [
        ("T1", dt.date(2019, 7, 1), "PR"), ("T2", dt.date(2020, 5, 1), "SD"), ("T2", dt.date(2020, 9, 10), "PD"),
    ]
    assert rows(store, "SELECT consent_duo, licence_type FROM dataset") == [("DUO:0000042,DUO:0000019", "EEA")]


def test_unmapped_location_and_drug_load_uncurated_with_one_warning_each(store, tmp_path):
    folder = clinical_folder(tmp_path, {
        "biopsies.tsv": [("Mammacarcinoom", "Glomus tumour of the left ear")],
        "treatments.tsv": [("Carboplatin/Pemetrexed/Keytruda", "Carboplatin/Wonderdrug-7"), ("Letrozole + Palbociclib", "Wonderdrug-7")],
    })
    report = ingest_clinical(store, folder)

    warnings = {(Path(p.file).name, p.line, p.column): p.message for p in report.problems}
    assert warnings[("biopsies.tsv", 2, "primary_tumor_location")].startswith("tumour location 'Glomus tumour of the left ear' is not in the curation table")
    assert "2 rows; first here" in warnings[("treatments.tsv", 2, "drugs")]
    assert rows(store, "SELECT primary_tumor_location, primary_tumor_doids, primary_tumor_curated FROM sample WHERE sample_id = 'HMF000001A'") == [
        ("Glomus tumour of the left ear", None, False)
    ]
    assert rows(store, "SELECT drug, type, curated FROM treatment_drug WHERE treatment_id = 'T2' ORDER BY 1") == [
        ("Carboplatin", "Chemotherapy", True), ("Wonderdrug-7", None, False),
    ]


def test_drug_names_are_matched_case_insensitively_and_by_synonym(store, tmp_path):
    folder = clinical_folder(tmp_path, {"treatments.tsv": [("Letrozole + Palbociclib", "FEMARA + ibrance"), ("Carboplatin/Pemetrexed/Keytruda", "5-fu/OXALIPLATIN/Lonsurf")]})
    ingest_clinical(store, folder)

    assert rows(store, "SELECT treatment_id, drug, atc_code FROM treatment_drug ORDER BY 1, 2") == [
        ("T1", "Letrozole", "L02BG04"), ("T1", "Palbociclib", "L01EF01"),
        ("T2", "Fluorouracil", "L01BC02"), ("T2", "Oxaliplatin", "L01XA03"), ("T2", "Trifluridine/tipiracil", "L01BC59"),
    ]


def test_primary_tumor_doids_column_overrides_the_curated_doids(store, tmp_path):
    folder = clinical_folder(tmp_path, {"biopsies.tsv": [("Mammacarcinoom\t\t60", "Mammacarcinoom\tDOID:3459, 1612\t60")]})
    ingest_clinical(store, folder)
    assert rows(store, "SELECT primary_tumor_location, primary_tumor_doids FROM sample WHERE sample_id = 'HMF000001A'") == [("Breast", "3459,1612")]


@pytest.mark.parametrize(
    "edits, where, message",
    [
        ({"patients.tsv": [("2021-06-30", "2999-06-30")]}, ("patients.tsv", 2, "last_follow_up_date"), "in the future"),
        ({"biopsies.tsv": [("2019-03-05", "1950-03-05")]}, ("biopsies.tsv", 2, "sampling_date"), "before the patient's birth year 1961"),
        ({"patients.tsv": [("2021-02-03\t2021-02-03", "1940-02-03\t2021-02-03")]}, ("patients.tsv", 3, "death_date"), "before the patient's birth year 1955"),
        ({"treatments.tsv": [("2019-10-01", "2019-03-01")]}, ("treatments.tsv", 2, "end_date"), "ends (2019-03-01) before it starts (2019-04-01)"),
        ({"responses.tsv": [("HMF000001\tT1", "HMF000001\tT9")]}, ("responses.tsv", 2, "treatment_id"), "treatment T9 is not in treatments.tsv"),
        ({"responses.tsv": [("HMF000001\tT1", "HMF000001\tT2")]}, ("responses.tsv", 2, "treatment_id"), "belongs to patient HMF000002"),
        ({"patients.tsv": [("HMF000002\tMETA", "HMF000001\tMETA")]}, ("patients.tsv", 3, "patient_id"), "duplicate row: patient_id HMF000001 already appears on line 2"),
        ({"biopsies.tsv": [("HMF000002A\tHMF000002", "HMF000001A\tHMF000002")]}, ("biopsies.tsv", 3, "sample_id"), "duplicate row"),
        ({"treatments.tsv": [("T2\tHMF000002", "T1\tHMF000002")]}, ("treatments.tsv", 3, "treatment_id"), "duplicate row"),
        ({"patients.tsv": [("\tfemale\t", "\tX\t")]}, ("patients.tsv", 2, "sex"), "'x' is not an allowed value"),
        ({"responses.tsv": [("\tPR\t", "\tGREAT\t")]}, ("responses.tsv", 2, "response"), "'GREAT' is not an allowed value"),
        ({"consents.tsv": [("DUO:0000042", "DUO:42")]}, ("consents.tsv", 2, "duo_code"), "is not a DUO id"),
        ({"datasets.tsv": [("DUO:0000019", "GRU")]}, ("datasets.tsv", 2, "consent_duo"), "'GRU' is not a DUO id"),
        ({"patients.tsv": [("\t1961\t", "\tsixty-one\t")]}, ("patients.tsv", 2, "birth_year"), "is not an int"),
        ({"treatments.tsv": [("2019-04-01", "")]}, ("treatments.tsv", 2, "start_date"), "a value is required"),
        ({"patients.tsv": [("HMF000002\tMETA", "HMF000002\tOTHER")]}, ("patients.tsv", 3, "dataset_id"), "dataset OTHER is neither in datasets.tsv nor in the store"),
        ({"biopsies.tsv": [("\t60\n", "\t160\n")]}, ("biopsies.tsv", 2, "pathology_tumor_percentage"), "above the maximum 100"),
        ({"biopsies.tsv": [("\t\t60", "\tbreast\t60")]}, ("biopsies.tsv", 2, "primary_tumor_doids"), "not a Disease Ontology id"),
        ({"treatments.tsv": [("T1\tHMF000001\tHMF000001A", "T1\tHMF000001\tHMF000002A")]}, ("treatments.tsv", 2, "sample_id"), "belongs to patient HMF000002"),
        ({"consents.tsv": [("HMF000001\tDUO", "HMF000009\tDUO")]}, ("consents.tsv", 2, "patient_id"), "patient HMF000009 has no row in"),
        ({"patients.tsv": [("patient_id\tdataset_id", "patient\tdataset_id")]}, ("patients.tsv", 1, "patient_id"), "required column(s) missing"),
    ],
)
def test_each_check_reports_the_exact_location_and_loads_nothing(store, tmp_path, edits, where, message):
    with pytest.raises(IngestError) as exc:
        ingest_clinical(store, clinical_folder(tmp_path, edits))

    found = [p for p in exc.value.problems if (Path(p.file).name, p.line, p.column) == where]
    assert found, f"expected a problem at {where}, got {problems_of(exc)}"
    assert message in found[0].message
    assert store.current_version == 0
    assert store.counts()["patient"] == 0


def test_all_problems_of_all_files_are_reported_together(store, tmp_path):
    folder = clinical_folder(tmp_path, {
        "patients.tsv": [("\tfemale\t", "\tX\t")],
        "treatments.tsv": [("2019-10-01", "2019-03-01")],
        "responses.tsv": [("\tPD\t", "\tWORSE\t")],
    })
    with pytest.raises(IngestError) as exc:
        ingest_clinical(store, folder)
    assert set(problems_of(exc)) >= {
        ("patients.tsv", 2, "sex"), ("treatments.tsv", 2, "end_date"), ("responses.tsv", 4, "response"),
    }
    assert "nothing was loaded" in str(exc.value)


@pytest.mark.parametrize(
    "edits, where, message",
    [
        ({"consents.tsv": [("HMF000002\tDUO:0000007\t1612\t2020-01-10\n", "")]}, ("patients.tsv", 3, "patient_id"), "has no consent rows"),
        ({"patients.tsv": [("informed_consent_date", "informed_consent_date\tshoe_size"), ("2019-02-25", "2019-02-25\t42"), ("2020-01-10", "2020-01-10\t44")]},
         ("patients.tsv", 1, "shoe_size"), "unknown column"),
    ],
)
def test_warnings_load_and_are_reported_with_their_location(store, tmp_path, edits, where, message):
    report = ingest_clinical(store, clinical_folder(tmp_path, edits))

    found = [p for p in report.problems if (Path(p.file).name, p.line, p.column) == where]
    assert found and message in found[0].message and found[0].severity == "warning"
    assert store.counts()["patient"] == 2


def test_reingest_replaces_the_patients_rows_and_a_dropped_treatment_disappears(store, tmp_path):
    ingest_clinical(store, clinical_folder(tmp_path))
    before = store.counts()
    ingest_clinical(store, clinical_folder(tmp_path))
    assert store.counts() == before

    dropped = clinical_folder(tmp_path, {
        "treatments.tsv": [("T1\tHMF000001\tHMF000001A\t2\t2019-04-01\t2019-10-01\tLetrozole + Palbociclib\tfalse\n", "")],
        "responses.tsv": [("HMF000001\tT1\t2019-07-01\tPR\ttrue\tfalse\n", "")],
    })
    report = ingest_clinical(store, dropped)

    assert report.version == 3
    assert rows(store, "SELECT treatment_id FROM treatment WHERE _removed IS NULL") == [("T2",)]
    assert store.counts()["treatment_drug"] == 3 and store.counts()["treatment_response"] == 2
    # the earlier version still shows what was loaded then
    assert rows(store, "SELECT count(*) FROM treatment WHERE _added <= 1 AND (_removed IS NULL OR _removed > 1)") == [(2,)]


def test_a_file_left_out_keeps_what_the_store_has_and_responses_can_reference_stored_treatments(store, tmp_path):
    ingest_clinical(store, clinical_folder(tmp_path))
    only_responses = clinical_folder(tmp_path, {"responses.tsv": [("2020-09-10\tPD", "2020-10-10\tPD")]}, drop=("treatments.tsv", "biopsies.tsv", "consents.tsv", "datasets.tsv"))
    report = ingest_clinical(store, only_responses)

    assert set(report.rows) == {"patient", "treatment_response"}
    assert store.counts()["treatment"] == 2 and store.counts()["sample"] == 2
    assert rows(store, "SELECT max(response_date) FROM treatment_response WHERE _removed IS NULL") == [(dt.date(2020, 10, 10),)]


def test_treatments_sent_without_responses_may_not_orphan_stored_responses(store, tmp_path):
    ingest_clinical(store, clinical_folder(tmp_path))
    folder = clinical_folder(tmp_path, {"treatments.tsv": [("T1\tHMF000001\tHMF000001A\t2\t2019-04-01\t2019-10-01\tLetrozole + Palbociclib\tfalse\n", "")]}, drop=("responses.tsv",))
    with pytest.raises(IngestError) as exc:
        ingest_clinical(store, folder)
    assert "stored responses refer to treatment(s) T1" in str(exc.value)
    assert store.current_version == 1


def test_a_patient_already_in_another_dataset_is_refused(store, tmp_path):
    ingest_clinical(store, clinical_folder(tmp_path))
    folder = clinical_folder(tmp_path, {
        "datasets.tsv": [("META\tMetastatic", "META2\tMetastatic")],
        "patients.tsv": [("HMF000001\tMETA", "HMF000001\tMETA2"), ("HMF000002\tMETA", "HMF000002\tMETA2")],
    })
    with pytest.raises(IngestError) as exc:
        ingest_clinical(store, folder)
    assert ("patients.tsv", 2, "dataset_id") in problems_of(exc)
    assert "already in dataset META" in exc.value.problems[0].message


def test_withdrawn_patients_are_skipped_and_the_report_says_so(store, tmp_path):
    ingest_clinical(store, clinical_folder(tmp_path))
    withdraw_patient(store, "HMF000002", "REQ-1")
    report = ingest_clinical(store, clinical_folder(tmp_path))

    assert rows(store, "SELECT DISTINCT patient_id FROM treatment WHERE _removed IS NULL") == [("HMF000001",)]
    assert report.rows["patient"] == 1
    assert any("withdrew consent" in w for w in report.warnings)
    assert any(p.line == 3 and "HMF000002 withdrew consent" in p.message for p in report.problems)


def test_missing_patients_file_and_a_missing_folder_are_clear_errors(store, tmp_path):
    with pytest.raises(IngestError) as exc:
        ingest_clinical(store, clinical_folder(tmp_path, drop=("patients.tsv",)))
    assert "patients.tsv is missing" in str(exc.value)
    with pytest.raises(IngestError) as exc:
        ingest_clinical(store, tmp_path / "nowhere")
    assert "not a folder" in str(exc.value)
