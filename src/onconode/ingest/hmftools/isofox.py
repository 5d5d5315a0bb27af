"""Isofox RNA outputs → rna_statistics, gene_expression, novel_splice_junction, rna_fusion.

Isofox files carry the RNA sample's id (discovery attaches them to the tumour of the same
run). Isofox up to 1.7 wrote `.csv`; 2.0 (WiGiTS 3.0) writes `.tsv` and renamed or
replaced columns: gene_data gained cohort/cancer percentiles and `ReportedStatus`
(isofox/.../results/GeneResult.java), alt_splice_junc dropped `GeneId` and took exon
and cohort columns (C/rna/NovelSpliceJunctionFile.java), pass_fusions has a new layout
(C/rna/RnaFusionFile.java; 1.7: isofox/.../fusion/FusionData.java).
"""

from __future__ import annotations

from pathlib import Path

from onconode.ingest.hmftools.fields import FieldReader
from onconode.ingest.hmftools.layouts import Layout, Row, read_rows
from onconode.ingest.problems import Problems
from onconode.model.tables import GENE_EXPRESSION, NOVEL_SPLICE_JUNCTION, RNA_FUSION, RNA_STATISTICS

_SUMMARY = {
    "QcStatus": "qc_status", "TotalFragments": "total_fragments", "DuplicateFragments": "duplicate_fragments",
    "SplicedFragmentPerc": "spliced_fragment_perc", "UnsplicedFragmentPerc": "unspliced_fragment_perc",
    "AltFragmentPerc": "alt_fragment_perc", "ChimericFragmentPerc": "chimeric_fragment_perc",
    "SplicedGeneCount": "spliced_gene_count", "ReadLength": "read_length", "FragLength5th": "frag_length_5th",
    "FragLength50th": "frag_length_50th", "FragLength95th": "frag_length_95th",
    "EnrichedGenePercent": "enriched_gene_percent", "MedianGCRatio": "median_gc_ratio",
    "ForwardStrandPercent": "forward_strand_percent",
}
_SAMPLE = {"SampleId": "the RNA sample's statistics are stored under the tumour sample it belongs to"}
SUMMARY = (
    Layout("Isofox", "Isofox 2.0", fields=_SUMMARY, required=("SampleId", "QcStatus", "TotalFragments"), not_stored=_SAMPLE),
    Layout("Isofox", "Isofox 1.x", fields=_SUMMARY, required=("SampleId", "TotalFragments", "DuplicateFragments"),
           not_stored=_SAMPLE),
)
_GENE = {
    "GeneId": "gene_id", "GeneName": "gene", "Chromosome": "chromosome", "GeneLength": "gene_length",
    "IntronicLength": "intronic_length", "TranscriptCount": "transcript_count", "SplicedFragments": "spliced_fragments",
    "UnsplicedFragments": "unspliced_fragments", "AdjTPM": "adjusted_tpm", "RawTPM": "raw_tpm",
    "FitResiduals": "fit_residuals", "LowMapQualFrags": "low_map_qual_frags",
}
_GENE_SET = {"GeneSetId": "Isofox's internal id of overlapping-gene sets"}
GENE_DATA = (
    Layout("Isofox", "Isofox 2.0", fields={**_GENE, "MedianTpmCancer": "median_tpm_cancer", "PercentileCancer": "percentile_cancer",
                          "MedianTpmCohort": "median_tpm_cohort", "PercentileCohort": "percentile_cohort",
                          "ReportedStatus": "reported_status"},
           required=("GeneId", "GeneName", "AdjTPM", "ReportedStatus"), not_stored=_GENE_SET),
    Layout("Isofox", "Isofox 1.x", fields=_GENE, required=("GeneId", "GeneName", "AdjTPM"), not_stored=_GENE_SET),
)
_SJ = {
    "GeneName": "gene", "Chromosome": "chromosome", "SjStart": "sj_start", "SjEnd": "sj_end", "Type": "type",
    "FragCount": "frag_count", "DepthStart": "depth_start", "DepthEnd": "depth_end", "RegionStart": "region_start",
    "RegionEnd": "region_end",
}
ALT_SJ = (
    Layout("Isofox", "Isofox 2.0", fields={**_SJ, "BaseStart": "base_start", "BaseEnd": "base_end", "TranscriptStart": "transcript_start",
                          "TranscriptEnd": "transcript_end", "ExonStart": "exon_start", "ExonEnd": "exon_end",
                          "CohortFrequency": "cohort_frequency"},
           required=("GeneName", "Chromosome", "SjStart", "SjEnd", "CohortFrequency")),
    Layout("Isofox", "Isofox 1.x", fields={**_SJ, "BasesStart": "base_start", "BasesEnd": "base_end", "TransStart": "transcript_start",
                          "TransEnd": "transcript_end"},
           required=("GeneId", "GeneName", "Chromosome", "SjStart", "SjEnd"),
           not_stored={"GeneId": "the gene symbol is stored", "InitialReadId": "a read name, a technical identifier",
                       "NearestStartExon": "an Isofox 1.x diagnostic (2.0 writes ExonStart)",
                       "NearestEndExon": "an Isofox 1.x diagnostic (2.0 writes ExonEnd)"}),
)
FUSIONS = (
    Layout("Isofox", "Isofox 2.0", fields={
        "Name": "name", "KnownType": "known_type", "ChromosomeUp": "chromosome_up", "ChromosomeDown": "chromosome_down",
        "PositionUp": "position_up", "PositionDown": "position_down", "OrientationUp": "orientation_up",
        "OrientationDown": "orientation_down", "JunctionTypeUp": "junction_type_up", "JunctionTypeDown": "junction_type_down",
        "TranscriptUp": "transcript_up", "TranscriptDown": "transcript_down", "ExonUp": "exon_up", "ExonDown": "exon_down",
        "SvType": "sv_type", "SplitFrags": "split_fragments", "RealignedFrags": "realigned_fragments",
        "DiscordantFrags": "discordant_fragments", "DepthUp": "depth_up", "DepthDown": "depth_down",
        "MaxAnchorLengthUp": "max_anchor_length_up", "MaxAnchorLengthDown": "max_anchor_length_down",
        "CohortFrequency": "cohort_frequency"},
        required=("Name", "ChromosomeUp", "PositionUp", "OrientationUp", "ChromosomeDown", "PositionDown", "OrientationDown")),
    Layout("Isofox", "Isofox 1.x", fields={
        "ChrUp": "chromosome_up", "PosUp": "position_up", "OrientUp": "orientation_up", "GeneNameUp": "gene_up",
        "JuncTypeUp": "junction_type_up", "CoverageUp": "depth_up", "MaxAnchorLengthUp": "max_anchor_length_up",
        "ChrDown": "chromosome_down", "PosDown": "position_down", "OrientDown": "orientation_down", "GeneNameDown": "gene_down",
        "JuncTypeDown": "junction_type_down", "CoverageDown": "depth_down", "MaxAnchorLengthDown": "max_anchor_length_down",
        "SVType": "sv_type", "SplitFrags": "split_fragments", "RealignedFrags": "realigned_fragments",
        "DiscordantFrags": "discordant_fragments", "CohortCount": "cohort_frequency", "KnownFusionType": "known_type"},
        required=("FusionId", "ChrUp", "PosUp", "OrientUp", "ChrDown", "PosDown", "OrientDown"),
        not_stored={"FusionId": "a per-run id; the breakend coordinates identify the fusion",
                    "Valid": "pass_fusions holds valid fusions only", "GeneIdUp": "the gene symbol is stored",
                    "GeneIdDown": "the gene symbol is stored", "StrandUp": "implied by the gene", "StrandDown": "implied by the gene",
                    "TotalFragments": "the split, realigned and discordant counts are stored",
                    "RelatedSplicedIds": "per-run ids of related fusions", "Filter": "pass_fusions holds passing fusions only"}),
)


def read_summary(path: Path, problems: Problems, ref_genome: str | None = None) -> dict[str, list[Row]]:
    _, rows = read_rows(path, problems, RNA_STATISTICS, SUMMARY)
    if len(rows) > 1:
        FieldReader(path, problems, RNA_STATISTICS).error(rows[1][0], None, f"{len(rows)} rows where Isofox writes one per RNA sample",
                                                          "keep this sample's row only")
    return {"rna_statistics": [row for _, _, row in rows[:1]]}


def read_gene_data(path: Path, problems: Problems, ref_genome: str | None = None) -> dict[str, list[Row]]:
    _, rows = read_rows(path, problems, GENE_EXPRESSION, GENE_DATA, ref_genome)
    return {"gene_expression": [row for _, _, row in rows]}


def read_alt_sj(path: Path, problems: Problems, ref_genome: str | None = None) -> dict[str, list[Row]]:
    _, rows = read_rows(path, problems, NOVEL_SPLICE_JUNCTION, ALT_SJ, ref_genome)
    return {"novel_splice_junction": [row for _, _, row in rows]}


def read_fusions(path: Path, problems: Problems, ref_genome: str | None = None) -> dict[str, list[Row]]:
    _, rows = read_rows(path, problems, RNA_FUSION, FUSIONS, ref_genome)
    out = []
    for _, _, row in rows:
        if row.get("name") is None:
            row["name"] = f"{row.get('gene_up') or ''}_{row.get('gene_down') or ''}"
        elif row.get("name") and row["name"].count("_") == 1 and row.get("gene_up") is None:
            row["gene_up"], row["gene_down"] = row["name"].split("_")
        out.append(row)
    return {"rna_fusion": out}
