"""`onconode ingest fhir`: an export of a freeze read into a fresh store gives back the same
rows for the columns FHIR carries; bad bundles are refused with file and JSON path, whole."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from onconode.exchange import fhir
from onconode.exchange.patients import freeze_relations, iter_patients
from onconode.exchange.report import ExportReport
from onconode.ingest.fhir import ingest_fhir
from onconode.ingest.problems import IngestError
from onconode.store.store import Store
from tests.conftest import frozen_synthetic_store

# The columns a FHIR export carries and the importer reads back, per table.
ROUND_TRIP = {
    "patient": ("patient_id", "dataset_id", "sex", "birth_year", "death_date", "diagnosis_date"),
    "sample": ("sample_id", "patient_id", "sampling_date", "arrival_date", "tissue_source", "biopsy_site", "biopsy_location",
               "primary_tumor_location", "primary_tumor_sub_location", "primary_tumor_type", "primary_tumor_sub_type",
               "primary_tumor_doids", "primary_tumor_curated", "pathology_tumor_percentage",
               "haematological_diagnosis", "haematological_diagnosis_code"),
    "treatment": ("treatment_id", "patient_id", "sample_id", "line", "start_date", "end_date", "regimen", "type", "mechanism", "pre_biopsy"),
    "treatment_drug": ("treatment_id", "patient_id", "drug", "type", "mechanism", "atc_code", "curated"),
    "treatment_response": ("patient_id", "treatment_id", "response_date", "response"),
    "tumor_profile": ("sample_id", "ref_genome", "purity", "ploidy", "ms_indels_per_mb", "msi_status", "tmb_per_mb", "tmb_status",
                      "hrd_score", "hr_status", "hrd_type"),
    "somatic_variant": ("sample_id", "chromosome", "position", "ref", "alt", "type", "gene", "transcript", "canonical_effect",
                        "hgvs_coding", "hgvs_protein", "allele_read_count", "vaf"),
    "germline_variant": ("sample_id", "chromosome", "position", "ref", "alt", "type", "gene", "transcript", "canonical_effect",
                         "hgvs_coding", "hgvs_protein", "genotype"),
}
# What cannot round-trip, and why (also in docs/exchange-fhir.md):
NOT_ROUND_TRIP = {
    "patient.hospital_code": "a Patient.managingOrganization would need an Organization per hospital; not written",
    "patient.registration_date, informed_consent_date, last_follow_up_date": "mCODE 4.0.0 has no element for them",
    "consent, survival_endpoint": "no mCODE resource; consent is not part of an mCODE bundle",
    "sample.normal_tissue_source, eln_risk": "the matched normal is no Specimen of the export; ELN risk has no mCODE element",
    "treatment without drugs": "a line exists in FHIR only as MedicationAdministrations of its drugs",
    "treatment_response.measurement_done, bone_only_disease": "no element in the cancer disease status profile",
    "tumor_profile (other columns: fit method, WGD, TML, QC, depth ...)": "no GR 2.0.0 element; only the markers above are written",
    "somatic_variant (filter, tier, hotspot, copy numbers, adjusted VAF, read depth ...)": "GR 2.0.0 Variant has no component for them",
    "somatic_variant rows that are filtered, or neither reported nor protein-changing": "not written (exchange.fhir.written_variant)",
    "gene_copy_number": "written as CNA Variants (AMP/HOMDEL only) but not read back: a gene call is no row of the model's shape",
    "structural_variant, fusion, driver, copy_number_segment, tool tables": "no Variant observations are written for them",
    "dataset (title, description, ...)": "only the dataset id travels (Patient.meta.tag)",
}


def _rows(store: Store, table: str, version: int, keep=lambda row: True) -> list[tuple]:
    """The table's round-trip columns, sorted; `keep` sees the whole row."""
    cur = store.con.execute(f"SELECT * FROM ({store.relation_sql(table, version)})")
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r)) for r in cur.fetchall()]
    return sorted((tuple(r[c] for c in ROUND_TRIP[table]) for r in rows if keep(r)), key=repr)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("fhir-rt")
    home = frozen_synthetic_store(root / "node", patients=10, seed=7, median_variants=30, freeze="f1")
    with Store.open(home, read_only=True) as store:
        fhir.write(iter_patients(store.con, freeze_relations(store, store.resolve("f1"))), root / "out", ExportReport("fhir"))
    return home, root / "out"


def test_importing_an_export_into_a_fresh_store_gives_the_same_rows(exported, tmp_path: Path) -> None:
    home, out = exported
    with Store.init(tmp_path / "fresh") as fresh:
        report = ingest_fhir(fresh, out)
        assert report.rows["somatic_variant"] > 0
        with Store.open(home, read_only=True) as source:
            v = source.resolve("f1")
            for table in ROUND_TRIP:
                expected = _rows(source, table, v, fhir.written_variant if table == "somatic_variant" else lambda row: True)
                assert expected, f"the synthetic freeze has no {table} rows: the round trip would prove nothing"
                assert _rows(fresh, table, fresh.current_version) == expected, table


def test_the_import_command_loads_a_folder_as_one_version(exported, tmp_path: Path) -> None:
    _, out = exported
    home = tmp_path / "node"
    run = lambda *a: subprocess.run([sys.executable, "-m", "onconode", "--home", str(home), *a],  # noqa: E731
                                    capture_output=True, text=True, timeout=300)
    assert run("init").returncode == 0
    done = run("ingest", "fhir", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("version 1:") and "somatic_variant" in done.stdout


def _edit(out: Path, tmp_path: Path, change) -> Path:
    folder = tmp_path / "bad"
    folder.mkdir()
    for p in sorted(out.glob("*.json")):
        (folder / p.name).write_text(p.read_text())
    first = sorted(folder.glob("*.json"))[0]
    bundle = json.loads(first.read_text())
    change(bundle)
    first.write_text(json.dumps(bundle))
    return folder


def _refused(folder: Path, tmp_path: Path) -> str:
    with Store.init(tmp_path / "store") as store:
        with pytest.raises(IngestError) as exc:
            ingest_fhir(store, folder)
        assert store.current_version == 0 and store.counts()["patient"] == 0  # nothing of any file loaded
    return str(exc.value)


def _first(bundle: dict, kind: str) -> tuple[int, dict]:
    return next((i, e["resource"]) for i, e in enumerate(bundle["entry"]) if e["resource"]["resourceType"] == kind)


def test_a_bad_datatype_is_refused_with_the_file_and_json_path(exported, tmp_path: Path) -> None:
    _, out = exported
    seen = {}

    def change(b: dict) -> None:
        i, r = next((i, e["resource"]) for i, e in enumerate(b["entry"]) if "valueQuantity" in e["resource"])
        r["valueQuantity"]["value"] = "high"
        seen["path"] = f"entry[{i}].resource.valueQuantity.value"

    message = _refused(_edit(out, tmp_path, change), tmp_path)
    assert seen["path"] in message and ".json" in message


def test_a_bundle_with_two_patients_is_refused(exported, tmp_path: Path) -> None:
    _, out = exported

    def change(b: dict) -> None:
        _, p = _first(b, "Patient")
        b["entry"].append({"fullUrl": "urn:uuid:00000000-0000-5000-8000-000000000000", "resource": {**p, "id": "00000000-0000-5000-8000-000000000000"}})

    assert "exactly one Patient" in _refused(_edit(out, tmp_path, change), tmp_path)


def test_a_code_from_the_wrong_system_is_refused_with_its_path(exported, tmp_path: Path) -> None:
    _, out = exported
    seen = {}

    def change(b: dict) -> None:
        i, ma = _first(b, "MedicationAdministration")
        ma["medicationCodeableConcept"]["coding"] = [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "1"}]
        seen["path"] = f"entry[{i}].resource.medicationCodeableConcept.coding[0].system"

    message = _refused(_edit(out, tmp_path, change), tmp_path)
    assert seen["path"] in message


def test_a_reference_to_nothing_in_the_bundle_is_refused(exported, tmp_path: Path) -> None:
    _, out = exported

    def change(b: dict) -> None:
        _, s = _first(b, "Specimen")
        s["subject"] = {"reference": "urn:uuid:11111111-1111-5111-8111-111111111111"}

    assert "is not an entry of this bundle" in _refused(_edit(out, tmp_path, change), tmp_path)


def test_a_file_that_is_no_bundle_and_broken_json_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.json").write_text('{"resourceType": "Patient", "id": "x"}')
    (folder / "b.json").write_text('{"resourceType": "Bundle", ')
    message = _refused(folder, tmp_path)
    assert "a.json" in message and "not a FHIR Bundle" in message and "b.json" in message


def test_a_variant_position_that_is_not_an_integer_is_refused(exported, tmp_path: Path) -> None:
    _, out = exported

    def change(b: dict) -> None:
        for e in b["entry"]:
            for c in e["resource"].get("component", []):
                if c["code"]["coding"][0]["code"] == "81254-5":
                    c["valueRange"]["low"]["value"] = 12.5
                    return

    assert "not a 1-based position" in _refused(_edit(out, tmp_path, change), tmp_path)


def test_haematological_samples_edge_codes_and_a_patient_without_samples_round_trip(tmp_path: Path) -> None:
    """Values the synthetic cohort lacks: an ICD-O-3 haematological diagnosis, blood as the
    tumour, GRCh38, a second sample that names no tumour, UNKNOWN MSI/TMB status, NE and non-CR/non-PD responses, an ongoing line,
    and a patient known only by a diagnosis date."""
    import datetime as dt

    from onconode.exchange.patients import PatientRecord

    d = dt.date
    p1 = {"patient": [{"patient_id": "P1", "dataset_id": "D", "sex": "other", "birth_year": 1950, "death_date": None, "diagnosis_date": d(2020, 1, 2)}],
          "sample": [{"sample_id": "P1A", "patient_id": "P1", "sampling_date": d(2020, 2, 1), "tissue_source": "bone_marrow",
                      "primary_tumor_location": "Bone marrow", "primary_tumor_type": "Leukemia", "primary_tumor_doids": "9119",
                      "haematological_diagnosis": "AML with mutated NPM1", "haematological_diagnosis_code": "9861/3"},
                     {"sample_id": "P1B", "patient_id": "P1", "sampling_date": d(2020, 9, 1), "tissue_source": "blood"}],
          "tumor_profile": [{"sample_id": "P1A", "ref_genome": "GRCh38", "msi_status": "UNKNOWN", "tmb_status": "UNKNOWN", "tmb_per_mb": None}],
          "somatic_variant": [{"sample_id": "P1A", "chromosome": "5", "position": 171410539, "ref": "C", "alt": "CTCTG", "type": "INDEL",
                               "gene": "NPM1", "vaf": 0.41, "coding_effect": "NONSENSE_OR_FRAMESHIFT", "filter": "PASS"}],
          "treatment": [{"treatment_id": "P1-T1", "patient_id": "P1", "line": 1, "start_date": d(2020, 3, 1), "end_date": None, "regimen": "Azacitidine"}],
          "treatment_drug": [{"treatment_id": "P1-T1", "patient_id": "P1", "drug": "Azacitidine", "atc_code": "L01BC07"}],
          "treatment_response": [{"patient_id": "P1", "treatment_id": "P1-T1", "response_date": d(2020, 5, 1), "response": "NE"},
                                 {"patient_id": "P1", "treatment_id": "P1-T1", "response_date": d(2020, 7, 1), "response": "NON_CR_NON_PD"}]}
    p2 = {"patient": [{"patient_id": "P2", "dataset_id": "D", "sex": None, "birth_year": None, "death_date": d(2021, 1, 1), "diagnosis_date": d(2019, 5, 5)}]}
    out = tmp_path / "out"
    fhir.write([PatientRecord("P1", p1), PatientRecord("P2", p2)], out, ExportReport("fhir"))
    with Store.init(tmp_path / "fresh") as fresh:
        ingest_fhir(fresh, out)
        for table in ("patient", "sample", "tumor_profile", "somatic_variant", "treatment", "treatment_drug", "treatment_response"):
            want = sorted((tuple(r.get(c) for c in ROUND_TRIP[table]) for rec in (p1, p2) for r in rec.get(table, [])), key=repr)
            assert _rows(fresh, table, fresh.current_version) == want, table


def test_a_missing_path_or_an_empty_folder_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert "no *.json files in the folder" in _refused(tmp_path / "empty", tmp_path)
    with Store.init(tmp_path / "other") as store, pytest.raises(IngestError, match="no such file or folder"):
        ingest_fhir(store, tmp_path / "nowhere")
