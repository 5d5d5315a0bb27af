"""CIDER → cdr3_sequence and cdr3_locus_summary (T/B-cell receptor CDR3 sequences).

`<sample>.cider.vdj.tsv.gz` (cider/.../VDJSequenceTsvWriter.kt) grew over CIDER's versions:
the first wrote no locus and a `vdjSeq`; then a locus and BLASTn gene calls
(`blastnStatus`, vGene/dGene/jGene with identity and alignment); then an own aligner
(`alignmentStatus`, supplementary genes); CIDER 1.2 added the identity lengths, indel
bases and the somatic hypermutation status. `<sample>.cider.locus_stats.tsv`
(CiderLocusStatsWriter.kt) is unchanged. CIDER runs on the tumour DNA and on the RNA
sample, each file named after its own sample: the name prefix is stored as source_sample.
"""

from __future__ import annotations

from pathlib import Path

from onconode.ingest.hmftools.layouts import Layout, Row, read_rows, unique
from onconode.ingest.problems import Problems
from onconode.model.tables import CDR3_LOCUS_SUMMARY, CDR3_SEQUENCE

_FIELDS = {
    "cdr3Seq": "cdr3_seq", "cdr3AA": "cdr3_aa", "locus": "locus", "filter": "filter",
    "blastnStatus": "alignment_status", "alignmentStatus": "alignment_status",
    "minHighQualBaseReads": "min_high_qual_base_reads", "assignedReads": "assigned_reads",
    "vAlignedReads": "v_aligned_reads", "jAlignedReads": "j_aligned_reads", "inFrame": "in_frame",
    "containsStop": "contains_stop", "vType": "v_type", "vAnchorStart": "v_anchor_start", "vAnchorEnd": "v_anchor_end",
    "vAnchorSeq": "v_anchor_seq", "vAnchorTemplateSeq": "v_anchor_template_seq", "vAnchorAA": "v_anchor_aa",
    "vAnchorTemplateAA": "v_anchor_template_aa", "vMatchMethod": "v_match_method",
    "vSimilarityScore": "v_similarity_score", "vNonSplitReads": "v_non_split_reads", "jType": "j_type",
    "jAnchorStart": "j_anchor_start", "jAnchorEnd": "j_anchor_end", "jAnchorSeq": "j_anchor_seq",
    "jAnchorTemplateSeq": "j_anchor_template_seq", "jAnchorAA": "j_anchor_aa",
    "jAnchorTemplateAA": "j_anchor_template_aa", "jMatchMethod": "j_match_method",
    "jSimilarityScore": "j_similarity_score", "jNonSplitReads": "j_non_split_reads",
    "vGene": "v_gene", "vGeneSupplementary": "v_gene_supplementary", "vPIdent": "v_percent_identity",
    "vPIdentLen": "v_percent_identity_length", "vPIdentIndelBases": "v_percent_identity_indel_bases",
    "SHMStatus": "shm_status", "vAlignStart": "v_align_start", "vAlignEnd": "v_align_end",
    "dGene": "d_gene", "dGeneSupplementary": "d_gene_supplementary", "dPIdent": "d_percent_identity",
    "dAlignStart": "d_align_start", "dAlignEnd": "d_align_end",
    "jGene": "j_gene", "jGeneSupplementary": "j_gene_supplementary", "jPIdent": "j_percent_identity",
    "jPIdentLen": "j_percent_identity_length", "jPIdentIndelBases": "j_percent_identity_indel_bases",
    "jAlignStart": "j_align_start", "jAlignEnd": "j_align_end",
    "vPrimerMatches": "v_primer_matches", "jPrimerMatches": "j_primer_matches", "layoutId": "layout_id",
    "fullSeq": "full_seq", "support": "support",
}
_ANCHORS_V = "vType vAnchorStart vAnchorEnd vAnchorSeq vAnchorTemplateSeq vAnchorAA vAnchorTemplateAA vMatchMethod vSimilarityScore vNonSplitReads"
_ANCHORS_J = "jType jAnchorStart jAnchorEnd jAnchorSeq jAnchorTemplateSeq jAnchorAA jAnchorTemplateAA jMatchMethod jSimilarityScore jNonSplitReads"
_READS = "minHighQualBaseReads assignedReads vAlignedReads jAlignedReads inFrame containsStop"
_TAIL = "vPrimerMatches jPrimerMatches layoutId fullSeq support"


def _layout(versions: str, header: str, **kw: object) -> Layout:
    cols = tuple(header.split())
    return Layout("CIDER", versions, cols, {h: c for h, c in _FIELDS.items() if h in cols},
                  required=("cdr3Seq", "filter", "assignedReads"), **kw)  # type: ignore[arg-type]


VDJ = (
    _layout("CIDER 1.2+ (SHM status)",
            f"cdr3Seq cdr3AA locus filter alignmentStatus {_READS} {_ANCHORS_V} {_ANCHORS_J} "
            "vGene vGeneSupplementary vPIdent vPIdentLen vPIdentIndelBases SHMStatus vAlignStart vAlignEnd "
            "dGene dGeneSupplementary dPIdent dAlignStart dAlignEnd "
            f"jGene jGeneSupplementary jPIdent jPIdentLen jPIdentIndelBases jAlignStart jAlignEnd {_TAIL}"),
    _layout("CIDER before 1.2 (alignment gene annotation)",
            f"cdr3Seq cdr3AA locus filter alignmentStatus {_READS} {_ANCHORS_V} {_ANCHORS_J} "
            "vGene vGeneSupplementary vPIdent vAlignStart vAlignEnd dGene dGeneSupplementary dPIdent dAlignStart dAlignEnd "
            f"jGene jGeneSupplementary jPIdent jAlignStart jAlignEnd {_TAIL}"),
    _layout("CIDER (BLASTn gene annotation)",
            f"cdr3Seq cdr3AA locus filter blastnStatus {_READS} {_ANCHORS_V} {_ANCHORS_J} "
            f"vGene vPIdent vAlignStart vAlignEnd dGene dPIdent dAlignStart dAlignEnd jGene jPIdent jAlignStart jAlignEnd {_TAIL}"),
    _layout("CIDER (first layout, no locus)",
            f"cdr3Seq cdr3AA filter {_READS} {_ANCHORS_V.replace('vAnchorStart ', '')} "
            f"{_ANCHORS_J.replace(' jAnchorEnd', '')} vPrimerMatches jPrimerMatches layoutId vdjSeq support fullSeq",
            not_stored={"vdjSeq": "the V(D)J part of the layout's consensus, which is stored whole (full_seq)"}),
)
LOCUS_STATS = (Layout("CIDER", "CIDER (all versions)", ("locus", "readsUsed", "readsTotal", "downSampled", "sequences", "passSequences"),
                      {"locus": "locus", "readsUsed": "reads_used", "readsTotal": "reads_total",
                       "downSampled": "down_sampled", "sequences": "sequences", "passSequences": "pass_sequences"}),)


def source_sample(path: Path) -> str:
    """The sample a CIDER file is named after: `COLO829T.cider.vdj.tsv.gz` → COLO829T."""
    return path.name[:path.name.lower().index(".cider.")]


def read_vdj(path: Path, problems: Problems, ref_genome: str | None = None) -> dict[str, list[Row]]:
    """`.cider.vdj.tsv.gz` → cdr3_sequence, numbered in file order."""
    _, rows = read_rows(path, problems, CDR3_SEQUENCE, VDJ)
    for number, (_, _, row) in enumerate(rows, start=1):
        row.update(source_sample=source_sample(path), sequence_id=number)
    return {"cdr3_sequence": unique(path, problems, CDR3_SEQUENCE, rows)}


def read_locus_stats(path: Path, problems: Problems, ref_genome: str | None = None) -> dict[str, list[Row]]:
    """`.cider.locus_stats.tsv` → cdr3_locus_summary."""
    _, rows = read_rows(path, problems, CDR3_LOCUS_SUMMARY, LOCUS_STATS)
    for _, _, row in rows:
        row["source_sample"] = source_sample(path)
    return {"cdr3_locus_summary": unique(path, problems, CDR3_LOCUS_SUMMARY, rows)}
