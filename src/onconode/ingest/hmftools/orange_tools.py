"""The CUPPA, LILAC, Virus Interpreter, SIGS and PEACH sections of an ORANGE record, for
samples whose folder lacks those tools' own files (ORANGE 5.0 emits a report, so a
sample delivered as ORANGE alone still gets its tissue of origin, HLA type, viruses and
signatures). Field names as orange-datamodel's OrangeRecord (Gson) writes them.

ORANGE's CUPPA predictions hold, per cancer type, the overall likelihood and each
feature classifier's probability: `likelihood` is `combined` in WGTS mode and
`dna_combined` in WGS mode; the classifier fields map onto CUPPA v2's classifier names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from onconode.ingest.hmftools import lilac, virus
from onconode.ingest.hmftools.fields import FieldReader
from onconode.ingest.hmftools.orange import OrangeRecord, objects, take
from onconode.ingest.problems import Problems
from onconode.model.tables import CUPPA_PREDICTION, HLA_ALLELE, PHARMACOGENOMIC_HAPLOTYPE, SIGNATURE_ALLOCATION, VIRUS

Row = dict[str, Any]
CUPPA_FIELDS = {"snvPairwiseClassifier": "snv96", "genomicPositionClassifier": "gen_pos", "featureClassifier": "event",
                "altSjCohortClassifier": "alt_sj", "expressionPairwiseClassifier": "gene_exp"}
GROUPS = {"combined": "combined", "dna_combined": "dna", "snv96": "dna", "gen_pos": "dna", "event": "dna",
          "alt_sj": "rna", "gene_exp": "rna"}


def _section(reader: FieldReader, data: dict, key: str, inner: str | None = None) -> list[dict]:
    part = data.get(key)
    if inner is not None:
        part = part.get(inner) if isinstance(part, dict) else None
    return objects(reader, part, f"{key}.{inner}" if inner else key)


def _complete(reader: FieldReader, rows: list[Row], where: str) -> list[Row]:
    """The rows that have every required column of the reader's table; the others are problems."""
    needed = [c.name for c in reader.table.columns if c.required and c.name != "sample_id"]
    out = []
    for i, row in enumerate(rows):
        missing = [c for c in needed if row.get(c) is None]
        if missing:
            reader.error(None, f"{where}[{i}]", f"no {', '.join(missing)}", "is this an ORANGE record written by ORANGE itself?")
        else:
            out.append(row)
    return out


def _cuppa(path: Path, problems: Problems, cuppa: Any) -> list[Row]:
    if not isinstance(cuppa, dict):
        return []
    reader = FieldReader(path, problems, CUPPA_PREDICTION)
    overall = "combined" if str(cuppa.get("mode", "")).upper() == "WGTS" else "dna_combined"
    by_classifier: dict[str, list[tuple[float, str]]] = {}
    for i, p in enumerate(objects(reader, cuppa.get("predictions"), "cuppa.predictions")):
        cancer = reader.value(p.get("cancerType"), None, f"cuppa.predictions[{i}].cancerType", "cancer_type")
        if not cancer:
            reader.error(None, f"cuppa.predictions[{i}].cancerType", "a prediction without a cancer type", "is this an ORANGE record?")
            continue
        for key, classifier in (("likelihood", overall), *CUPPA_FIELDS.items()):
            value = reader.value(p.get(key), None, f"cuppa.predictions[{i}].{key}", "probability")
            if value is not None:
                by_classifier.setdefault(classifier, []).append((value, cancer))
    rows = []
    for classifier, values in by_classifier.items():
        for rank, (prob, cancer) in enumerate(sorted(values, key=lambda v: (-v[0], v[1])), start=1):
            rows.append({"classifier": classifier, "classifier_group": GROUPS[classifier], "cancer_type": cancer,
                         "probability": prob, "rank": rank})
    return rows


def _lilac(path: Path, problems: Problems, data: dict) -> list[Row]:
    reader = FieldReader(path, problems, HLA_ALLELE)
    alleles = [(None, f"lilac.alleles[{i}].allele", take(reader, a, f"lilac.alleles[{i}]", {
        "allele": "allele", "geneClass": "gene_group", "tumorCopyNumber": "tumor_copy_number", "refFragments": "ref_total",
        "tumorFragments": "tumor_total", "rnaFragments": "rna_total", "somaticMissense": "somatic_missense",
        "somaticNonsenseOrFrameshift": "somatic_nonsense_or_frameshift", "somaticSplice": "somatic_splice",
        "somaticSynonymous": "somatic_synonymous", "somaticInframeIndel": "somatic_inframe_indel"}))
        for i, a in enumerate(_section(reader, data, "lilac", "alleles"))]
    return lilac.numbered(reader, alleles)


def _viruses(path: Path, problems: Problems, data: dict) -> list[Row]:
    reader = FieldReader(path, problems, VIRUS)
    rows = [virus.with_integration(take(reader, v, f"virusInterpreter.allViruses[{i}]", {
        "taxid": "taxid", "name": "name", "qcStatus": "qc_status", "integrations": "integrations",
        "interpretation": "interpretation", "percentageCovered": "percentage_covered", "meanCoverage": "mean_coverage",
        "expectedClonalCoverage": "expected_clonal_coverage", "reported": "reported",
        "driverInterpretation": "driver_likelihood", "driverLikelihood": "driver_likelihood"}))
        for i, v in enumerate(_section(reader, data, "virusInterpreter", "allViruses"))]
    return _complete(reader, rows, "virusInterpreter.allViruses")


def read(record: OrangeRecord, problems: Problems) -> dict[str, list[Row]]:
    """Rows of cuppa_prediction, hla_allele, virus, signature_allocation and
    pharmacogenomic_haplotype from an ORANGE record read by orange.read_orange (absent sections give no rows)."""
    path, data = record.path, record.data
    sigs = FieldReader(path, problems, SIGNATURE_ALLOCATION)
    peach = FieldReader(path, problems, PHARMACOGENOMIC_HAPLOTYPE)
    out = {
        "cuppa_prediction": _cuppa(path, problems, data.get("cuppa")),
        "hla_allele": _lilac(path, problems, data),
        "virus": _viruses(path, problems, data),
        "signature_allocation": _complete(sigs, [
            take(sigs, s, f"sigAllocations[{i}]", {"signature": "signature", "allocation": "allocation", "percent": "percent"})
            for i, s in enumerate(_section(sigs, data, "sigAllocations"))], "sigAllocations"),
        "pharmacogenomic_haplotype": _complete(peach, [
            take(peach, p, f"peach[{i}]", {"gene": "gene", "allele": "haplotype", "alleleCount": "count", "function": "function",
                                           "linkedDrugs": "linked_drugs", "urlPrescriptionInfo": "prescription_urls"})
            for i, p in enumerate(_section(peach, data, "peach"))], "peach"),
    }
    return {k: v for k, v in out.items() if v}
