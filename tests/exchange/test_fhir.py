"""`onconode export fhir`'s writer: one mCODE 4.0.0 patient bundle per patient, every
resource valid FHIR R4 (fhir.resources, R4B models), mCODE must-haves, repeatable bytes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from onconode.exchange import fhir
from onconode.exchange.formats import FORMATS
from onconode.exchange.patients import PatientRecord, freeze_relations, iter_patients
from onconode.exchange.report import ExportReport
from onconode.ingest.fhir_checks import mcode, structure
from onconode.model import TABLES_BY_NAME
from onconode.model import fhir_terms as T
from onconode.model import vrs
from onconode.store.store import Store
from tests.conftest import frozen_synthetic_store


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, ExportReport]:
    root = tmp_path_factory.mktemp("fhir")
    home = frozen_synthetic_store(root / "node", patients=8, seed=11, median_variants=25, freeze="f1")
    report = ExportReport("fhir")
    with Store.open(home, read_only=True) as store:
        FORMATS["fhir"](iter_patients(store.con, freeze_relations(store, store.resolve("f1"))), root / "out", report)
    return home, root / "out", report


def bundles(out: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(out.glob("*.json"))]


def test_one_bundle_per_patient_with_exactly_one_patient_and_profiles_everywhere(exported) -> None:
    home, out, report = exported
    with Store.open(home, read_only=True) as store:
        ids = sorted(r[0] for r in store.con.execute("SELECT patient_id FROM patient WHERE _removed IS NULL").fetchall())
    assert sorted(p.stem for p in out.glob("*.json")) == ids
    assert report.patients == len(ids)
    for b in bundles(out):
        assert b["type"] == "collection" and b["meta"]["profile"] == [T.PROFILE["Bundle"]]
        patients = [e for e in b["entry"] if e["resource"]["resourceType"] == "Patient"]
        assert len(patients) == 1
        assert all(e["resource"]["meta"]["profile"] for e in b["entry"])
        assert list(mcode(b)) == []


def test_every_resource_is_valid_fhir_r4(exported) -> None:
    """fhir.resources 8.x: R5 at the package root, R4B in fhir.resources.R4B (no plain R4);
    R4B's Patient, Condition, Specimen, MedicationAdministration, Observation and
    DiagnosticReport are R4's."""
    _, out, _ = exported
    kinds = set()
    for b in bundles(out):
        Bundle.model_validate(b)
        for e in b["entry"]:
            r = e["resource"]
            get_fhir_model_class(r["resourceType"]).model_validate(r)
            kinds.add((r["resourceType"], r["meta"]["profile"][0]))
        assert list(structure(b)) == []
    assert {p for _, p in kinds} >= {T.PROFILE[k] for k in ("Patient", "Condition", "Specimen", "MedicationAdministration",
                                                           "disease-status", "tumor-marker", "DiagnosticReport", "variant",
                                                           "region-studied", "tmb", "msi")}


def test_a_reexport_of_the_freeze_is_byte_identical(exported, tmp_path: Path) -> None:
    home, out, _ = exported
    with Store.open(home, read_only=True) as store:
        fhir.write(iter_patients(store.con, freeze_relations(store, store.resolve("f1")), batch=3), tmp_path, ExportReport("fhir"))
    assert {p.name: p.read_bytes() for p in out.glob("*.json")} == {p.name: p.read_bytes() for p in tmp_path.glob("*.json")}


def _components(obs: dict) -> dict[str, dict]:
    return {c["code"]["coding"][0]["code"]: c for c in obs.get("component", [])}


def test_variants_carry_hgnc_gene_hgvs_vaf_source_class_and_their_vrs_id(exported) -> None:
    home, out, _ = exported
    with Store.open(home, read_only=True) as store:
        v = store.con.execute(
            "SELECT v.sample_id, chromosome, position, ref, alt, gene, hgvs_coding, hgvs_protein, vaf, t.ref_genome "
            "FROM somatic_variant v JOIN tumor_profile t USING (sample_id) WHERE v._removed IS NULL AND t._removed IS NULL "
            "AND length(ref) = 1 AND length(alt) = 1 AND hgvs_protein IS NOT NULL ORDER BY 1, 2, 3 LIMIT 1").fetchall()[0]
    sample, chrom, pos, ref_allele, alt, gene, hgvs_c, hgvs_p, vaf, build = v
    found = [e["resource"] for b in bundles(out) for e in b["entry"]
             if T.PROFILE["variant"] in e["resource"]["meta"]["profile"]
             and _components(e["resource"]).get(T.C_START_END[0], {}).get("valueRange", {}).get("low", {}).get("value") == pos
             and _components(e["resource"])[T.C_ALT_ALLELE[0]]["valueString"] == alt]
    assert len(found) == 1
    obs = found[0]
    assert obs["code"]["coding"][0] == {"system": T.LOINC, "code": "69548-6", "display": T.VARIANT_CODE[1]}
    c = _components(obs)
    assert c[T.C_GENE[0]]["valueCodeableConcept"]["coding"][0]["system"] == T.HGNC
    assert c[T.C_GENE[0]]["valueCodeableConcept"]["text"] == gene
    contig = vrs.contig(build, chrom)
    assert c[T.C_GENOMIC_HGVS[0]]["valueCodeableConcept"]["coding"][0]["code"] == f"{contig.refseq_accession}:g.{pos}{ref_allele}>{alt}"
    assert c[T.C_CODING_HGVS[0]]["valueCodeableConcept"]["text"] == hgvs_c
    assert c[T.C_PROTEIN_HGVS[0]]["valueCodeableConcept"]["text"] == hgvs_p
    assert c[T.C_VAF[0]]["valueQuantity"]["value"] == vaf
    assert c[T.C_SOURCE[0]]["valueCodeableConcept"]["coding"][0]["code"] == "LA6684-0"
    assert c[T.C_VARIATION[0]]["valueCodeableConcept"]["coding"][0]["code"] == vrs.allele_id(build, chrom, pos, ref_allele, alt).id


def test_recist_responses_become_cancer_disease_status_with_the_references_mapping(exported) -> None:
    _, out, _ = exported
    seen = {}
    for b in bundles(out):
        for e in b["entry"]:
            r = e["resource"]
            if T.PROFILE["disease-status"] in r["meta"]["profile"]:
                codes = {c["system"]: c["code"] for c in r["valueCodeableConcept"]["coding"]}
                seen[codes[T.CS_RESPONSE]] = codes[T.SNOMED]
                assert r["code"]["coding"][0]["code"] == "97509-4" and r["focus"]
                assert r["extension"][0]["url"] == T.EVIDENCE_TYPE
    expected = {"CR": "550991000124107", "PR": "551001000124108", "SD": "359746009", "PD": "271299001"}
    assert seen and all(seen[k] == expected[k] for k in seen if k in expected)


def test_tumour_markers_use_loinc_where_it_has_codes_and_ours_where_not(exported) -> None:
    _, out, _ = exported
    codes = set()
    for b in bundles(out):
        for e in b["entry"]:
            r = e["resource"]
            if T.PROFILE["tumor-marker"] in r["meta"]["profile"]:
                codes.add((r["code"]["coding"][0]["system"], r["code"]["coding"][0]["code"]))
    assert {(T.LOINC, "94076-7"), (T.LOINC, "81695-9")} <= codes
    assert {(T.CS_OBSERVATION, c) for c in ("purity", "ploidy", "hrd")} <= codes


def test_the_report_counts_what_fhir_cannot_hold(exported) -> None:
    _, _, report = exported
    held = report.not_expressed
    assert any(k.startswith("copy_number_segment: ") for k in held)
    assert any(k.startswith("treatment_response.measurement_done") or k.startswith("patient.last_follow_up_date") for k in held)
    assert sum(report.files.values()) > report.patients
    assert any(k.startswith("somatic_variant: not written: filtered") for k in held)
    assert any(k.startswith("gene_copy_number: not written: only amplified") for k in held)


def test_only_passing_reported_or_protein_changing_somatic_variants_are_written() -> None:
    base = {"filter": "PASS", "reported": False, "coding_effect": "MISSENSE"}
    assert fhir.written_variant(base)
    assert not fhir.written_variant(base | {"filter": "PON"})
    assert not fhir.written_variant(base | {"coding_effect": "SYNONYMOUS"})
    assert not fhir.written_variant(base | {"coding_effect": "NONE"})
    assert fhir.written_variant(base | {"coding_effect": "NONE", "reported": True})


def test_mapping_names_only_model_columns_and_the_writer_carries_each_of_them() -> None:
    for m in fhir.MAPPING:
        table, _, column = m.source.partition(".")
        assert column in TABLES_BY_NAME[table].column_names, m.source
    for r in fhir.REQUIRED:
        assert r.source in fhir.CARRIED


def test_a_patient_id_that_is_no_file_name_is_refused(tmp_path: Path) -> None:
    rec = PatientRecord("../HMF1", {"patient": [{"patient_id": "../HMF1", "dataset_id": "d"}]})
    with pytest.raises(ValueError, match="cannot be a file name"):
        fhir.write([rec], tmp_path, ExportReport("fhir"))
    assert not list(tmp_path.parent.glob("HMF1.json"))


def test_the_rows_the_export_reads_are_the_rows_it_writes(exported) -> None:
    """READS narrows the source in SQL (so 30,000 variants a patient are never read into
    Python); it must keep exactly the variants written_variant keeps, and the CNAs written."""
    home, _, _ = exported
    with Store.open(home, read_only=True) as store:
        rel = freeze_relations(store, store.resolve("f1"))
        cur = store.con.execute(f"SELECT *, ({fhir.READS['somatic_variant']}) AS _read FROM ({rel['somatic_variant']})")
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r)) for r in cur.fetchall()]
        cnas = store.con.execute(f"SELECT count(*) FROM ({rel['gene_copy_number']}) WHERE {fhir.READS['gene_copy_number']}").fetchone()[0]
    assert {r["_read"] for r in rows} == {True, False}
    assert all(bool(r["_read"]) == fhir.written_variant(r) for r in rows)
    assert cnas > 0
