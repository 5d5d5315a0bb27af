"""The CUPPA, LILAC, Virus Interpreter, SIGS and PEACH sections of an ORANGE record, for
samples whose folder lacks those tools' own files (ORANGE 5.0 emits a report, so a
sample delivered as ORANGE alone still gets its tissue of origin, HLA type, viruses and
signatures). Field names as orange-datamodel's OrangeRecord (Gson) writes them.

ORANGE's CUPPA predictions hold, per cancer type, the overall likelihood and each
feature classifier's probability: `likelihood` is `combined` in WGTS mode and
`dna_combined` in WGS mode; the classifier fields map onto CUPPA v2's classifier names.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from onconode.ingest.hmftools.fields import FieldReader
from onconode.ingest.hmftools.lilac import gene_of
from onconode.ingest.problems import Problems
from onconode.model.tables import CUPPA_PREDICTION, HLA_ALLELE, PHARMACOGENOMIC_HAPLOTYPE, SIGNATURE_ALLOCATION, VIRUS

Row = dict[str, Any]
CUPPA_FIELDS = {"snvPairwiseClassifier": "snv96", "genomicPositionClassifier": "gen_pos", "featureClassifier": "event",
                "altSjCohortClassifier": "alt_sj", "expressionPairwiseClassifier": "gene_exp"}
GROUPS = {"combined": "combined", "dna_combined": "dna", "snv96": "dna", "gen_pos": "dna", "event": "dna",
          "alt_sj": "rna", "gene_exp": "rna"}


def _list(value: Any) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _take(reader: FieldReader, obj: dict, where: str, fields: dict[str, str]) -> Row:
    return {col: reader.value(obj.get(key), None, f"{where}.{key}", col) for key, col in fields.items() if key in obj}


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
    for i, p in enumerate(_list(cuppa.get("predictions"))):
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


def _lilac(path: Path, problems: Problems, lilac: Any) -> list[Row]:
    reader = FieldReader(path, problems, HLA_ALLELE)
    seen: dict[str, int] = {}
    rows = []
    for i, a in enumerate(_list(lilac.get("alleles") if isinstance(lilac, dict) else None)):
        where = f"lilac.alleles[{i}]"
        row = _take(reader, a, where, {
            "allele": "allele", "geneClass": "gene_group", "tumorCopyNumber": "tumor_copy_number", "refFragments": "ref_total",
            "tumorFragments": "tumor_total", "rnaFragments": "rna_total", "somaticMissense": "somatic_missense",
            "somaticNonsenseOrFrameshift": "somatic_nonsense_or_frameshift", "somaticSplice": "somatic_splice",
            "somaticSynonymous": "somatic_synonymous", "somaticInframeIndel": "somatic_inframe_indel"})
        gene = gene_of(row.get("allele") or "")
        if gene is None:
            reader.error(None, f"{where}.allele", f"{row.get('allele')!r} is not an HLA allele like A*01:01", "is this an ORANGE record?")
            continue
        seen[gene] = seen.get(gene, 0) + 1
        if seen[gene] <= 2:
            rows.append({**row, "gene": gene, "allele_index": seen[gene]})
    return rows


def _viruses(path: Path, problems: Problems, data: Any) -> list[Row]:
    reader = FieldReader(path, problems, VIRUS)
    rows = []
    for i, v in enumerate(_list(data.get("allViruses") if isinstance(data, dict) else None)):
        row = _take(reader, v, f"virusInterpreter.allViruses[{i}]", {
            "taxid": "taxid", "name": "name", "qcStatus": "qc_status", "integrations": "integrations",
            "interpretation": "interpretation", "percentageCovered": "percentage_covered", "meanCoverage": "mean_coverage",
            "expectedClonalCoverage": "expected_clonal_coverage", "reported": "reported",
            "driverInterpretation": "driver_likelihood", "driverLikelihood": "driver_likelihood"})
        if row.get("integrations") is not None:
            row["integrated"] = row["integrations"] > 0
        rows.append(row)
    return _complete(reader, rows, "virusInterpreter.allViruses")


def read(path: Path, problems: Problems) -> dict[str, list[Row]]:
    """Rows of cuppa_prediction, hla_allele, virus, signature_allocation and
    pharmacogenomic_haplotype from an ORANGE record (absent sections give no rows)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}   # orange.py reports an unreadable record
    if not isinstance(data, dict):
        return {}
    sigs = FieldReader(path, problems, SIGNATURE_ALLOCATION)
    peach = FieldReader(path, problems, PHARMACOGENOMIC_HAPLOTYPE)
    out = {
        "cuppa_prediction": _cuppa(path, problems, data.get("cuppa")),
        "hla_allele": _lilac(path, problems, data.get("lilac")),
        "virus": _viruses(path, problems, data.get("virusInterpreter")),
        "signature_allocation": _complete(sigs, [
            _take(sigs, s, f"sigAllocations[{i}]", {"signature": "signature", "allocation": "allocation", "percent": "percent"})
            for i, s in enumerate(_list(data.get("sigAllocations")))], "sigAllocations"),
        "pharmacogenomic_haplotype": _complete(peach, [
            _take(peach, p, f"peach[{i}]", {"gene": "gene", "allele": "haplotype", "alleleCount": "count", "function": "function",
                                            "linkedDrugs": "linked_drugs", "urlPrescriptionInfo": "prescription_urls"})
            for i, p in enumerate(_list(data.get("peach")))], "peach"),
    }
    return {k: v for k, v in out.items() if v}
