"""The tables of the WiGiTS tools beyond the core model: CUPPA, LILAC, Virus Interpreter,
SIGS, PEACH, TEAL, Isofox, the PURPLE germline VCF, QSEE, and the PURPLE / LINX outputs
added with WiGiTS 3.0 (germline amplifications and deletions, arm copy numbers, LINX
drivers, clusters and links, per-sample tool versions). Kept apart from `tables.py`, which
lists them in the model's `TABLES`, so that each file holds one family of tables.
"""

from __future__ import annotations

from onconode.model import codes as C
from onconode.model.columns import SAMPLE_ID, B, F, I, S
from onconode.model.schema import Table, col

# -- WiGiTS tools beyond PURPLE / LINX: CUPPA, LILAC, Virus Interpreter, SIGS, PEACH, TEAL,
# Isofox, the PURPLE germline VCF and QSEE (issue 17, item 3). A table whose rows describe
# the patient's inherited genome carries extra={"germline": ...}: such rows identify a
# person, so they are released and analysed only under an explicit germline approval and
# consent (access/items.py, analysis/germline.py). ----------------------------------------
GERMLINE = {"germline": "inherited (germline) data: identifying; released and analysed only with germline consent and approval"}

CUPPA_PREDICTION = Table(
    "cuppa_prediction",
    "CUPPA tissue-of-origin probabilities: one row per classifier and cancer type (the combined classifier "
    "joins DNA and RNA; dna_combined and rna_combined each data type; gen_pos, snv96, event, gene_exp, alt_sj the features). "
    "rank 1 is the classifier's top prediction, the answer for a cancer of unknown primary.",
    owner="sample_id",
    key=("sample_id", "classifier", "cancer_type"),
    source="CUPPA v2 cuppa.vis_data.tsv (data_type prob) or cuppa.pred_summ.tsv (top 3 per classifier); ORANGE cuppa",
    columns=(
        SAMPLE_ID,
        col("classifier", S, "CUPPA classifier (pycuppa clf_name).", required=True, codes=C.CUPPA_CLASSIFIERS),
        col("classifier_group", S, "Classifier group (clf_group).", codes=C.CUPPA_CLASSIFIER_GROUPS),
        col("cancer_type", S, "Cancer type class, e.g. 'Skin: Melanoma', 'Myeloid: Acute myeloid leukemia'.", required=True),
        col("probability", F, "Probability the sample is of this cancer type.", minimum=0, maximum=1),
        col("rank", I, "Rank of the cancer type within the classifier (1 = top prediction).", minimum=1),
    ),
)

HLA_ALLELE = Table(
    "hla_allele",
    "LILAC HLA type: the two alleles per HLA gene (a homozygous gene lists its allele twice), with fragment support "
    "in the reference, tumour and RNA, tumour copy number and somatic mutations of each allele.",
    owner="sample_id",
    key=("sample_id", "gene", "allele_index"),
    source="LILAC lilac.tsv (1.x without Genes; 2.0 with Genes and the MHC class II genes); ORANGE lilac",
    columns=(
        SAMPLE_ID,
        col("gene", S, "HLA gene, e.g. HLA-A, HLA-DQB1 (from the allele's prefix).", required=True),
        col("allele_index", I, "1 or 2: which of the gene's two alleles.", required=True, minimum=1, maximum=2),
        col("allele", S, "Allele at 2-field resolution, e.g. A*01:01.", required=True),
        col("gene_group", S, "LILAC 2.0 Genes column: the gene group the allele was typed in."),
        col("ref_total", I, "Reference (germline) fragments supporting the allele.", minimum=0),
        col("ref_unique", I, "Reference fragments unique to the allele.", minimum=0),
        col("ref_shared", I, "Reference fragments shared with other alleles.", minimum=0),
        col("ref_wild", I, "Reference fragments with wildcard matches.", minimum=0),
        col("tumor_total", I, "Tumour fragments supporting the allele.", minimum=0),
        col("tumor_unique", I, "Tumour fragments unique to the allele.", minimum=0),
        col("tumor_shared", I, "Tumour fragments shared with other alleles.", minimum=0),
        col("tumor_wild", I, "Tumour fragments with wildcard matches.", minimum=0),
        col("rna_total", I, "RNA fragments supporting the allele (expression).", minimum=0),
        col("rna_unique", I, "RNA fragments unique to the allele.", minimum=0),
        col("rna_shared", I, "RNA fragments shared with other alleles.", minimum=0),
        col("rna_wild", I, "RNA fragments with wildcard matches.", minimum=0),
        col("tumor_copy_number", F, "Tumour copy number of the allele (0: lost, loss of heterozygosity)."),
        col("somatic_missense", F, "Somatic missense variants in the allele.", minimum=0),
        col("somatic_nonsense_or_frameshift", F, "Somatic nonsense or frameshift variants in the allele.", minimum=0),
        col("somatic_splice", F, "Somatic splice variants in the allele.", minimum=0),
        col("somatic_synonymous", F, "Somatic synonymous variants in the allele.", minimum=0),
        col("somatic_inframe_indel", F, "Somatic inframe indels in the allele.", minimum=0),
    ),
)

HLA_QC = Table(
    "hla_qc",
    "LILAC QC of the HLA typing: one row per gene group (LILAC 2.0 types class I and class II separately; 1.x one row).",
    owner="sample_id",
    key=("sample_id", "gene_group"),
    source="LILAC lilac.qc.tsv",
    columns=(
        SAMPLE_ID,
        col("gene_group", S, "Gene group of the row (LILAC 2.0 Genes); 'HLA_CLASS_I' for LILAC 1.x files.", required=True),
        col("status", S, "QC status: PASS or WARN_/FAIL flags joined with ';'.", required=True),
        col("score_margin", F, "Score margin to the next-best solution."),
        col("next_solution_alleles", S, "Alleles of the next-best solution."),
        col("median_base_quality", F, "Median base quality.", minimum=0),
        col("hla_y_allele", S, "HLA-Y pseudogene allele found, or NONE."),
        col("discarded_indels", I, "Indels discarded.", minimum=0),
        col("discarded_alignment_fragments", I, "Fragments discarded for alignment.", minimum=0),
        col("low_coverage_bases", I, "Bases below the coverage threshold (1.x: A_, B_ and C_LowCoverageBases summed).", minimum=0),
        col("gene_types", S, "Distinct allele types per gene (2.0 geneTypes; 1.x ATypes;BTypes;CTypes)."),
        col("total_fragments", I, "Fragments considered.", minimum=0),
        col("fitted_fragments", I, "Fragments explained by the solution.", minimum=0),
        col("unmatched_fragments", I, "Fragments not matching the solution.", minimum=0),
        col("uninformative_fragments", I, "Uninformative fragments.", minimum=0),
        col("hla_y_fragments", I, "HLA-Y fragments.", minimum=0),
        col("percent_unique", F, "Share of fragments unique to one allele.", minimum=0, maximum=1),
        col("percent_shared", F, "Share of fragments shared.", minimum=0, maximum=1),
        col("percent_wildcard", F, "Share of fragments with wildcards.", minimum=0, maximum=1),
        col("unused_amino_acids", I, "Unused amino acids.", minimum=0),
        col("unused_haplotypes", I, "Unused haplotypes.", minimum=0),
        col("somatic_variants_matched", I, "Somatic HLA variants assigned to an allele.", minimum=0),
        col("somatic_variants_unmatched", I, "Somatic HLA variants not assigned.", minimum=0),
    ),
)

VIRUS = Table(
    "virus",
    "Viruses found in the tumour (VIRUSBreakend, interpreted by Virus Interpreter): presence, integration sites "
    "and, for oncogenic viruses (HPV, HBV, EBV, MCV, HHV-8), the driver likelihood.",
    owner="sample_id",
    key=("sample_id", "name"),
    source="Virus Interpreter virus.annotated.tsv, ORANGE virusInterpreter (no taxid)",
    columns=(
        SAMPLE_ID,
        col("taxid", I, "NCBI taxonomy id of the virus (empty when only ORANGE reported it)."),
        col("name", S, "Virus name.", required=True),
        col("qc_status", S, "VIRUSBreakend QC status, e.g. NO_ABNORMALITIES, LOW_VIRAL_COVERAGE."),
        col("integrations", I, "Integration sites of the virus in the tumour genome (0: present, not integrated).", minimum=0),
        col("interpretation", S, "Oncogenic virus type (HPV, HBV, EBV, MCV, HHV-8 ...), empty for other viruses."),
        col("integrated", B, "At least one integration site (integrations > 0)."),
        col("percentage_covered", F, "Percentage of the viral genome covered.", unit="%", minimum=0, maximum=100),
        col("mean_coverage", F, "Mean viral coverage.", minimum=0),
        col("expected_clonal_coverage", F, "Coverage expected for a clonal integration."),
        col("reported", B, "Reported in the clinical report."),
        col("blacklisted", B, "On the virus blacklist (likely artefact)."),
        col("driver_likelihood", S, "Driver likelihood of the virus.", codes=C.VIRUS_LIKELIHOODS),
    ),
)

SIGNATURE_ALLOCATION = Table(
    "signature_allocation",
    "SIGS mutational signatures: the somatic SNVs allocated to each COSMIC signature.",
    owner="sample_id",
    key=("sample_id", "signature"),
    source="SIGS sig.allocation.tsv; ORANGE sigAllocations",
    columns=(
        SAMPLE_ID,
        col("signature", S, "Signature, e.g. Sig7 (UV), Sig4 (tobacco), Sig3 (HRD).", required=True),
        col("allocation", F, "Number of SNVs allocated to the signature.", minimum=0),
        col("percent", F, "Share of the sample's SNVs allocated (0..1).", minimum=0, maximum=1),
    ),
)

PHARMACOGENOMIC_HAPLOTYPE = Table(
    "pharmacogenomic_haplotype",
    "PEACH pharmacogenomic haplotypes of the germline (e.g. DPYD, UGT1A1) with their function and linked drugs.",
    owner="sample_id",
    key=("sample_id", "gene", "haplotype"),
    source="PEACH peach.haplotypes.best.tsv (prefixed with the normal sample's id); ORANGE peach",
    columns=(
        SAMPLE_ID,
        col("gene", S, "Pharmacogene.", required=True),
        col("haplotype", S, "Haplotype, e.g. *1, *2A.", required=True),
        col("count", I, "Copies of the haplotype (1 or 2).", minimum=0),
        col("function", S, "Haplotype function, e.g. Normal Function, Reduced Function, No Function."),
        col("linked_drugs", S, "Drugs whose dosing the gene affects, ';'-joined."),
        col("prescription_urls", S, "Prescription guideline URLs, ';'-joined."),
    ),
    extra=GERMLINE,
)

TELOMERE_LENGTH = Table(
    "telomere_length",
    "TEAL telomere length of the tumour and of the reference (normal) sample.",
    owner="sample_id",
    key=("sample_id", "sample_type"),
    source="TEAL teal.tellength.tsv (tumour and normal files)",
    columns=(
        SAMPLE_ID,
        col("sample_type", S, "Which sample the length is of: tumor or ref.", required=True, codes=C.TELOMERE_SAMPLE_TYPES),
        col("raw_telomere_length", F, "Telomere length before purity/ploidy correction.", unit="bp", minimum=0),
        col("final_telomere_length", F, "Telomere length corrected for purity and ploidy.", unit="bp"),
        col("full_fragments", I, "Fully telomeric fragments.", minimum=0),
        col("c_rich_partial_fragments", I, "C-rich partially telomeric fragments.", minimum=0),
        col("g_rich_partial_fragments", I, "G-rich partially telomeric fragments.", minimum=0),
        col("total_telomeric_reads", I, "Telomeric reads.", minimum=0),
        col("purity", F, "Purity used.", minimum=0, maximum=1),
        col("ploidy", F, "Ploidy used.", minimum=0),
        col("duplicate_proportion", F, "Proportion of duplicate reads.", minimum=0, maximum=1),
        col("mean_read_depth", F, "Mean read depth.", minimum=0),
        col("gc50_read_depth", F, "Read depth at 50% GC.", minimum=0),
        col("mean_reads_per_kb", F, "Mean reads per kb (TEAL before WiGiTS 3.0, from COBALT).", minimum=0),
        col("gc50_reads_per_kb", F, "Reads per kb at 50% GC (TEAL before WiGiTS 3.0).", minimum=0),
    ),
)

RNA_STATISTICS = Table(
    "rna_statistics",
    "Isofox RNA sequencing summary and QC of the sample's transcriptome.",
    owner="sample_id",
    key=("sample_id",),
    source="Isofox isf.summary (.csv up to 1.7, .tsv from 2.0)",
    columns=(
        SAMPLE_ID,
        col("qc_status", S, "Isofox QC status (Isofox 2.0; empty before)."),
        col("total_fragments", I, "Fragments read.", minimum=0),
        col("duplicate_fragments", I, "Duplicate fragments.", minimum=0),
        col("spliced_fragment_perc", F, "Share of spliced fragments.", minimum=0, maximum=1),
        col("unspliced_fragment_perc", F, "Share of unspliced fragments.", minimum=0, maximum=1),
        col("alt_fragment_perc", F, "Share of alternatively spliced fragments.", minimum=0, maximum=1),
        col("chimeric_fragment_perc", F, "Share of chimeric fragments.", minimum=0, maximum=1),
        col("spliced_gene_count", I, "Genes with spliced fragments.", minimum=0),
        col("read_length", I, "Read length.", minimum=0),
        col("frag_length_5th", F, "5th percentile fragment length.", minimum=0),
        col("frag_length_50th", F, "Median fragment length.", minimum=0),
        col("frag_length_95th", F, "95th percentile fragment length.", minimum=0),
        col("enriched_gene_percent", F, "Share of fragments in highly enriched genes.", minimum=0, maximum=1),
        col("median_gc_ratio", F, "Median GC ratio.", minimum=0, maximum=1),
        col("forward_strand_percent", F, "Share of forward-strand fragments (Isofox 2.0).", minimum=0, maximum=1),
    ),
)

GENE_EXPRESSION = Table(
    "gene_expression",
    "Isofox gene expression: TPM per gene, with the percentile against the sample's cancer type and the whole cohort.",
    owner="sample_id",
    key=("sample_id", "gene_id"),
    source="Isofox isf.gene_data",
    columns=(
        SAMPLE_ID,
        col("gene_id", S, "Ensembl gene id.", required=True),
        col("gene", S, "Gene symbol.", required=True),
        col("chromosome", S, "Contig."),
        col("gene_length", I, "Gene length.", minimum=0),
        col("intronic_length", I, "Intronic length.", minimum=0),
        col("transcript_count", I, "Transcripts of the gene.", minimum=0),
        col("spliced_fragments", I, "Spliced fragments.", minimum=0),
        col("unspliced_fragments", I, "Unspliced fragments.", minimum=0),
        col("adjusted_tpm", F, "Expression in transcripts per million, adjusted (AdjTPM).", unit="TPM", minimum=0),
        col("raw_tpm", F, "Raw TPM.", unit="TPM", minimum=0),
        col("fit_residuals", F, "Expectation-maximisation fit residuals."),
        col("low_map_qual_frags", F, "Fragments with low mapping quality.", minimum=0),
        col("median_tpm_cancer", F, "Median TPM of the gene in the sample's cancer type (Isofox 2.0).", unit="TPM"),
        col("percentile_cancer", F, "Percentile of the sample within its cancer type.", minimum=0, maximum=100),
        col("median_tpm_cohort", F, "Median TPM of the gene in the cohort.", unit="TPM"),
        col("percentile_cohort", F, "Percentile of the sample within the cohort.", minimum=0, maximum=100),
        col("reported_status", S, "Reporting status (Isofox 2.0).", codes=C.REPORTED_STATUS),
    ),
)

NOVEL_SPLICE_JUNCTION = Table(
    "novel_splice_junction",
    "Isofox novel (alternative) splice junctions not in the annotated transcripts.",
    owner="sample_id",
    key=("sample_id", "gene", "chromosome", "sj_start", "sj_end"),
    source="Isofox isf.alt_splice_junc",
    columns=(
        SAMPLE_ID,
        col("gene", S, "Gene symbol.", required=True),
        col("chromosome", S, "Contig.", required=True),
        col("sj_start", I, "Junction start.", required=True, minimum=1),
        col("sj_end", I, "Junction end.", required=True, minimum=1),
        col("type", S, "Junction type, e.g. SKIPPED_EXONS, NOVEL_EXON, NOVEL_INTRON, NOVEL_3_PRIME, NOVEL_5_PRIME."),
        col("frag_count", I, "Fragments supporting the junction.", minimum=0),
        col("depth_start", I, "Read depth at the start.", minimum=0),
        col("depth_end", I, "Read depth at the end.", minimum=0),
        col("region_start", S, "Region type at the start (e.g. EXONIC, INTRONIC)."),
        col("region_end", S, "Region type at the end."),
        col("base_start", S, "Bases at the start."),
        col("base_end", S, "Bases at the end."),
        col("transcript_start", S, "Transcripts at the start."),
        col("transcript_end", S, "Transcripts at the end."),
        col("exon_start", S, "Exons at the start (Isofox 2.0)."),
        col("exon_end", S, "Exons at the end (Isofox 2.0)."),
        col("cohort_frequency", I, "Samples of the cohort with the junction (Isofox 2.0).", minimum=0),
    ),
)

RNA_FUSION = Table(
    "rna_fusion",
    "Isofox fusions seen in RNA (passing filters), with their supporting fragments.",
    owner="sample_id",
    key=("sample_id", "chromosome_up", "position_up", "orientation_up", "chromosome_down", "position_down", "orientation_down"),
    source="Isofox isf.pass_fusions (1.7 and 2.0 layouts)",
    columns=(
        SAMPLE_ID,
        col("name", S, "5'GENE_3'GENE.", required=True),
        col("gene_up", S, "Upstream (5') gene."),
        col("gene_down", S, "Downstream (3') gene."),
        col("known_type", S, "Known-fusion type, e.g. KNOWN_PAIR, NONE."),
        col("chromosome_up", S, "Upstream contig.", required=True),
        col("position_up", I, "Upstream position.", required=True, minimum=1),
        col("orientation_up", I, "Upstream orientation (1 or -1).", required=True),
        col("chromosome_down", S, "Downstream contig.", required=True),
        col("position_down", I, "Downstream position.", required=True, minimum=1),
        col("orientation_down", I, "Downstream orientation.", required=True),
        col("junction_type_up", S, "Upstream junction type (KNOWN, CANONICAL, NON_CANONICAL)."),
        col("junction_type_down", S, "Downstream junction type."),
        col("transcript_up", S, "Upstream transcript (Isofox 2.0)."),
        col("transcript_down", S, "Downstream transcript (Isofox 2.0)."),
        col("exon_up", I, "Upstream exon (Isofox 2.0)."),
        col("exon_down", I, "Downstream exon (Isofox 2.0)."),
        col("sv_type", S, "Implied SV type (BND, DEL, DUP, INV)."),
        col("split_fragments", I, "Split fragments.", minimum=0),
        col("realigned_fragments", I, "Realigned fragments.", minimum=0),
        col("discordant_fragments", I, "Discordant fragments.", minimum=0),
        col("depth_up", I, "Depth at the upstream breakend.", minimum=0),
        col("depth_down", I, "Depth at the downstream breakend.", minimum=0),
        col("max_anchor_length_up", I, "Longest anchor upstream.", minimum=0),
        col("max_anchor_length_down", I, "Longest anchor downstream.", minimum=0),
        col("cohort_frequency", I, "Samples of the cohort with the fusion.", minimum=0),
    ),
)

GERMLINE_VARIANT = Table(
    "germline_variant",
    "Germline (inherited) SNVs and indels in the reference sample, from PURPLE's germline VCF, with ClinVar "
    "pathogenicity. Identifying: released and analysed only with germline consent and an approval naming it.",
    owner="sample_id",
    key=("sample_id", "chromosome", "position", "ref", "alt"),
    source="PURPLE purple.germline.vcf.gz (SAGE germline + PAVE + PURPLE INFO)",
    columns=(
        SAMPLE_ID,
        col("chromosome", S, "Contig (1..22, X, Y, MT).", required=True),
        col("position", I, "1-based position.", required=True, minimum=1),
        col("ref", S, "Reference allele.", required=True),
        col("alt", S, "Alternate allele.", required=True),
        col("type", S, "Variant type.", codes=C.VARIANT_TYPES),
        col("filter", S, "VCF FILTER: PASS or the failed filters (LOW_VAF, LOW_TUMOR_VCN ...)."),
        col("gene", S, "Gene of the canonical impact."),
        col("transcript", S, "Canonical transcript."),
        col("canonical_effect", S, "Canonical effect(s)."),
        col("coding_effect", S, "Canonical coding effect.", codes=C.CODING_EFFECTS),
        col("hgvs_coding", S, "HGVS coding change."),
        col("hgvs_protein", S, "HGVS protein change."),
        col("genotype", S, "Reference-sample genotype: HOM_REF, HET, HOM_ALT.", codes=("HOM_REF", "HET", "HOM_ALT", "UNKNOWN")),
        col("germline_allele_read_count", I, "Reference-sample reads supporting the alternate allele.", minimum=0),
        col("germline_total_read_count", I, "Reference-sample depth.", minimum=0),
        col("tumor_allele_read_count", I, "Tumour reads supporting the alternate allele.", minimum=0),
        col("tumor_total_read_count", I, "Tumour depth.", minimum=0),
        col("adjusted_vaf", F, "Purity-adjusted tumour VAF (PURPLE_AF)."),
        col("copy_number", F, "Local copy number (PURPLE_CN)."),
        col("variant_copy_number", F, "Variant copy number (PURPLE_VCN)."),
        col("minor_allele_copy_number", F, "Minor allele copy number (PURPLE_MACN)."),
        col("biallelic", B, "Biallelic in the tumour (second hit)."),
        col("hotspot", S, "Hotspot status.", codes=C.HOTSPOT),
        col("reported", B, "In the germline driver catalogue (REPORTED)."),
        col("pathogenicity", S, "ClinVar-based pathogenicity (PATH).", codes=C.PATHOGENICITY),
        col("pathogenic", B, "PATHOGENIC or LIKELY_PATHOGENIC."),
        col("clinvar_significance", S, "ClinVar clinical significance (CLNSIG)."),
        col("gnomad_frequency", F, "gnomAD population frequency.", minimum=0, maximum=1),
    ),
    extra=GERMLINE,
)

QC_METRIC = Table(
    "qc_metric",
    "QSEE quality-control features with their thresholds' verdict, per sample type and source tool (WiGiTS 3.0).",
    owner="sample_id",
    key=("sample_id", "sample_type", "source_tool", "feature_type", "feature_name"),
    source="QSEE qsee.status.tsv.gz",
    columns=(
        SAMPLE_ID,
        col("sample_type", S, "TUMOR or REFERENCE.", required=True),
        col("source_tool", S, "Tool the feature comes from, e.g. PURPLE, BAM_METRICS.", required=True),
        col("feature_type", S, "Feature type, e.g. SUMMARY_TABLE, COVERAGE_DISTRIBUTION.", required=True),
        col("feature_name", S, "Feature, e.g. PURITY, MEAN_COVERAGE.", required=True),
        col("feature_value", F, "Value of the feature."),
        col("qc_status", S, "Verdict against the threshold.", codes=C.QSEE_QC_STATUS),
        col("fail_condition", S, "The threshold that failed or warned."),
    ),
)

TOOL_TABLES: tuple[Table, ...] = (
    CUPPA_PREDICTION, HLA_ALLELE, HLA_QC, VIRUS, SIGNATURE_ALLOCATION, PHARMACOGENOMIC_HAPLOTYPE, TELOMERE_LENGTH,
    RNA_STATISTICS, GENE_EXPRESSION, NOVEL_SPLICE_JUNCTION, RNA_FUSION, GERMLINE_VARIANT, QC_METRIC,
)


# -- WiGiTS 2.x / 3.0 outputs onconode reads beyond the core model (issue 17, items 1-3) --------------

GERMLINE_AMP_DEL = Table(
    "germline_amp_del",
    "Germline deletions and amplifications PURPLE found in the normal (patient-db germlineCopyNumber). "
    "Germline data is identifying: released and analysed only where consent and the approved data items include it.",
    owner="sample_id",
    key=("sample_id", "event_id"),
    source="PURPLE germline_amp_del.tsv (4.4+; before: germline.deletion.tsv, deletions only)",
    columns=(
        SAMPLE_ID,
        col("event_id", I, "Row number in PURPLE's file: the file has no key of its own (one gene and region can "
            "appear twice with different copy numbers).", required=True, minimum=1),
        col("gene", S, "Gene symbol.", required=True),
        col("transcript", S, "Transcript id (PURPLE 4.4+)."),
        col("chromosome", S, "Contig.", required=True),
        col("chromosome_band", S, "Cytoband."),
        col("region_start", I, "Start of the germline region.", required=True, minimum=1),
        col("region_end", I, "End of the germline region.", required=True, minimum=1),
        col("depth_window_count", I, "COBALT depth windows in the region.", minimum=0),
        col("exon_start", I, "First exon of the gene the region covers."),
        col("exon_end", I, "Last exon of the gene the region covers."),
        col("is_partial", B, "The region covers only part of the gene (PURPLE 4.4+)."),
        col("detection_method", S, "How the event was detected, e.g. SEGMENT, SV."),
        col("germline_status", S, "Status in the normal, e.g. HOM_DELETION, HET_DELETION, AMPLIFICATION, LIKELY_DIPLOID."),
        col("tumor_status", S, "Status in the tumour."),
        col("germline_copy_number", F, "Copy number in the normal."),
        col("tumor_copy_number", F, "Copy number in the tumour."),
        col("filter", S, "PASS or the failed filters, e.g. COHORT_FREQ."),
        col("cohort_frequency", I, "Samples of the reference cohort with the same event.", minimum=0),
        col("reported_status", S, "Reporting status (PURPLE 4.4 reportedStatus; from the boolean `reported` before).", codes=C.REPORTED_STATUS),
    ),
    extra=GERMLINE,
)

CHROMOSOME_ARM_COPY_NUMBER = Table(
    "chromosome_arm_copy_number",
    "Copy number per chromosome arm (PURPLE 4.3+ chromosome_arm.tsv).",
    owner="sample_id",
    key=("sample_id", "chromosome", "arm"),
    source="PURPLE chromosome_arm.tsv",
    columns=(
        SAMPLE_ID,
        col("chromosome", S, "Contig.", required=True),
        col("arm", S, "Chromosome arm: P or Q.", required=True, codes=("P", "Q")),
        col("mean_copy_number", F, "Mean copy number over the arm."),
        col("median_copy_number", F, "Median copy number over the arm."),
        col("min_copy_number", F, "Minimum copy number on the arm."),
        col("max_copy_number", F, "Maximum copy number on the arm."),
    ),
)

SV_DRIVER = Table(
    "sv_driver",
    "LINX's link from a driver gene to the SV cluster causing it (patient-db svDriver).",
    owner="sample_id",
    key=("sample_id", "cluster_id", "gene", "event_type"),
    source="LINX drivers.tsv",
    columns=(
        SAMPLE_ID,
        col("cluster_id", I, "LINX cluster id (-1: no cluster).", required=True),
        col("gene", S, "Driver gene.", required=True),
        col("event_type", S, "Event, e.g. GAIN, DEL, LOH_SV_TELO, HOM_DEL_DISRUPTION.", required=True),
    ),
)

SV_CLUSTER = Table(
    "sv_cluster",
    "LINX clusters of structural variants and how each was resolved (patient-db svCluster).",
    owner="sample_id",
    key=("sample_id", "cluster_id"),
    source="LINX clusters.tsv",
    columns=(
        SAMPLE_ID,
        col("cluster_id", I, "LINX cluster id.", required=True),
        col("category", S, "Category, e.g. SIMPLE, COMPLEX, LINE, ARTIFACT."),
        col("synthetic", B, "A synthetic (inferred, multi-SV) event."),
        col("resolved_type", S, "Resolved type, e.g. DEL, RECIP_TRANS, COMPLEX, LINE."),
        col("cluster_count", I, "SVs in the cluster.", minimum=0),
        col("cluster_desc", S, "SV types in the cluster, e.g. INV=2."),
    ),
)

SV_LINK = Table(
    "sv_link",
    "LINX chained links between SV breakends: templated insertions and chains (patient-db svLink).",
    owner="sample_id",
    key=("sample_id", "cluster_id", "chain_id", "chain_index", "lower_sv_id", "upper_sv_id"),
    source="LINX links.tsv",
    columns=(
        SAMPLE_ID,
        col("cluster_id", I, "LINX cluster id.", required=True),
        col("chain_id", I, "Chain id within the cluster.", required=True),
        col("chain_index", S, "Position(s) of the link in the chain; ';'-separated when repeated.", required=True),
        col("chain_count", I, "Times the chain is repeated.", minimum=0),
        col("lower_sv_id", S, "SV at the lower breakend.", required=True),
        col("upper_sv_id", S, "SV at the upper breakend.", required=True),
        col("lower_breakend_is_start", B, "The lower breakend is its SV's start."),
        col("upper_breakend_is_start", B, "The upper breakend is its SV's start."),
        col("chromosome", S, "Contig."),
        col("arm", S, "Chromosome arm: P or Q."),
        col("assembled", B, "The link is supported by assembly."),
        col("traversed_sv_count", I, "SVs the link traverses.", minimum=0),
        col("length", I, "Length of the link in bases."),
        col("junction_copy_number", F, "Junction copy number of the link."),
        col("junction_copy_number_uncertainty", F, "Uncertainty of the junction copy number."),
        col("pseudogene_info", S, "Pseudogene the link matches, if any."),
        col("ec_dna", B, "Part of extrachromosomal DNA."),
    ),
)

TOOL_VERSION = Table(
    "tool_version",
    "Pipeline and tool versions that produced a sample's data, one row per tool: what a definition depends on "
    "(PURPLE 4.4 / WiGiTS 3.0 raised the TMB/TML minimum VAF from 0.02 to 0.05), so analyses can stratify by version.",
    owner="sample_id",
    key=("sample_id", "tool"),
    source="VCF headers (##purpleVersion, ##sageVersion, ##PaveVersion, ##esveeVersion), <tool>.version files, "
           "oncoanalyser pipeline_info/software_versions.yml, ORANGE",
    columns=(
        SAMPLE_ID,
        col("tool", S, "Tool in lower case (purple, linx, sage, pave, esvee, orange ...), or 'pipeline' for the "
            "workflow (nf-core/oncoanalyser) and 'wigits' for the WiGiTS generation derived from the versions.", required=True),
        col("version", S, "Version as the source writes it, e.g. 4.4, 2.3.1.", required=True),
        col("source", S, "File the version was read from."),
    ),
)

WIGITS_TABLES: tuple[Table, ...] = (GERMLINE_AMP_DEL, CHROMOSOME_ARM_COPY_NUMBER, SV_DRIVER, SV_CLUSTER, SV_LINK, TOOL_VERSION)
