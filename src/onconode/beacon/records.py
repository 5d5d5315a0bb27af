"""Store rows as Beacon v2 default-model records (individual, biosample, genomicVariation,
analysis, run, dataset, cohort), with only the fields the schemas define."""

from __future__ import annotations

from typing import Any

from onconode.analysis import doid
from onconode.beacon import structural
from onconode.beacon.search import ASSEMBLY, REFSEQ, variant_id
from onconode.model import vrs

SEX_CODES = {"female": ("NCIT:C16576", "female"), "male": ("NCIT:C20197", "male"),
             "other": ("NCIT:C17649", "other"), "unknown": ("NCIT:C17998", "unknown")}
TUMOUR_SAMPLE = {"id": "EFO:0009656", "label": "neoplastic sample"}
ORIGIN = {"tissue": ("UBERON:0000479", "tissue"), "blood": ("UBERON:0000178", "blood"),
          "bone_marrow": ("UBERON:0002371", "bone marrow"), "lymph_node": ("UBERON:0000029", "lymph node")}
PIPELINE = "hmftools (oncoanalyser)"
VRS_SPEC = "https://vrs.ga4gh.org/en/2.0/conventions/computed_identifiers.html"


def individual(row: dict[str, Any]) -> dict[str, Any]:
    cid, label = SEX_CODES.get(str(row.get("sex")), SEX_CODES["unknown"])
    return {"id": row["id"], "sex": {"id": cid, "label": label}}


def _diagnosis(doids: str | None) -> dict[str, str] | None:
    first = (doids or "").split(",")[0].strip()
    if not first:
        return None
    return {"id": f"DOID:{first}", "label": doid.name(first) or f"DOID:{first}"}


def biosample(row: dict[str, Any]) -> dict[str, Any]:
    cid, label = ORIGIN.get(str(row.get("tissue_source")), ("OBI:0001479", "specimen from organism"))
    out: dict[str, Any] = {"id": row["id"], "individualId": row["patient_id"], "biosampleStatus": TUMOUR_SAMPLE,
                           "sampleOriginType": {"id": cid, "label": label}}
    if row.get("sampling_date"):
        out["collectionDate"] = row["sampling_date"].isoformat()
    diagnosis = _diagnosis(row.get("primary_tumor_doids"))
    if diagnosis:
        out["histologicalDiagnosis"] = diagnosis
    return out


def analysis(row: dict[str, Any]) -> dict[str, Any]:
    """One analysis (the somatic pipeline run) per sample in this store."""
    day = row.get("arrival_date") or row.get("sampling_date")
    return {"id": f"{row['id']}-analysis", "runId": f"{row['id']}-run", "biosampleId": row["id"],
            "individualId": row["patient_id"], "analysisDate": day.isoformat() if day else "1970-01-01",
            "pipelineName": PIPELINE}


def run(row: dict[str, Any]) -> dict[str, Any]:
    """One whole-genome sequencing run per sample."""
    day = row.get("arrival_date") or row.get("sampling_date")
    return {"id": f"{row['id']}-run", "biosampleId": row["id"], "individualId": row["patient_id"],
            "runDate": day.isoformat() if day else "1970-01-01",
            "librarySource": {"id": "GENEPIO:0001966", "label": "genomic source"},
            "platform": "Illumina"}


def vrs_reference(chromosome: str, position: int, ref: str, alt: str) -> dict[str, str]:
    """The variant's GA4GH VRS 2.0 Allele identifier as a Beacon `externalReference`, so
    another node (or a network merging answers) can tell it holds the same variant; when
    there is none, the entry says why instead (`notes`), never a guessed id."""
    got = vrs.allele_id(ASSEMBLY, chromosome, position, ref, alt)
    if got.id is None:
        return {"notes": f"GA4GH VRS 2.0: {got.reason}", "reference": VRS_SPEC}
    return {"id": got.id, "notes": "GA4GH VRS 2.0 computed identifier (Allele)", "reference": VRS_SPEC}


def sequence_location(chromosome: str, start: int, end: int) -> dict[str, Any]:
    """A VRS 1.3 SequenceLocation of [start, end) (0-based interbase) on a GRCh37 chromosome."""
    return {"type": "SequenceLocation", "sequence_id": f"refseq:{REFSEQ[chromosome]}",
            "interval": {"type": "SequenceInterval", "start": {"type": "Number", "value": start},
                         "end": {"type": "Number", "value": end}}}


def genomic_variation(row: dict[str, Any]) -> dict[str, Any]:
    if row.get("variant_class"):
        return structural.record(row, sequence_location)
    start = int(row["position"]) - 1
    ref, alt = row["ref"], row["alt"]
    kind = "SNP" if len(ref) == len(alt) == 1 else ("MNP" if len(ref) == len(alt) else "INDEL")
    return {
        "variantInternalId": variant_id(row["chromosome"], int(row["position"]), ref, alt),
        "identifiers": {"variantAlternativeIds": [vrs_reference(row["chromosome"], int(row["position"]), ref, alt)]},
        "variation": {
            "referenceBases": ref, "alternateBases": alt, "variantType": kind,
            "location": sequence_location(row["chromosome"], start, start + len(ref)),
        },
    }


def dataset(row: dict[str, Any], counts: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": row["dataset_id"], "name": row["title"], "description": row.get("description") or ""}
    duo = [c.strip() for c in (row.get("consent_duo") or "").split(",") if c.strip()]
    if duo:
        out["dataUseConditions"] = {"duoDataUse": [{"id": c, "label": c, "version": "2021-02-23"} for c in duo]}
    if counts:
        out["info"] = counts
    return out


def cohort(row: dict[str, Any], counts: dict[str, Any] | None = None) -> dict[str, Any]:
    """Each dataset is also a study-defined cohort (its patients)."""
    out: dict[str, Any] = {"id": row["dataset_id"], "name": row["title"], "cohortType": "study-defined"}
    if counts:
        out["info"] = counts
    return out


BUILDERS = {"individuals": individual, "biosamples": biosample, "analyses": analysis, "runs": run,
            "g_variants": genomic_variation}
