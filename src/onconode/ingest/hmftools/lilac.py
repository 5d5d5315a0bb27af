"""LILAC HLA typing → hla_allele and hla_qc.

LILAC 2.0 added a leading `Genes` column to both files and types the MHC class II genes
(DPA1, DPB1, DQA1, DQB1) too; LILAC 1.x typed HLA-A, -B and -C only and its QC file
has per-gene low-coverage and type-count columns (C/hla/LilacAllele.java,
lilac/.../qc/LilacQC.java).
"""

from __future__ import annotations

from pathlib import Path

from onconode.ingest.hmftools.fields import FieldReader
from onconode.ingest.hmftools.layouts import Layout, Row, read_rows
from onconode.ingest.problems import Problems
from onconode.model.tables import HLA_ALLELE, HLA_QC

_ALLELE_FIELDS = {
    "Allele": "allele", "RefTotal": "ref_total", "RefUnique": "ref_unique", "RefShared": "ref_shared", "RefWild": "ref_wild",
    "TumorTotal": "tumor_total", "TumorUnique": "tumor_unique", "TumorShared": "tumor_shared", "TumorWild": "tumor_wild",
    "RnaTotal": "rna_total", "RnaUnique": "rna_unique", "RnaShared": "rna_shared", "RnaWild": "rna_wild",
    "TumorCopyNumber": "tumor_copy_number", "SomaticMissense": "somatic_missense",
    "SomaticNonsenseOrFrameshift": "somatic_nonsense_or_frameshift", "SomaticSplice": "somatic_splice",
    "SomaticSynonymous": "somatic_synonymous", "SomaticInframeIndel": "somatic_inframe_indel",
}
ALLELES = (
    Layout("LILAC", "LILAC 2.0", fields={"Genes": "gene_group", **_ALLELE_FIELDS}, required=("Genes", "Allele", "RefTotal", "TumorCopyNumber")),
    Layout("LILAC", "LILAC 1.x", fields=_ALLELE_FIELDS, required=("Allele", "RefTotal", "TumorCopyNumber")),
)
_QC_FIELDS = {
    "Status": "status", "ScoreMargin": "score_margin", "NextSolutionAlleles": "next_solution_alleles",
    "MedianBaseQuality": "median_base_quality", "HlaYAllele": "hla_y_allele", "DiscardedIndels": "discarded_indels",
    "DiscardedAlignmentFragments": "discarded_alignment_fragments", "TotalFragments": "total_fragments",
    "FittedFragments": "fitted_fragments", "UnmatchedFragments": "unmatched_fragments",
    "UninformativeFragments": "uninformative_fragments", "HlaYFragments": "hla_y_fragments",
    "PercentUnique": "percent_unique", "PercentShared": "percent_shared", "PercentWildcard": "percent_wildcard",
    "UnusedAminoAcids": "unused_amino_acids", "UnusedHaplotypes": "unused_haplotypes",
    "SomaticVariantsMatched": "somatic_variants_matched", "SomaticVariantsUnmatched": "somatic_variants_unmatched",
}
_MAX_FRAGS = {h: "the largest fragment count behind an unused or discarded item; the count itself is stored"
              for h in ("DiscardedIndelMaxFrags", "UnusedAminoAcidMaxFrags", "UnusedHaplotypeMaxFrags")}
QC = (
    Layout("LILAC", "LILAC 2.0", fields={"Genes": "gene_group", "LowCoverageBases": "low_coverage_bases", "geneTypes": "gene_types", **_QC_FIELDS},
           required=("Genes", "Status", "TotalFragments"), not_stored=_MAX_FRAGS),
    Layout("LILAC", "LILAC 1.x", fields=_QC_FIELDS, required=("Status", "TotalFragments"),
           not_stored=_MAX_FRAGS,
           derived=("A_LowCoverageBases", "B_LowCoverageBases", "C_LowCoverageBases", "ATypes", "BTypes", "CTypes")),
)
CLASS_I = "HLA_CLASS_I"


def gene_of(allele: str) -> str | None:
    """`A*01:01` → `HLA-A`; `DQB1*06:02` → `HLA-DQB1`."""
    name, star, _ = allele.partition("*")
    return f"HLA-{name.removeprefix('HLA-')}" if star and name else None


def numbered(reader: FieldReader, alleles: list[tuple[int | None, str, Row]]) -> list[Row]:
    """hla_allele rows (LILAC's file or ORANGE's copy: (line, where, row) each) with their gene
    and allele_index, two per gene in the order written; a third, or a name that is no HLA
    allele, is a problem at `where`."""
    seen: dict[str, int] = {}
    out = []
    for line, where, row in alleles:
        gene = gene_of(row.get("allele") or "")
        if gene is None:
            reader.error(line, where, f"{row.get('allele')!r} is not an HLA allele like A*01:01", "is this LILAC's output?")
            continue
        seen[gene] = seen.get(gene, 0) + 1
        if seen[gene] > 2:
            reader.error(line, where, f"a third allele of {gene}; a person has two", "keep one LILAC solution per sample")
            continue
        out.append({**row, "gene": gene, "allele_index": seen[gene]})
    return out


def read_alleles(path: Path, problems: Problems, ref_genome: str | None = None) -> dict[str, list[Row]]:
    """`.lilac.tsv` → hla_allele: two rows per gene, numbered in file order."""
    _, rows = read_rows(path, problems, HLA_ALLELE, ALLELES)
    return {"hla_allele": numbered(FieldReader(path, problems, HLA_ALLELE), [(line, "Allele", row) for line, _, row in rows])}


def read_qc(path: Path, problems: Problems, ref_genome: str | None = None) -> dict[str, list[Row]]:
    """`.lilac.qc.tsv` → hla_qc, one row per gene group."""
    layout, rows = read_rows(path, problems, HLA_QC, QC)
    reader = FieldReader(path, problems, HLA_QC)
    out = []
    for line, raw, row in rows:
        if layout is not None and layout.versions == "LILAC 1.x":
            row["gene_group"] = CLASS_I
            low = [raw[h] for h in ("A_LowCoverageBases", "B_LowCoverageBases", "C_LowCoverageBases") if h in raw]
            if low:
                row["low_coverage_bases"] = reader.value(str(sum(int(float(v)) for v in low if v.strip())), line,
                                                         "A/B/C_LowCoverageBases", "low_coverage_bases")
            types = [raw[h] for h in ("ATypes", "BTypes", "CTypes") if h in raw]
            row["gene_types"] = ";".join(types) or None
        out.append(row)
    return {"hla_qc": out}
