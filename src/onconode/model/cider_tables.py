"""CIDER: the T- and B-cell receptor CDR3 sequences assembled from a sample's reads
(patient-db `cdr3Sequence` and `cdr3LocusSummary`). For B- and T-cell tumours the clonal
CDR3 is a marker (minimal residual disease), CIDER 1.2's somatic hypermutation status
a CLL prognostic marker; elsewhere the counts estimate immune infiltration. The sequences
are the lymphocytes' somatic rearrangements, not the patient's germline.

CIDER runs on the tumour DNA and, when there is one, the tumour RNA; each file is named
after its own sample, so both rows are kept under the tumour sample and `source_sample`
says whose reads they came from.
"""

from __future__ import annotations

from onconode.model.columns import SAMPLE_ID, B, F, I, S
from onconode.model.schema import Table, col

SOURCE_SAMPLE = col("source_sample", S, "Sample whose reads CIDER assembled (the file's name prefix): the tumour "
                    "DNA, or the run's RNA sample.", required=True)

CDR3_SEQUENCE = Table(
    "cdr3_sequence",
    "CIDER's IG/TCR CDR3 sequences: locus, V/D/J genes, read support, frame and filter (patient-db cdr3Sequence).",
    owner="sample_id",
    key=("sample_id", "source_sample", "sequence_id"),
    source="CIDER cider.vdj.tsv.gz (cider/.../VDJSequenceTsvWriter.kt)",
    columns=(
        SAMPLE_ID,
        SOURCE_SAMPLE,
        col("sequence_id", I, "Row number in CIDER's file (one CDR3 can be assembled from two layouts).",
            required=True, minimum=1),
        col("cdr3_seq", S, "CDR3 nucleotide sequence.", required=True),
        col("cdr3_aa", S, "CDR3 amino-acid sequence."),
        col("locus", S, "Receptor locus, e.g. IGH, IGK, IGL, TRA, TRB, TRD, TRG, IGK_KDE."),
        col("filter", S, "PASS or the failed filters, ';'-joined (e.g. NO_V_ANCHOR, MATCHES_REF)."),
        col("alignment_status", S, "Outcome of the alignment to the IMGT genes (e.g. V_J, V_D_J, SKIPPED_ALIGN)."),
        col("min_high_qual_base_reads", I, "Fewest high-quality reads over any CDR3 base.", minimum=0),
        col("assigned_reads", I, "Reads assigned to the sequence.", minimum=0),
        col("v_aligned_reads", I, "Reads aligned to the V anchor.", minimum=0),
        col("j_aligned_reads", I, "Reads aligned to the J anchor.", minimum=0),
        col("in_frame", B, "The V and J anchors are in frame."),
        col("contains_stop", B, "The CDR3 translation holds a stop codon."),
        col("v_type", S, "V gene type of the anchor, e.g. IGHV, TRBV."),
        col("v_anchor_start", I, "Start of the V anchor in the assembled layout."),
        col("v_anchor_end", I, "End of the V anchor in the assembled layout."),
        col("v_anchor_seq", S, "V anchor sequence."),
        col("v_anchor_template_seq", S, "Reference V anchor it matched."),
        col("v_anchor_aa", S, "V anchor amino acids."),
        col("v_anchor_template_aa", S, "Reference V anchor amino acids."),
        col("v_match_method", S, "How the V anchor was found: exact, BLOSUM, or by the other anchor."),
        col("v_similarity_score", I, "BLOSUM similarity of the V anchor to the reference."),
        col("v_non_split_reads", I, "Reads spanning the V anchor unsplit.", minimum=0),
        col("j_type", S, "J gene type of the anchor, e.g. IGHJ, TRBJ."),
        col("j_anchor_start", I, "Start of the J anchor in the assembled layout."),
        col("j_anchor_end", I, "End of the J anchor in the assembled layout."),
        col("j_anchor_seq", S, "J anchor sequence."),
        col("j_anchor_template_seq", S, "Reference J anchor it matched."),
        col("j_anchor_aa", S, "J anchor amino acids."),
        col("j_anchor_template_aa", S, "Reference J anchor amino acids."),
        col("j_match_method", S, "How the J anchor was found."),
        col("j_similarity_score", I, "BLOSUM similarity of the J anchor to the reference."),
        col("j_non_split_reads", I, "Reads spanning the J anchor unsplit.", minimum=0),
        col("v_gene", S, "Best-aligned V gene (IMGT name)."),
        col("v_gene_supplementary", S, "Other equally good V genes, ';'-joined."),
        col("v_percent_identity", F, "Percent identity of the V alignment.", minimum=0, maximum=100),
        col("v_percent_identity_length", I, "Bases the V identity is measured over (CIDER 1.2+).", minimum=0),
        col("v_percent_identity_indel_bases", I, "Indel bases in the V alignment (CIDER 1.2+).", minimum=0),
        col("shm_status", S, "Somatic hypermutation status from the V identity (CIDER 1.2+): a CLL prognostic marker."),
        col("v_align_start", I, "Start of the V alignment in the sequence."),
        col("v_align_end", I, "End of the V alignment in the sequence."),
        col("d_gene", S, "Best-aligned D gene."),
        col("d_gene_supplementary", S, "Other equally good D genes, ';'-joined."),
        col("d_percent_identity", F, "Percent identity of the D alignment.", minimum=0, maximum=100),
        col("d_align_start", I, "Start of the D alignment in the sequence."),
        col("d_align_end", I, "End of the D alignment in the sequence."),
        col("j_gene", S, "Best-aligned J gene."),
        col("j_gene_supplementary", S, "Other equally good J genes, ';'-joined."),
        col("j_percent_identity", F, "Percent identity of the J alignment.", minimum=0, maximum=100),
        col("j_percent_identity_length", I, "Bases the J identity is measured over (CIDER 1.2+).", minimum=0),
        col("j_percent_identity_indel_bases", I, "Indel bases in the J alignment (CIDER 1.2+).", minimum=0),
        col("j_align_start", I, "Start of the J alignment in the sequence."),
        col("j_align_end", I, "End of the J alignment in the sequence."),
        col("v_primer_matches", I, "Reads matching a V primer (targeted panels).", minimum=0),
        col("j_primer_matches", I, "Reads matching a J primer (targeted panels).", minimum=0),
        col("layout_id", S, "Id of the read layout the sequence was assembled from."),
        col("full_seq", S, "Consensus sequence of the whole layout."),
        col("support", S, "High-quality read support per base of the layout, as CIDER encodes it."),
    ),
)

CDR3_LOCUS_SUMMARY = Table(
    "cdr3_locus_summary",
    "CIDER's reads and sequences per IG/TCR locus (patient-db cdr3LocusSummary).",
    owner="sample_id",
    key=("sample_id", "source_sample", "locus"),
    source="CIDER cider.locus_stats.tsv (cider/.../CiderLocusStatsWriter.kt)",
    columns=(
        SAMPLE_ID,
        SOURCE_SAMPLE,
        col("locus", S, "Receptor locus, e.g. IGH, TRB.", required=True),
        col("reads_used", I, "Reads used in the locus's sequences.", minimum=0),
        col("reads_total", I, "Candidate reads of the locus.", minimum=0),
        col("down_sampled", B, "CIDER down-sampled the locus's reads."),
        col("sequences", I, "CDR3 sequences found.", minimum=0),
        col("pass_sequences", I, "Sequences passing CIDER's filters.", minimum=0),
    ),
)

CIDER_TABLES: tuple[Table, ...] = (CDR3_SEQUENCE, CDR3_LOCUS_SUMMARY)
