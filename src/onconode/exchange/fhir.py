"""FHIR R4 export: one mCODE 4.0.0 patient bundle per patient, `OUT/<patient>.json`.

Why one Bundle (type collection, profile mcode-patient-bundle) per patient and not FHIR
Bulk NDJSON: mCODE defines its patient bundle as the unit of exchange (exactly one
CancerPatient with everything about them), a hospital system or FHIR server loads it as
one POST, and the importer (`onconode ingest fhir`) reads one patient at a time in
bounded memory. Bulk NDJSON is one file per resource type, so a patient's data would be
scattered over files and could not be read (or refused) patient by patient.

The bundle is written entry by entry (a patient can have tens of thousands of Variant
observations), with ids derived from the model keys (uuid5), so exporting the same
freeze twice gives byte-identical files. Codes and profiles: `model/fhir_terms.py`.
What a value cannot become in mCODE / Genomics Reporting is counted in the report.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from operator import itemgetter
from pathlib import Path
from typing import Any, TextIO

from onconode.exchange.fhir_datatypes import Json, cc, coding, day, extension, meta, ref, uid
from onconode.exchange.fhir_genomics import CNA_CALLS, pathology, sample_resources
from onconode.exchange.mapping import Mapping, Required
from onconode.exchange.patients import PatientRecord
from onconode.exchange.report import ExportReport
from onconode.model import fhir_terms as T

Row = dict[str, Any]
PROTEIN_CHANGING = ("MISSENSE", "NONSENSE_OR_FRAMESHIFT", "SPLICE")
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
MALIGNANT_NEOPLASM = ("363346000", "Malignant neoplastic disease (disorder)")
TUMOR_COLUMNS = ("primary_tumor_location", "primary_tumor_sub_location", "primary_tumor_type", "primary_tumor_sub_type",
                 "primary_tumor_doids", "primary_tumor_curated", "haematological_diagnosis", "haematological_diagnosis_code")

_V = "Observation(mcode-genomic-variant).component"
MAPPING: tuple[Mapping, ...] = (
    Mapping("patient.patient_id", "Patient.identifier (and Bundle per patient)", "onconode sid/patient"),
    Mapping("patient.dataset_id", "Patient.meta.tag", "onconode sid/dataset"),
    Mapping("patient.sex", "Patient.gender", "FHIR AdministrativeGender"),
    Mapping("patient.birth_year", "Patient.birthDate (year only)", "ISO 8601"),
    Mapping("patient.death_date", "Patient.deceasedDateTime", "ISO 8601"),
    Mapping("patient.diagnosis_date", "Condition(mcode-primary-cancer-condition).extension[assertedDate]", "ISO 8601"),
    Mapping("sample.primary_tumor_doids", "Condition.code.coding", "DOID", "one coding per DOID; SNOMED 363346000 when none"),
    Mapping("sample.primary_tumor_location", "Condition.bodySite.text; extension[curated-primary-tumor].location", "onconode"),
    Mapping("sample.primary_tumor_sub_location", "Condition.extension[curated-primary-tumor].subLocation", "onconode"),
    Mapping("sample.primary_tumor_type", "Condition.code.text; extension[curated-primary-tumor].type", "onconode"),
    Mapping("sample.primary_tumor_sub_type", "Condition.extension[curated-primary-tumor].subType", "onconode"),
    Mapping("sample.primary_tumor_curated", "Condition.extension[curated-primary-tumor].curated", "onconode"),
    Mapping("sample.haematological_diagnosis_code", "Condition.extension[histologyMorphologyBehavior]", "ICD-O-3"),
    Mapping("sample.haematological_diagnosis", "Condition.extension[histologyMorphologyBehavior].text", "WHO 5th / ICC 2022 name"),
    Mapping("sample.sample_id", "Specimen(mcode-human-specimen).identifier; Condition.evidence.detail", "onconode sid/sample"),
    Mapping("sample.sampling_date", "Specimen.collection.collectedDateTime; effective of its observations", "ISO 8601"),
    Mapping("sample.arrival_date", "Specimen.receivedTime", "ISO 8601"),
    Mapping("sample.tissue_source", "Specimen.type", "HL7 v2-0487 + onconode tissue-source"),
    Mapping("sample.biopsy_site", "Specimen.collection.bodySite.text"),
    Mapping("sample.biopsy_location", "Specimen.extension[biopsy-location]", "onconode"),
    Mapping("sample.pathology_tumor_percentage", "Observation(mcode-tumor-marker-test).valueQuantity", "onconode, UCUM %"),
    Mapping("tumor_profile.ref_genome", "Observation(mcode-genomic-region-studied).component[62374-4]", "LOINC LA14029-5 / LA26806-2"),
    Mapping("tumor_profile.tmb_per_mb", "Observation(GR tmb).valueQuantity", "LOINC 94076-7"),
    Mapping("tumor_profile.tmb_status", "Observation(GR tmb).interpretation", "v3 ObservationInterpretation H/L/IND"),
    Mapping("tumor_profile.msi_status", "Observation(GR msi).valueCodeableConcept", "LOINC 81695-9; LA14122-8 / LA26202-4 / LA4489-6"),
    Mapping("tumor_profile.ms_indels_per_mb", "Observation(GR msi).component[ms-indels-per-mb]", "onconode"),
    Mapping("tumor_profile.purity", "Observation(mcode-tumor-marker-test).valueQuantity", "onconode (no LOINC code)"),
    Mapping("tumor_profile.ploidy", "Observation(mcode-tumor-marker-test).valueQuantity", "onconode (no LOINC code)"),
    Mapping("tumor_profile.hrd_score", "Observation(mcode-tumor-marker-test).valueQuantity", "onconode (no LOINC code)"),
    Mapping("tumor_profile.hr_status", "Observation(hrd).component[hr-status]", "onconode hr-status"),
    Mapping("tumor_profile.hrd_type", "Observation(hrd).component[hrd-type]", "onconode"),
    Mapping("somatic_variant.gene", f"{_V}[gene-studied 48018-6]", "HGNC symbol (display), Ensembl gene",
            "passing variants that are reported or protein-changing only (written_variant)"),
    Mapping("somatic_variant.chromosome", f"{_V}[genomic-ref-seq 48013-7]", "RefSeq NC_ accession"),
    Mapping("somatic_variant.position", f"{_V}[exact-start-end 81254-5].valueRange.low", "1-based (LA30102-0)"),
    Mapping("somatic_variant.ref", f"{_V}[ref-allele 69547-8]; genomic-hgvs 81290-9", "HGVS g."),
    Mapping("somatic_variant.alt", f"{_V}[alt-allele 69551-0]; variation-code 81252-9", "GA4GH VRS 2.0 id"),
    Mapping("somatic_variant.transcript", f"{_V}[transcript-ref-seq 51958-7]", "Ensembl"),
    Mapping("somatic_variant.hgvs_coding", f"{_V}[coding-hgvs 48004-6]", "HGVS c."),
    Mapping("somatic_variant.hgvs_protein", f"{_V}[protein-hgvs 48005-3]", "HGVS p."),
    Mapping("somatic_variant.type", f"{_V}[coding-change-type 48019-4]", "Sequence Ontology"),
    Mapping("somatic_variant.canonical_effect", f"{_V}[molecular-consequence]", "text (SO term names)"),
    Mapping("somatic_variant.vaf", f"{_V}[sample-allelic-frequency 81258-6]", "UCUM 1"),
    Mapping("somatic_variant.allele_read_count", f"{_V}[allelic-read-depth 82121-5]"),
    Mapping("germline_variant.genotype", f"{_V}[allelic-state 53034-5]", "LOINC LA6706-1 / LA6705-3", "genomic source class germline (LA6683-2)"),
    Mapping("gene_copy_number.cna_call", f"{_V}[coding-change-type 48019-4]", "SO:0001742 / SO:0001743", "AMP and HOMDEL genes only"),
    Mapping("gene_copy_number.min_copy_number", f"{_V}[copy-number 82155-3] (HOMDEL)"),
    Mapping("gene_copy_number.max_copy_number", f"{_V}[copy-number 82155-3] (AMP)"),
    Mapping("treatment.treatment_id", "MedicationAdministration.extension[treatment-line].id", "onconode"),
    Mapping("treatment.line", "MedicationAdministration.extension[treatment-line].line", "onconode"),
    Mapping("treatment.regimen", "MedicationAdministration.extension[treatment-line].regimen", "onconode"),
    Mapping("treatment.type", "MedicationAdministration.extension[treatment-line].type", "onconode"),
    Mapping("treatment.mechanism", "MedicationAdministration.extension[treatment-line].mechanism", "onconode"),
    Mapping("treatment.pre_biopsy", "MedicationAdministration.extension[treatment-line].preBiopsy", "onconode"),
    Mapping("treatment.sample_id", "MedicationAdministration.extension[treatment-line].afterSpecimen", "Reference(Specimen)"),
    Mapping("treatment.start_date", "MedicationAdministration.effectivePeriod.start", "ISO 8601"),
    Mapping("treatment.end_date", "MedicationAdministration.effectivePeriod.end; status completed / in-progress", "ISO 8601"),
    Mapping("treatment_drug.drug", "MedicationAdministration.medicationCodeableConcept.text"),
    Mapping("treatment_drug.atc_code", "MedicationAdministration.medicationCodeableConcept.coding", "WHO ATC"),
    Mapping("treatment_drug.type", "MedicationAdministration.extension[drug].type", "onconode"),
    Mapping("treatment_drug.mechanism", "MedicationAdministration.extension[drug].mechanism", "onconode"),
    Mapping("treatment_drug.curated", "MedicationAdministration.extension[drug].curated", "onconode"),
    Mapping("treatment_response.response", "Observation(mcode-cancer-disease-status).valueCodeableConcept",
            "SNOMED CT (ConditionStatusTrendVS), NCIt, onconode response", "CR→full remission, PR→partial remission, SD→stable, PD→worsened; evidenceType imaging"),
    Mapping("treatment_response.response_date", "Observation(mcode-cancer-disease-status).effectiveDateTime", "ISO 8601"),
    Mapping("treatment_response.treatment_id", "Observation(mcode-cancer-disease-status).extension[treatment-line].id", "onconode"),
)
for _col in ("chromosome", "position", "ref", "alt", "gene", "transcript", "hgvs_coding", "hgvs_protein", "type", "canonical_effect"):
    MAPPING += (Mapping(f"germline_variant.{_col}", f"{_V} (as somatic_variant.{_col})"),)
for _col in ("gene", "chromosome", "start", "end"):
    MAPPING += (Mapping(f"gene_copy_number.{_col}", f"{_V}[gene-studied / genomic-ref-seq / exact-start-end]"),)

REQUIRED: tuple[Required, ...] = (
    Required("patients have a gender (US Core Patient.gender 1..1)", "patient.sex"),
    Required("samples have a specimen type (US Core Specimen.type 1..1)", "sample.tissue_source"),
    Required("samples have a primary cancer code (DOID; else the generic SNOMED code)", "sample.primary_tumor_doids"),
    Required("treatment drugs have an ATC code (MedicationAdministration.medication)", "treatment_drug.atc_code"),
    Required("variants have a genomic source and coordinates", "somatic_variant.position"),
    Required("variants have a VAF (sample-allelic-frequency)", "somatic_variant.vaf"),
    Required("sequenced samples have a reference assembly (RegionStudied)", "tumor_profile.ref_genome"),
)
# The rows the writer reads (exchange.run narrows the source to them and counts the rest):
# table -> SQL condition, "" for every row. `written_variant` is the same rule in Python (the
# writer applies it too, to records from anywhere); a test holds the two equal.
READS = {"dataset": "", "patient": "", "sample": "", "tumor_profile": "", "treatment": "", "treatment_drug": "",
         "treatment_response": "", "germline_variant": "", "gene_copy_number": "cna_call IN ('AMP', 'HOMDEL')",
         "somatic_variant": "coalesce(\"filter\", 'PASS') = 'PASS' AND (coalesce(reported, FALSE) "
                            "OR coalesce(coding_effect IN ('MISSENSE', 'NONSENSE_OR_FRAMESHIFT', 'SPLICE'), FALSE))"}
# every column a resource carries, besides those the mapping names (the owners' keys)
CARRIED = {m.source for m in MAPPING} | {f"{t}.sample_id" for t in ("tumor_profile", "somatic_variant", "germline_variant", "gene_copy_number")} | {
    "treatment.patient_id", "treatment_drug.patient_id", "treatment_drug.treatment_id", "treatment_response.patient_id",
    "dataset.dataset_id", "sample.patient_id"}


def _patient(p: Row) -> Json:
    m = meta(T.PROFILE["Patient"]) | {"tag": [coding(T.SID["dataset"], p["dataset_id"])]}
    out: Json = {"resourceType": "Patient", "id": uid("Patient", p["patient_id"]), "meta": m,
                 "identifier": [{"system": T.SID["patient"], "value": p["patient_id"]}],
                 "name": [{"extension": [{"url": T.DATA_ABSENT, "valueCode": "masked"}]}]}
    if p.get("sex"):
        out["gender"] = p["sex"]
    if p.get("birth_year") is not None:
        out["birthDate"] = f"{p['birth_year']:04d}"
    if p.get("death_date") is not None:
        out["deceasedDateTime"] = day(p["death_date"])
    return out


def _tumors(samples: list[Row]) -> dict[tuple, list[str]]:
    """Distinct primary tumours (as the samples describe them) → the samples of each."""
    out: dict[tuple, list[str]] = {}
    for s in samples:
        out.setdefault(tuple(s.get(c) for c in TUMOR_COLUMNS), []).append(s["sample_id"])
    return out


def _condition(pid: str, tumor: tuple, samples: list[str], diagnosis: str | None) -> Json:
    t = dict(zip(TUMOR_COLUMNS, tumor))
    doids = [d.strip() for d in (t["primary_tumor_doids"] or "").split(",") if d.strip()]
    code: Json = {"coding": [coding(T.DOID, f"DOID:{d}") for d in doids] or [coding(T.SNOMED, *MALIGNANT_NEOPLASM)]}
    if t["primary_tumor_type"]:
        code["text"] = " ".join(filter(None, (t["primary_tumor_location"], t["primary_tumor_type"])))
    ext = [extension(T.EXT_TUMOR, location=t["primary_tumor_location"], subLocation=t["primary_tumor_sub_location"],
                     type=t["primary_tumor_type"], subType=t["primary_tumor_sub_type"], curated=t["primary_tumor_curated"])]
    if diagnosis:
        ext.insert(0, {"url": T.ASSERTED_DATE, "valueDateTime": diagnosis})
    if t["haematological_diagnosis_code"] or t["haematological_diagnosis"]:
        histology: Json = {"text": t["haematological_diagnosis"]} if t["haematological_diagnosis"] else {}
        if t["haematological_diagnosis_code"]:
            histology["coding"] = [coding(T.ICDO3, t["haematological_diagnosis_code"])]
        ext.append({"url": T.HISTOLOGY, "valueCodeableConcept": histology})
    out: Json = {"resourceType": "Condition", "id": uid("Condition", pid, *tumor), "meta": meta(T.PROFILE["Condition"]),
                 "extension": [e for e in ext if e.get("extension", True)],
                 "verificationStatus": cc(T.CONDITION_VERIFICATION, ("confirmed", "Confirmed")),
                 "category": [cc(T.CONDITION_CATEGORY, ("problem-list-item", "Problem List Item"))],
                 "code": code, "subject": ref(uid("Patient", pid))}
    if t["primary_tumor_location"]:
        out["bodySite"] = [{"text": t["primary_tumor_location"]}]
    if samples:
        out["evidence"] = [{"detail": [ref(uid("Specimen", s)) for s in samples]}]
    return out


def _specimen(s: Row, pid: str) -> Json:
    out: Json = {"resourceType": "Specimen", "id": uid("Specimen", s["sample_id"]), "meta": meta(T.PROFILE["Specimen"]),
                 "identifier": [{"system": T.SID["sample"], "value": s["sample_id"]}]}
    if s.get("biopsy_location"):
        out["extension"] = [{"url": T.EXT_BIOPSY_LOCATION, "valueString": s["biopsy_location"]}]
    if s.get("tissue_source"):
        out["type"] = {"coding": [coding(T.V2_0487, *T.SPECIMEN_TYPE[s["tissue_source"]]), coding(T.CS_TISSUE, s["tissue_source"])]}
    out["subject"] = ref(uid("Patient", pid))
    if s.get("arrival_date"):
        out["receivedTime"] = day(s["arrival_date"])
    collection: Json = {}
    if s.get("sampling_date"):
        collection["collectedDateTime"] = day(s["sampling_date"])
    if s.get("biopsy_site"):
        collection["bodySite"] = {"text": s["biopsy_site"]}
    if collection:
        out["collection"] = collection
    return out


def _treatment_line(t: Row) -> Json:
    after = {"valueReference": ref(uid("Specimen", t["sample_id"]))} if t.get("sample_id") else None
    return extension(T.EXT_TREATMENT_LINE, id=t["treatment_id"], line=t.get("line"), regimen=t.get("regimen"),
                     type=t.get("type"), mechanism=t.get("mechanism"), preBiopsy=t.get("pre_biopsy"), afterSpecimen=after)


def _administration(t: Row, d: Row, pid: str, conditions: list[str]) -> Json:
    medication: Json = {"text": d["drug"]}
    if d.get("atc_code"):
        medication["coding"] = [coding(T.ATC, d["atc_code"])]
    period = {"start": day(t["start_date"])} | ({"end": day(t["end_date"])} if t.get("end_date") else {})
    out: Json = {"resourceType": "MedicationAdministration", "id": uid("MedicationAdministration", t["treatment_id"], d["drug"]),
                 "meta": meta(T.PROFILE["MedicationAdministration"]),
                 "extension": [_treatment_line(t), extension(T.EXT_DRUG, type=d.get("type"), mechanism=d.get("mechanism"), curated=d.get("curated"))],
                 "status": "completed" if t.get("end_date") else "in-progress",
                 "medicationCodeableConcept": medication, "subject": ref(uid("Patient", pid)), "effectivePeriod": period}
    if conditions:
        out["reasonReference"] = [ref(c) for c in conditions]
    return out


def _status(r: Row, pid: str, conditions: list[str]) -> Json:
    code = r["response"]
    value = {"coding": [coding(T.SNOMED, *T.DISEASE_STATUS[code])]}
    if code in T.RESPONSE_NCIT:
        value["coding"].append(coding(T.NCIT, *T.RESPONSE_NCIT[code]))
    value["coding"].append(coding(T.CS_RESPONSE, code))
    evidence = T.EVIDENCE["clinical" if code == "CLINICAL_PROGRESSION" else "imaging"]
    out: Json = {"resourceType": "Observation", "id": uid("DiseaseStatus", pid, r["treatment_id"], r["response_date"]),
                 "meta": meta(T.PROFILE["disease-status"]),
                 "extension": [{"url": T.EVIDENCE_TYPE, "valueCodeableConcept": cc(T.SNOMED, evidence)},
                               extension(T.EXT_TREATMENT_LINE, id=r["treatment_id"])],
                 "status": "final", "code": cc(T.LOINC, T.DISEASE_STATUS_CODE), "subject": ref(uid("Patient", pid))}
    if conditions:
        out["focus"] = [ref(conditions[0])]
    out |= {"effectiveDateTime": day(r["response_date"]), "valueCodeableConcept": value}
    return out


def resources(rec: PatientRecord, report: ExportReport, variants: list[Row]) -> Iterator[Json]:
    """Every resource of one patient's bundle, Patient first; `variants` are the somatic
    variants to write (`written_variant`)."""
    p = rec.one("patient")
    pid = rec.patient_id
    yield _patient(p)
    samples = rec.rows("sample")
    tumors = {k: v for k, v in _tumors(samples).items() if any(x is not None for x in k)}
    diagnosis = day(p.get("diagnosis_date"))
    if not tumors and diagnosis:
        tumors = {tuple(None for _ in TUMOR_COLUMNS): []}
    conditions = []
    for tumor, sids in tumors.items():
        c = _condition(pid, tumor, sids, diagnosis)
        conditions.append(c["id"])
        yield c
    for s in samples:
        yield _specimen(s, pid)
    drugs: dict[str, list[Row]] = {}
    for d in rec.rows("treatment_drug"):
        drugs.setdefault(d["treatment_id"], []).append(d)
    for t in rec.rows("treatment"):
        if not drugs.get(t["treatment_id"]):
            report.skip("treatment", "a line without drugs has no MedicationAdministration")
        for d in drugs.get(t["treatment_id"], []):
            yield _administration(t, d, pid, conditions)
    for r in rec.rows("treatment_response"):
        yield _status(r, pid, conditions)
    yield from _sample_genomics(rec, pid, variants, report)


def written_variant(v: Row) -> bool:
    """Whether a somatic variant goes into the genomics report: a passing call that is in
    the driver catalogue or changes a protein (missense, nonsense/frameshift, splice).
    A whole genome holds ~30,000 somatic variants per patient; as FHIR Observations that
    is 60-270 MB per patient (measured), and mCODE / GR report clinically relevant
    variants, not genome-wide lists (those are in the VCF / Parquet deliveries)."""
    return v.get("filter") in (None, "PASS") and bool(v.get("reported") or v.get("coding_effect") in PROTEIN_CHANGING)


def _sample_genomics(rec: PatientRecord, pid: str, variants: list[Row], report: ExportReport) -> Iterator[Json]:
    profiles = {t["sample_id"]: t for t in rec.rows("tumor_profile")}
    by_sample: dict[str, dict[str, list[Row]]] = {}
    for table, rows in (("somatic_variant", variants), ("germline_variant", rec.rows("germline_variant")),
                        ("gene_copy_number", rec.rows("gene_copy_number"))):
        for row in rows:
            by_sample.setdefault(row["sample_id"], {}).setdefault(table, []).append(row)
    patient = uid("Patient", pid)
    for s in rec.rows("sample"):
        specimen = uid("Specimen", s["sample_id"])
        o = pathology(s, patient, specimen, day(s.get("sampling_date")))
        if o is not None:
            yield o
        profile = profiles.get(s["sample_id"])
        if profile is None:
            continue
        rows = by_sample.get(s["sample_id"], {})
        yield from sample_resources(s, profile, rows.get("somatic_variant", []), rows.get("germline_variant", []),
                                    rows.get("gene_copy_number", []), patient, specimen, report)


def _not_expressed(rec: PatientRecord, variants: list[Row], report: ExportReport) -> None:
    """Count, per model column, the values no written resource carries (tables no profile
    takes are counted as whole rows), so the report says what the export left behind."""
    for table, rows in rec.tables.items():
        if table in ("somatic_variant", "gene_copy_number"):  # rows not written at all are counted as rows (write_bundle)
            rows = variants if table == "somatic_variant" else [g for g in rows if g.get("cna_call") in CNA_CALLS]
            if not rows:
                continue
        columns = [c for c in rows[0] if f"{table}.{c}" not in CARRIED]
        if len(columns) == len(rows[0]):
            report.skip(table, "no mCODE 4.0.0 / Genomics Reporting 2.0.0 resource is written for this table", len(rows))
            continue
        if not columns:
            continue
        values = zip(*map(itemgetter(*columns), rows)) if len(columns) > 1 else [[r[columns[0]] for r in rows]]
        for c, column in zip(columns, values):  # counted in C (tuple.count): a WGS patient has 30,000 variant rows
            n = len(rows) - column.count(None)
            if n:
                report.skip(f"{table}.{c}", "no element written for it", n)


def write_bundle(fh: TextIO, rec: PatientRecord, report: ExportReport) -> int:
    """Stream one patient's Bundle into `fh`, and count in `report` what it leaves out;
    returns the number of entries."""
    variants = [v for v in rec.rows("somatic_variant") if written_variant(v)]
    left = len(rec.rows("somatic_variant")) - len(variants)
    if left:
        report.skip("somatic_variant", "not written: filtered, or neither reported nor protein-changing (genome-wide lists: VCF / Parquet)", left)
    genes = rec.rows("gene_copy_number")
    if left := sum(1 for g in genes if g.get("cna_call") not in CNA_CALLS):
        report.skip("gene_copy_number", "not written: only amplified (AMP) and homozygously deleted (HOMDEL) genes are Variants", left)
    _not_expressed(rec, variants, report)
    dump = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    head = {"resourceType": "Bundle", "id": uid("Bundle", rec.patient_id), "meta": meta(T.PROFILE["Bundle"]),
            "identifier": {"system": T.SID["patient"], "value": rec.patient_id}, "type": "collection"}
    fh.write(dump(head)[:-1] + ',"entry":[')
    n = 0
    for resource in resources(rec, report, variants):
        fh.write(("," if n else "") + dump({"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}) + "\n")
        n += 1
    fh.write("]}\n")
    return n


def write(patients: Iterable[PatientRecord], out_dir: Path, report: ExportReport) -> None:
    """The FORMATS writer: `out_dir/<patient>.json`, one mCODE patient bundle each."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for rec in patients:
        if not SAFE_NAME.fullmatch(rec.patient_id):
            raise ValueError(f"patient id {rec.patient_id!r} cannot be a file name; export pseudonyms of letters, digits, '.', '_' and '-'")
        name = f"{rec.patient_id}.json"
        with open(out_dir / name, "w", encoding="utf-8") as fh:
            entries = write_bundle(fh, rec, report)
        report.wrote(name, entries)
        report.patients += 1
