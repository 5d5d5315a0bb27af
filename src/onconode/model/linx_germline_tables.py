"""LINX's germline structural variants (`linx.germline.disruption.tsv`): the patient's own
(inherited) SVs that disrupt a gene, patient-db's `structuralVariantGermline`. Their gene
breakends (`linx.germline.breakend.tsv`, patient-db `svBreakendGermline`) share sv_breakend's
columns and are declared beside it in tables.py. Germline data identifies a person: both
tables carry extra={"germline": ...} and are released and analysed only under germline
consent (DUO:0000038) and an approval naming them (analysis/germline.py, access/items.py).
"""

from __future__ import annotations

from onconode.model.columns import SAMPLE_ID, F, I, S
from onconode.model.schema import Table, col
from onconode.model.tool_tables import GERMLINE

GERMLINE_STRUCTURAL_VARIANT = Table(
    "germline_structural_variant",
    "Germline (inherited) structural variants LINX found disrupting a gene in the normal sample, with PURPLE's "
    "copy-number context, fragment support and LINX's clustering (patient-db structuralVariantGermline). "
    "Identifying: released and analysed only with germline consent and an approval naming it.",
    owner="sample_id",
    key=("sample_id", "disruption_id"),
    source="LINX linx.germline.disruption.tsv (C/linx/LinxGermlineDisruption.java)",
    columns=(
        SAMPLE_ID,
        col("disruption_id", I, "Row number in LINX's file: one SV can disrupt several genes, one row each.",
            required=True, minimum=1),
        col("sv_id", I, "LINX SV id.", required=True),
        col("vcf_id", S, "Id of the SV's start breakend in the germline SV VCF."),
        col("start_chromosome", S, "Contig of the start breakend.", required=True),
        col("end_chromosome", S, "Contig of the end breakend (empty for a single breakend)."),
        col("start_position", I, "Position of the start breakend.", required=True, minimum=1),
        col("end_position", I, "Position of the end breakend."),
        col("start_orientation", I, "Orientation of the start breakend, 1 or -1."),
        col("end_orientation", I, "Orientation of the end breakend, 1 or -1."),
        col("type", S, "SV type: DEL, DUP, INS, INV, BND, SGL."),
        col("filter", S, "PASS or the failed filters."),
        col("event", S, "Id of the event the SV belongs to (paired breakends share one)."),
        col("qual_score", F, "Variant quality."),
        col("homology_sequence_start", S, "Microhomology at the start breakend."),
        col("homology_sequence_end", S, "Microhomology at the end breakend."),
        col("inexact_homology_start", I, "Inexact homology offset at the start breakend."),
        col("inexact_homology_end", I, "Inexact homology offset at the end breakend."),
        col("junction_copy_number", F, "Copy number of the junction."),
        col("adjusted_af_start", F, "Purity-adjusted allele frequency at the start breakend."),
        col("adjusted_af_end", F, "Purity-adjusted allele frequency at the end breakend."),
        col("adjusted_copy_number_start", F, "Copy number at the start breakend."),
        col("adjusted_copy_number_end", F, "Copy number at the end breakend."),
        col("adjusted_copy_number_change_start", F, "Copy-number change across the start breakend."),
        col("adjusted_copy_number_change_end", F, "Copy-number change across the end breakend."),
        col("germline_fragments", I, "Normal-sample fragments supporting the SV.", minimum=0),
        col("germline_reference_fragments_start", I, "Normal-sample reference fragments at the start.", minimum=0),
        col("germline_reference_fragments_end", I, "Normal-sample reference fragments at the end.", minimum=0),
        col("tumor_fragments", I, "Tumour fragments supporting the SV.", minimum=0),
        col("tumor_reference_fragments_start", I, "Tumour reference fragments at the start.", minimum=0),
        col("tumor_reference_fragments_end", I, "Tumour reference fragments at the end.", minimum=0),
        col("insert_sequence", S, "Inserted sequence at the junction."),
        col("insert_sequence_alignments", S, "Where the inserted sequence aligns elsewhere."),
        col("insert_sequence_repeat_class", S, "RepeatMasker class of the inserted sequence."),
        col("insert_sequence_repeat_type", S, "RepeatMasker type of the inserted sequence."),
        col("gene", S, "Gene the SV disrupts."),
        col("cluster_id", I, "LINX cluster id."),
        col("cluster_count", I, "SVs in the cluster.", minimum=0),
        col("resolved_type", S, "Resolved type of the cluster, e.g. DEL, DUP, RECIP_INV."),
        col("linked_by_start", S, "Links (templated insertions) at the start breakend."),
        col("linked_by_end", S, "Links at the end breakend."),
        col("cohort_frequency", I, "Samples of the reference cohort with the same SV.", minimum=0),
    ),
    extra=GERMLINE,
)

LINX_GERMLINE_TABLES: tuple[Table, ...] = (GERMLINE_STRUCTURAL_VARIANT,)
