"""The 1+MG / GDI minimal metadata model (version 1, Feb 2025), as one CSV file per class:
Subject & Diagnosis, Sample, Sequence, Variant, Treatment and Metadata Submission.

Why CSV: the model is published as one spreadsheet per class and GDI's SHACL shapes are
derived from its submission CSV, so a CSV per class is what a GDI submitter fills in and
what spreadsheet users open; each row is appended as its patient streams past, so the
export holds one patient in memory (JSON would have to be one document per class).

Values are ontology IRIs where the model names an ontology and we hold a code; a
mandatory item we do not have is written as an HL7 NullFlavor IRI (the model allows them
for mandatory items), and every such item is counted in the report. Variants: the
reported (driver catalogue) ones, with a genomic HGVS expression on the RefSeq contig
(mandatory) and the coding and protein HGVS where annotated.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from onconode.exchange.mapping import CLINICAL_AND_REPORTED_VARIANTS, Mapping, Required
from onconode.exchange.patients import PatientRecord, Row
from onconode.exchange.report import ExportReport
from onconode.model.vrs import allele_id, contig, trim

NULL_FLAVOR = "http://terminology.hl7.org/CodeSystem/v3-NullFlavor#"
NI = NULL_FLAVOR + "NI"     # no information
UNK = NULL_FLAVOR + "UNK"   # unknown
NA = NULL_FLAVOR + "NA"     # not applicable
OBO = "http://purl.obolibrary.org/obo/"
GENDER = {"male": "http://hl7.org/fhir/administrative-gender#male", "female": "http://hl7.org/fhir/administrative-gender#female",
          "other": "http://hl7.org/fhir/administrative-gender#other", "unknown": "http://hl7.org/fhir/administrative-gender#unknown"}
HUMAN = OBO + "NCBITaxon_9606"
PRIMARY_TUMOR = OBO + "NCIT_C84509"
METASTASIS = OBO + "NCIT_C3261"
WGS = OBO + "OBI_0002117"
ASSEMBLY = {"GRCh37": "https://identifiers.org/insdc.gca:GCA_000001405.14", "GRCh38": "https://identifiers.org/insdc.gca:GCA_000001405.15"}
SO = {"SNP": OBO + "SO_0001483", "MNP": OBO + "SO_0002007", "INDEL": OBO + "SO_1000032"}
RESPONSE = {"CR": OBO + "NCIT_C4870", "PR": OBO + "NCIT_C18058", "SD": OBO + "NCIT_C18213", "PD": OBO + "NCIT_C35571"}
ATC = "https://www.whocc.no/atc_ddd_index/?code="

# class file -> its items: (column, mandatory). Mandatory ones are never empty: a value or a NullFlavor.
CLASSES: dict[str, tuple[tuple[str, bool], ...]] = {
    "subject_diagnosis.csv": (
        ("subject_id", True), ("birth_date", True), ("administrative_gender", True), ("date_of_last_follow_up", True),
        ("vital_status_death_date", False), ("diagnosis", True), ("date_of_diagnosis", False), ("dataset_id", False)),
    "sample.csv": (
        ("sample_id", True), ("subject_id", True), ("organism", True), ("pathological_state", True),
        ("anatomical_sample_location", True), ("biospecimen_type", True), ("collection_date", False),
        ("tumour_cell_percentage", False)),
    "sequence.csv": (
        ("sample_id", True), ("target", True), ("sequencing_platform", True), ("average_depth", True),
        ("initial_file_format", True), ("final_file_format", True), ("alignment_genome", True),
        ("panel_of_normals_included", False), ("digital_resource_name_version", True)),
    "variant.csv": (
        ("sample_id", True), ("hgvs", True), ("hgvs_coding", False), ("hgvs_protein", False), ("gene", False),
        ("variant_type", False), ("variant_origin", False), ("ga4gh_vrs_id", False)),
    "treatment.csv": (
        ("subject_id", True), ("treatment_id", True), ("treatment_type", True), ("treatment_code", True),
        ("start_date", False), ("end_date", False), ("line", False), ("response_to_treatment", False)),
    "metadata_submission.csv": (
        ("dataset_id", True), ("title", True), ("description", True), ("data_publisher", True), ("contact_point", True),
        ("creator", True), ("keyword", True), ("access_rights", True), ("number_of_records", True)),
}

# The rows this format reads (exchange.run counts the others in the report): the minimal
# dataset lists reported (driver catalogue) variants; it has no class for copy number or SVs.
READS = CLINICAL_AND_REPORTED_VARIANTS

MAPPING = (
    Mapping("patient.patient_id", "Subject: Subject ID"),
    Mapping("patient.birth_year", "Subject: Birth Date (year)", "ISO 8601"),
    Mapping("patient.sex", "Subject: Administrative gender", "HL7 AdministrativeGender"),
    Mapping("patient.last_follow_up_date", "Subject: Date of last follow-up", "ISO 8601", "mandatory for cancer"),
    Mapping("patient.death_date", "Subject: vital status (death date)", "ISO 8601"),
    Mapping("sample.haematological_diagnosis_code", "Diagnosis: Diagnosis", "ICD-O-3 morphology", "haematological samples"),
    Mapping("sample.primary_tumor_doids", "Diagnosis: Diagnosis", "DOID IRI", "DOID is not among the accepted systems (SNOMED CT, ICD, ICD-O, OncoTree): reported"),
    Mapping("patient.diagnosis_date", "Diagnosis: Date of diagnosis", "ISO 8601"),
    Mapping("sample.sample_id", "Sample: sample ID"),
    Mapping("sample.biopsy_site", "Sample: Pathological state; Anatomical sample location (label)", "NCIT IRI", "Primary: NCIT_C84509, else NCIT_C3261"),
    Mapping("sample.sampling_date", "Sample: collection date", "ISO 8601"),
    Mapping("sample.pathology_tumor_percentage", "Sample: tumour cell percentage"),
    Mapping("tumor_profile.targeted", "Sequence: Target", "OBI IRI", "WGS: OBI_0002117"),
    Mapping("tumor_profile.mean_depth", "Sequence: Average depth"),
    Mapping("tumor_profile.ref_genome", "Sequence: Alignment genome; Variant: HGVS reference sequence", "INSDC GCA IRI; RefSeq NC_"),
    Mapping("tumor_profile.pipeline", "Sequence / Digital Resource: name and version"),
    Mapping("somatic_variant.position", "Variant: Variant representation HGVS (g.)", "HGVS", "reported variants only"),
    Mapping("somatic_variant.hgvs_coding", "Variant: HGVS c.", "HGVS"),
    Mapping("somatic_variant.hgvs_protein", "Variant: HGVS p.", "HGVS"),
    Mapping("somatic_variant.type", "Variant: type", "SO IRI"),
    Mapping("somatic_variant.alt", "Variant: ga4gh_vrs_id (extra column)", "GA4GH VRS 2.0", "empty where no identifier can be computed offline"),
    Mapping("treatment.type", "Treatment: Type"),
    Mapping("treatment_drug.atc_code", "Treatment: treatmentCode", "ATC"),
    Mapping("treatment.start_date", "Treatment: start date", "ISO 8601"),
    Mapping("treatment.end_date", "Treatment: end date", "ISO 8601"),
    Mapping("treatment.line", "Treatment: line"),
    Mapping("treatment_response.response", "Treatment: Response to treatment", "NCIT IRI", "last assessment"),
    Mapping("dataset.dataset_id", "Metadata Submission: dct:identifier"),
    Mapping("dataset.title", "Metadata Submission: dct:title"),
    Mapping("dataset.description", "Metadata Submission: dct:description"),
    Mapping("dataset.node", "Metadata Submission: data publisher, creator"),
)
REQUIRED = (
    Required("subjects have a birth date (year)", "patient.birth_year"),
    Required("subjects have an administrative gender", "patient.sex"),
    Required("subjects have a date of last follow-up (mandatory for cancer)", "patient.last_follow_up_date"),
    Required("samples have a diagnosis (DOID)", "sample.primary_tumor_doids"),
    Required("samples have an anatomical sample location", "sample.biopsy_site"),
    Required("sequenced samples have an average depth", "tumor_profile.mean_depth"),
    Required("sequenced samples name their pipeline (digital resource)", "tumor_profile.pipeline"),
    Required("reported variants have a coding HGVS besides the genomic one", "somatic_variant.hgvs_coding", among="reported"),
    Required("treatments have a type", "treatment.type"),
    Required("drugs have an ATC code (treatmentCode)", "treatment_drug.atc_code"),
)


def _date(d: dt.date | None) -> str:
    return "" if d is None else d.isoformat()


def genomic_hgvs(assembly: str | None, chromosome: str, position: int, ref: str, alt: str) -> str | None:
    """`NC_000007.13:g.140453136A>T` (or del / ins / delins) on the RefSeq contig of the
    sample's assembly; None when the contig is unknown. Not 3'-shifted (that needs the
    reference sequence): the position is the VCF's, after trimming shared bases."""
    c = contig(assembly or "", chromosome)
    if c is None:
        return None
    start, end, r, a = trim(position, ref.upper(), alt.upper())
    if len(r) == 1 and len(a) == 1:
        change = f"{start + 1}{r}>{a}"
    elif not a:
        change = f"{start + 1}del" if len(r) == 1 else f"{start + 1}_{end}del"
    elif not r:
        change = f"{start}_{start + 1}ins{a}"
    else:
        change = (f"{start + 1}" if len(r) == 1 else f"{start + 1}_{end}") + f"delins{a}"
    return f"{c.refseq_accession}:g.{change}"


class _Files:
    """The class files, open for the whole export; mandatory items filled or NullFlavored."""

    def __init__(self, out_dir: Path, stack: ExitStack, report: ExportReport) -> None:
        self.report = report
        self.writers: dict[str, csv.DictWriter] = {}
        for name, items in CLASSES.items():
            handle = stack.enter_context(open(out_dir / name, "w", newline="", encoding="utf-8"))  # noqa: SIM115 (closed by the stack)
            w = csv.DictWriter(handle, fieldnames=[c for c, _ in items], lineterminator="\n")
            w.writeheader()
            self.writers[name] = w

    def row(self, name: str, values: dict[str, Any], missing: dict[str, str] | None = None) -> None:
        """Write one row; a mandatory item without a value gets the NullFlavor `missing`
        gives for it (NI by default) and is counted in the report."""
        out = {}
        for column, mandatory in CLASSES[name]:
            v = values.get(column)
            v = "" if v is None else str(v)
            if mandatory and not v:
                v = (missing or {}).get(column, NI)
                self.report.skip(f"{name.removesuffix('.csv')}.{column}", f"mandatory, not in the data: {v.rsplit('#', 1)[1]} NullFlavor")
            out[column] = v
        self.writers[name].writerow(out)
        self.report.wrote(name)


def _diagnosis(s: Row, report: ExportReport) -> str | None:
    if s.get("haematological_diagnosis_code"):
        return f"http://purl.bioontology.org/ontology/ICDO3/{s['haematological_diagnosis_code']}"
    doid = (s.get("primary_tumor_doids") or "").split(",")[0].strip()
    if doid:
        report.skip("sample.primary_tumor_doids", "Diagnosis written as a DOID IRI: the model accepts SNOMED CT, ICD, ICD-O or OncoTree (a mapping is needed)")
        return f"{OBO}DOID_{doid}"
    return None


def _patient(files: _Files, record: PatientRecord, datasets: dict[str, Row], counts: dict[str, int]) -> None:
    report = files.report
    p = record.one("patient") or {}
    pid = record.patient_id
    samples = record.rows("sample")
    first = samples[0] if samples else {}
    files.row("subject_diagnosis.csv", {
        "subject_id": pid, "birth_date": p.get("birth_year"), "administrative_gender": GENDER.get(p.get("sex") or ""),
        "date_of_last_follow_up": _date(p.get("last_follow_up_date") or p.get("death_date")),
        "vital_status_death_date": _date(p.get("death_date")), "diagnosis": _diagnosis(first, report) if first else None,
        "date_of_diagnosis": _date(p.get("diagnosis_date")), "dataset_id": p.get("dataset_id"),
    }, {"birth_date": UNK, "administrative_gender": UNK, "date_of_last_follow_up": UNK})
    for d in record.rows("dataset"):
        datasets.setdefault(d["dataset_id"], d)
        counts[d["dataset_id"]] = counts.get(d["dataset_id"], 0) + 1
    profiles = {t["sample_id"]: t for t in record.rows("tumor_profile")}
    for s in samples:
        site = s.get("biopsy_site")
        files.row("sample.csv", {
            "sample_id": s["sample_id"], "subject_id": pid, "organism": HUMAN,
            "pathological_state": (PRIMARY_TUMOR if site.strip().lower() == "primary" else METASTASIS) if site else None,
            "anatomical_sample_location": site or s.get("biopsy_location"), "collection_date": _date(s.get("sampling_date")),
            "tumour_cell_percentage": s.get("pathology_tumor_percentage"),
        }, {"pathological_state": UNK, "anatomical_sample_location": UNK})
        t = profiles.get(s["sample_id"])
        if t is None:
            continue
        files.row("sequence.csv", {
            "sample_id": s["sample_id"], "target": None if t.get("targeted") else WGS, "average_depth": t.get("mean_depth"),
            "alignment_genome": ASSEMBLY.get(t.get("ref_genome") or ""), "digital_resource_name_version": t.get("pipeline"),
            "panel_of_normals_included": None,
        })
    for v in record.rows("somatic_variant"):
        assembly = (profiles.get(v["sample_id"]) or {}).get("ref_genome")
        files.row("variant.csv", {
            "sample_id": v["sample_id"], "hgvs": genomic_hgvs(assembly, v["chromosome"], int(v["position"]), v["ref"], v["alt"]),
            "hgvs_coding": v.get("hgvs_coding"), "hgvs_protein": v.get("hgvs_protein"), "gene": v.get("gene"),
            "variant_type": SO.get(v.get("type") or ""), "variant_origin": "somatic",
            "ga4gh_vrs_id": allele_id(assembly or "", v["chromosome"], int(v["position"]), v["ref"], v["alt"]).id,
        }, {"hgvs": UNK})
    drugs = record.grouped("treatment_drug", "treatment_id")
    last = {t: max(rs, key=lambda r: r["response_date"]) for t, rs in record.grouped("treatment_response", "treatment_id").items()}
    for t in record.rows("treatment"):
        codes = [f"{ATC}{d['atc_code']}" for d in drugs.get(t["treatment_id"], []) if d.get("atc_code")]
        response = last.get(t["treatment_id"], {}).get("response")
        files.row("treatment.csv", {
            "subject_id": pid, "treatment_id": t["treatment_id"], "treatment_type": t.get("type"),
            "treatment_code": " ".join(codes), "start_date": _date(t.get("start_date")), "end_date": _date(t.get("end_date")),
            "line": t.get("line"), "response_to_treatment": RESPONSE.get(response or "", response or ""),
        })


def write(patients: Iterable[PatientRecord], out_dir: Path, report: ExportReport) -> None:
    """The class CSVs, one row per subject, sample, sequence, reported variant and
    treatment, streamed patient by patient; metadata_submission.csv last (its record
    counts are known only then)."""
    datasets: dict[str, Row] = {}
    counts: dict[str, int] = {}
    with ExitStack() as stack:
        files = _Files(out_dir, stack, report)
        for record in patients:
            _patient(files, record, datasets, counts)
            report.patients += 1
        for dataset_id, d in sorted(datasets.items()):
            files.row("metadata_submission.csv", {
                "dataset_id": dataset_id, "title": d.get("title"), "description": d.get("description"),
                "data_publisher": d.get("node"), "creator": d.get("node"), "keyword": "cancer; whole genome sequencing",
                "access_rights": "http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC",
                "number_of_records": counts[dataset_id],
            })
