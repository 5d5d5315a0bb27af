"""GA4GH Phenopackets v2, one JSON file per patient: the subject, the primary tumour as a
disease, each tumour sample as a biosample (tumour progression, sampled tissue,
histological diagnosis, measurements of purity, ploidy, TMB, MSI and HRD), the reported
variants as genomic interpretations with VRSATILE variation descriptors, and each
treatment line as a medical action with its agents and last response.

Why reported variants only: a phenopacket is an interpretation of a case, not a variant
file; a WGS sample holds ~20,000 variants, which belong in the release's VCF. The count
left out is in the report. VRS 2.0 identifiers go in the descriptor's `xrefs`: the
descriptor's `variation` field is VRS 1.x, whose digests differ (reference (d)).

`ingest phenopackets` reads these files back (tests/exchange: the round trip); the
columns it cannot get back are listed in docs/exchange.md.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from phenopackets.schema.v2 import Phenopacket

from onconode.exchange.mapping import CLINICAL_AND_REPORTED_VARIANTS, Mapping, Required
from onconode.exchange.patients import PatientRecord, Row
from onconode.exchange.report import ExportReport
from onconode.ingest.curation import TumorCuration, default_tumor_table
from onconode.model import MODEL_VERSION
from onconode.model.codes import RESPONSE_ALIASES
from onconode.model.vrs import allele_id

SCHEMA_VERSION = "2.0"
SEX = {"male": "MALE", "female": "FEMALE", "other": "OTHER_SEX", "unknown": "UNKNOWN_SEX"}
PRIMARY = {"id": "NCIT:C84509", "label": "Primary Malignant Neoplasm"}
METASTATIC = {"id": "NCIT:C3261", "label": "Metastatic Neoplasm"}
TUMOUR_MATERIAL = {"id": "EFO:0009655", "label": "abnormal sample"}
RESPONSE = {"CR": ("NCIT:C4870", "Complete Remission"), "PR": ("NCIT:C18058", "Partial Remission"),
            "SD": ("NCIT:C18213", "Stable Disease"), "PD": ("NCIT:C35571", "Progressive Disease")}
# Other RECIST / eCRF categories have no NCIT term here: their label (which the importer reads back).
RESPONSE_LABEL = {v: k for k, v in RESPONSE_ALIASES.items() if not k.isdigit()}
STRUCTURAL_TYPE = {"SNP": ("SO:0001483", "SNV"), "MNP": ("SO:0002007", "MNV"), "INDEL": ("SO:1000032", "delins")}
# Measurements: LOINC where a code exists for the quantity; the node's own namespace where none was verified.
MEASURES = (
    ("purity", {"id": "onconode:purity", "label": "tumour purity (PURPLE)"}, {"id": "UO:0000191", "label": "fraction"}),
    ("ploidy", {"id": "onconode:ploidy", "label": "tumour ploidy (PURPLE)"}, {"id": "UO:0000189", "label": "count unit"}),
    ("tmb_per_mb", {"id": "LOINC:94076-7", "label": "Mutations/Megabase [# Ratio] in Tumor"}, {"id": "onconode:per_Mb", "label": "mutations per megabase"}),
    ("ms_indels_per_mb", {"id": "onconode:ms_indels_per_mb", "label": "microsatellite indels per megabase (PURPLE)"}, {"id": "onconode:per_Mb", "label": "indels per megabase"}),
    ("hrd_score", {"id": "onconode:chord_hrd", "label": "homologous recombination deficiency probability (CHORD)"}, {"id": "UO:0000191", "label": "fraction"}),
)
STATUSES = (
    ("msi_status", {"id": "LOINC:81695-9", "label": "Microsatellite instability [Interpretation] in Cancer specimen Qualitative"}),
    ("hr_status", {"id": "onconode:chord_hr_status", "label": "homologous recombination status (CHORD)"}),
)
RESOURCES = (
    ("ncit", "NCI Thesaurus", "NCIT", "http://purl.obolibrary.org/obo/ncit.owl", "http://purl.obolibrary.org/obo/NCIT_"),
    ("doid", "Human Disease Ontology", "DOID", "http://purl.obolibrary.org/obo/doid.owl", "http://purl.obolibrary.org/obo/DOID_"),
    ("efo", "Experimental Factor Ontology", "EFO", "http://www.ebi.ac.uk/efo/efo.owl", "http://www.ebi.ac.uk/efo/EFO_"),
    ("so", "Sequence Ontology", "SO", "http://purl.obolibrary.org/obo/so.owl", "http://purl.obolibrary.org/obo/SO_"),
    ("uo", "Units of measurement ontology", "UO", "http://purl.obolibrary.org/obo/uo.owl", "http://purl.obolibrary.org/obo/UO_"),
    ("loinc", "LOINC", "LOINC", "https://loinc.org", "https://loinc.org/"),
    ("atc", "Anatomical Therapeutic Chemical Classification", "ATC", "https://www.whocc.no/atc_ddd_index/", "https://www.whocc.no/atc_ddd_index/?code="),
)

# The rows this format reads (exchange.run counts the others in the report): reported variants
# only, and no copy number, structural variants or fusions (only small variants are interpreted).
READS = CLINICAL_AND_REPORTED_VARIANTS

MAPPING = (
    Mapping("patient.patient_id", "subject.id, Phenopacket.id"),
    Mapping("patient.sex", "subject.sex", "Phenopackets Sex enum"),
    Mapping("patient.birth_year", "subject.dateOfBirth (1 January of the year)", "ISO 8601", "only the year is meaningful"),
    Mapping("patient.death_date", "subject.vitalStatus (DECEASED).timeOfDeath", "ISO 8601"),
    Mapping("patient.last_follow_up_date", "subject.timeAtLastEncounter", "ISO 8601"),
    Mapping("patient.diagnosis_date", "diseases[0].onset", "ISO 8601"),
    Mapping("sample.primary_tumor_doids", "diseases[0].term.id, biosamples[].histologicalDiagnosis.id", "DOID", "first DOID"),
    Mapping("sample.primary_tumor_location", "diseases[0].term.label (a curation search term)", "", "read back through the tumour curation"),
    Mapping("sample.sample_id", "biosamples[].id"),
    Mapping("sample.sampling_date", "biosamples[].timeOfCollection", "ISO 8601"),
    Mapping("sample.biopsy_site", "biosamples[].sampledTissue.label; tumorProgression", "NCIT", "Primary: NCIT:C84509, other sites: NCIT:C3261"),
    Mapping("sample.biopsy_location", "biosamples[].procedure.bodySite.label"),
    Mapping("sample.pathology_tumor_percentage", "biosamples[].measurements[] (pathology tumour %)", "onconode"),
    Mapping("tumor_profile.purity", "biosamples[].measurements[]", "onconode, UO"),
    Mapping("tumor_profile.ploidy", "biosamples[].measurements[]", "onconode"),
    Mapping("tumor_profile.tmb_per_mb", "biosamples[].measurements[]", "LOINC 94076-7"),
    Mapping("tumor_profile.ms_indels_per_mb", "biosamples[].measurements[]", "onconode"),
    Mapping("tumor_profile.msi_status", "biosamples[].measurements[].value.ontologyClass", "LOINC 81695-9"),
    Mapping("tumor_profile.hrd_score", "biosamples[].measurements[]", "onconode (CHORD)"),
    Mapping("tumor_profile.hr_status", "biosamples[].measurements[].value.ontologyClass", "onconode (CHORD)"),
    Mapping("tumor_profile.ref_genome", "variationDescriptor.vcfRecord.genomeAssembly"),
    Mapping("somatic_variant.chromosome", "variationDescriptor.vcfRecord.chrom", "", "reported variants only"),
    Mapping("somatic_variant.position", "variationDescriptor.vcfRecord.pos"),
    Mapping("somatic_variant.ref", "variationDescriptor.vcfRecord.ref"),
    Mapping("somatic_variant.alt", "variationDescriptor.vcfRecord.alt; xrefs (ga4gh:VA.…)", "GA4GH VRS 2.0"),
    Mapping("somatic_variant.filter", "variationDescriptor.vcfRecord.filter"),
    Mapping("somatic_variant.gene", "variationDescriptor.geneContext.symbol", "HGNC symbol"),
    Mapping("somatic_variant.hgvs_coding", "variationDescriptor.expressions[] (hgvs.c)", "HGVS"),
    Mapping("somatic_variant.hgvs_protein", "variationDescriptor.expressions[] (hgvs.p)", "HGVS"),
    Mapping("somatic_variant.type", "variationDescriptor.structuralType", "SO"),
    Mapping("somatic_variant.vaf", "variationDescriptor.extensions[vaf]"),
    Mapping("treatment.regimen", "medicalActions[].therapeuticRegimen.externalReference.description", "", "multi-drug lines"),
    Mapping("treatment.start_date", "medicalActions[].treatment.doseIntervals[].interval.start / therapeuticRegimen.startTime", "ISO 8601"),
    Mapping("treatment.end_date", "medicalActions[].treatment.doseIntervals[].interval.end / therapeuticRegimen.endTime", "ISO 8601"),
    Mapping("treatment_drug.drug", "medicalActions[].treatment.agent.label"),
    Mapping("treatment_drug.atc_code", "medicalActions[].treatment.agent.id", "ATC"),
    Mapping("treatment_response.response", "medicalActions[].responseToTreatment", "NCIT", "the last assessment of the line"),
)
REQUIRED = (
    Required("subjects have a sex", "patient.sex"),
    Required("subjects have a year of birth", "patient.birth_year"),
    Required("biosamples have a collection date", "sample.sampling_date"),
    Required("biosamples have a histological diagnosis (DOID)", "sample.primary_tumor_doids"),
    Required("tumour profiles have a purity measurement", "tumor_profile.purity"),
    Required("reported variants have an HGVS expression", "somatic_variant.hgvs_coding", among="reported"),
    Required("treatments have an end date (for the response's time)", "treatment.end_date"),
)


def _ts(d: dt.date | None) -> str | None:
    return None if d is None else f"{d.isoformat()}T00:00:00Z"


@cache
def _tumour_terms() -> dict[TumorCuration, str]:
    """Curated tumour → a search term of the curation table, so the importer maps the
    disease label back to the same location, type and DOIDs."""
    table = default_tumor_table()
    terms: dict[TumorCuration, str] = {}
    for term in table.terms():
        terms.setdefault(table.lookup(term), term)
    return terms


def _disease_term(s: Row) -> dict[str, str]:
    doids = (s.get("primary_tumor_doids") or "").split(",")
    key = TumorCuration(s.get("primary_tumor_location"), s.get("primary_tumor_sub_location"), s.get("primary_tumor_type"),
                        s.get("primary_tumor_sub_type"), tuple(d.strip() for d in doids if d.strip()))
    label = _tumour_terms().get(key) if s.get("primary_tumor_curated") else None
    label = label or " ".join(filter(None, (s.get("primary_tumor_location"), s.get("primary_tumor_type")))) or "cancer"
    return {"id": f"DOID:{doids[0].strip()}" if doids[0].strip() else "", "label": label}


def _measurements(sample: Row, profile: Row | None, report: ExportReport) -> list[dict[str, Any]]:
    out = []
    when = {"timeObserved": {"timestamp": _ts(sample.get("sampling_date"))}} if sample.get("sampling_date") else {}
    if sample.get("pathology_tumor_percentage") is not None:
        out.append({"assay": {"id": "onconode:pathology_tumor_percentage", "label": "tumour cell percentage (pathology)"},
                    "value": {"quantity": {"unit": {"id": "UO:0000187", "label": "percent"},
                                           "value": float(sample["pathology_tumor_percentage"])}}, **when})
    if profile is None:
        return out
    for column, assay, unit in MEASURES:
        if profile.get(column) is not None:
            out.append({"assay": assay, "value": {"quantity": {"unit": unit, "value": float(profile[column])}}, **when})
    for column, assay in STATUSES:
        if profile.get(column):
            out.append({"assay": assay, "value": {"ontologyClass": {"id": f"onconode:{profile[column]}", "label": profile[column]}}, **when})
    for column in ("tmb_status", "tml", "tml_status", "whole_genome_duplication", "sv_tmb", "hrd_type"):
        if profile.get(column) is not None:
            report.skip(f"tumor_profile.{column}", "no Phenopackets measurement defined for it")
    return out


def _biosample(pid: str, s: Row, profile: Row | None, report: ExportReport) -> dict[str, Any]:
    b: dict[str, Any] = {"id": s["sample_id"], "individualId": pid, "materialSample": TUMOUR_MATERIAL}
    site = s.get("biopsy_site")
    if site:
        b["sampledTissue"] = {"id": "", "label": site}
        b["tumorProgression"] = PRIMARY if site.strip().lower() == "primary" else METASTATIC
        report.skip("sample.biopsy_site", "sampledTissue has only a label: no UBERON code in the model")
    if s.get("primary_tumor_doids") or s.get("primary_tumor_location"):
        b["histologicalDiagnosis"] = _disease_term(s)
    if s.get("sampling_date"):
        b["timeOfCollection"] = {"timestamp": _ts(s["sampling_date"])}
    if s.get("biopsy_location"):
        b["procedure"] = {"code": {"id": "NCIT:C15189", "label": "Biopsy"}, "bodySite": {"id": "", "label": s["biopsy_location"]}}
    measurements = _measurements(s, profile, report)
    if measurements:
        b["measurements"] = measurements
    return b


def _descriptor(v: Row, assembly: str | None, report: ExportReport) -> dict[str, Any]:
    vid = f"{v['sample_id']}:{v['chromosome']}:{v['position']}:{v['ref']}:{v['alt']}"
    d: dict[str, Any] = {"id": vid, "moleculeContext": "genomic",
                         "vcfRecord": {"genomeAssembly": assembly or "", "chrom": v["chromosome"], "pos": str(v["position"]),
                                       "ref": v["ref"], "alt": v["alt"], "filter": v.get("filter") or ""}}
    if v.get("gene"):
        d["geneContext"] = {"valueId": "", "symbol": v["gene"]}
        d["label"] = " ".join(filter(None, (v["gene"], v.get("hgvs_protein") or v.get("hgvs_coding"))))
    prefix = f"{v['transcript']}:" if v.get("transcript") else ""
    expressions = [{"syntax": syntax, "value": prefix + v[col]} for col, syntax in (("hgvs_coding", "hgvs.c"), ("hgvs_protein", "hgvs.p")) if v.get(col)]
    if expressions:
        d["expressions"] = expressions
    else:
        report.skip("somatic_variant.hgvs_coding", "no HGVS expression (the variant has no coding annotation)")
    if v.get("type") in STRUCTURAL_TYPE:
        code, label = STRUCTURAL_TYPE[v["type"]]
        d["structuralType"] = {"id": code, "label": label}
    outcome = allele_id(assembly or "", v["chromosome"], int(v["position"]), v["ref"], v["alt"])
    if outcome.id:
        d["xrefs"] = [outcome.id]
    else:
        report.skip("somatic_variant VRS 2.0 id", outcome.reason or "none")
    extensions = [{"name": c, "value": str(v[c])} for c in ("vaf", "adjusted_vaf", "copy_number", "variant_copy_number", "biallelic", "hotspot")
                  if v.get(c) is not None]
    if extensions:
        d["extensions"] = extensions
    return d


def _interpretation(pid: str, samples: list[Row], record: PatientRecord, disease: dict[str, str] | None,
                    report: ExportReport) -> dict[str, Any] | None:
    assembly = {p["sample_id"]: p.get("ref_genome") for p in record.rows("tumor_profile")}
    sample_ids = {s["sample_id"] for s in samples}
    found = [{"subjectOrBiosampleId": v["sample_id"], "interpretationStatus": "CONTRIBUTORY",
              "variantInterpretation": {"variationDescriptor": _descriptor(v, assembly.get(v["sample_id"]), report)}}
             for v in record.rows("somatic_variant") if v["sample_id"] in sample_ids]
    if not found:
        return None
    diagnosis: dict[str, Any] = {"genomicInterpretations": found}
    if disease:
        diagnosis["disease"] = disease
    return {"id": f"{pid}-somatic", "progressStatus": "COMPLETED", "diagnosis": diagnosis}


def _action(t: Row, drugs: list[Row], responses: list[Row], report: ExportReport) -> dict[str, Any]:
    start, end = t.get("start_date"), t.get("end_date")
    if len(drugs) == 1:
        d = drugs[0]
        interval = {"start": _ts(start)} | ({"end": _ts(end)} if end else {})
        if not end:
            report.skip("treatment.end_date", "ongoing treatment: a Phenopackets interval needs an end; the dose interval has only a start")
        action: dict[str, Any] = {"treatment": {"agent": {"id": f"ATC:{d['atc_code']}" if d.get("atc_code") else "", "label": d["drug"]},
                                                "doseIntervals": [{"interval": interval}]}}
        if not d.get("atc_code"):
            report.skip("treatment_drug.atc_code", "the drug has no ATC code; agent carries its name only")
    else:
        regimen = t.get("regimen") or "/".join(d["drug"] for d in drugs)
        action = {"therapeuticRegimen": {"externalReference": {"id": t["treatment_id"], "description": regimen},
                                         "startTime": {"timestamp": _ts(start)}, "regimenStatus": "COMPLETED" if end else "STARTED"}}
        if end:
            action["therapeuticRegimen"]["endTime"] = {"timestamp": _ts(end)}
        if len(drugs) > 1:
            report.skip("treatment_drug.atc_code", "a multi-drug regimen has no agent list in Phenopackets: drug names only", len(drugs))
    if t.get("line") is not None:
        report.skip("treatment.line", "MedicalAction has no line of therapy")
    if responses:
        last = max(responses, key=lambda r: r["response_date"])
        code, label = RESPONSE.get(last["response"], ("", RESPONSE_LABEL.get(last["response"], last["response"])))
        action["responseToTreatment"] = {"id": code, "label": label}
        if len(responses) > 1:
            report.skip("treatment_response", "a medical action holds one response: the last assessment is written", len(responses) - 1)
        if last["response_date"] != end:
            report.skip("treatment_response.response_date", "responseToTreatment has no date (a reader dates it by the treatment's end)")
    return action


def phenopacket(record: PatientRecord, created: str, report: ExportReport) -> dict[str, Any]:
    """One patient's Phenopacket v2 as JSON-ready data (camelCase, as json_format writes it)."""
    pid = record.patient_id
    p = record.one("patient") or {}
    subject: dict[str, Any] = {"id": pid}
    if p.get("sex"):
        subject["sex"] = SEX[p["sex"]]
    if p.get("birth_year"):
        subject["dateOfBirth"] = f"{int(p['birth_year']):04d}-01-01T00:00:00Z"
    if p.get("death_date"):
        subject["vitalStatus"] = {"status": "DECEASED", "timeOfDeath": {"timestamp": _ts(p["death_date"])}}
    elif p.get("last_follow_up_date"):
        subject["vitalStatus"] = {"status": "ALIVE"}
    if p.get("last_follow_up_date"):
        subject["timeAtLastEncounter"] = {"timestamp": _ts(p["last_follow_up_date"])}
    for column in ("hospital_code", "registration_date", "informed_consent_date"):
        if p.get(column) is not None:
            report.skip(f"patient.{column}", "no Phenopackets element (kept at the node)")
    samples = record.rows("sample")
    profiles = {t["sample_id"]: t for t in record.rows("tumor_profile")}
    packet: dict[str, Any] = {"id": pid, "subject": subject}
    disease = _disease_term(samples[0]) if samples and (samples[0].get("primary_tumor_doids") or samples[0].get("primary_tumor_location")) else None
    if disease:
        packet["diseases"] = [{"term": disease} | ({"onset": {"timestamp": _ts(p["diagnosis_date"])}} if p.get("diagnosis_date") else {})]
    if samples:
        packet["biosamples"] = [_biosample(pid, s, profiles.get(s["sample_id"]), report) for s in samples]
    interpretation = _interpretation(pid, samples, record, disease, report)
    if interpretation:
        packet["interpretations"] = [interpretation]
    drugs = record.grouped("treatment_drug", "treatment_id")
    responses = record.grouped("treatment_response", "treatment_id")
    actions = [_action(t, drugs.get(t["treatment_id"], []), responses.get(t["treatment_id"], []), report)
               for t in sorted(record.rows("treatment"), key=lambda t: (t["start_date"], t["treatment_id"]))]
    if actions:
        packet["medicalActions"] = actions
    packet["metaData"] = {
        "created": created, "createdBy": f"onconode (model {MODEL_VERSION})", "phenopacketSchemaVersion": SCHEMA_VERSION,
        "resources": [{"id": i, "name": n, "namespacePrefix": ns, "url": u, "iriPrefix": iri, "version": ""} for i, n, ns, u, iri in RESOURCES],
    }
    return packet


def write(patients: Iterable[PatientRecord], out_dir: Path, report: ExportReport) -> None:
    """One `<patient>.json` per patient; each is parsed by the official schema before it is
    written, so a file that would not load is never delivered."""
    when = report.as_of or dt.datetime.now(dt.UTC)
    when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    created = when.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    for record in patients:
        packet = phenopacket(record, created, report)
        json_format.ParseDict(packet, Phenopacket())
        name = f"{record.patient_id}.json"
        (out_dir / name).write_text(json.dumps(packet, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        report.wrote("*.json")
        report.patients += 1
