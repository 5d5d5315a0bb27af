"""Every table of the harmonized cancer-WGS model, defined once.

Genomic tables follow Hartwig's patient-db (keyed by the tumour `sample_id`, no foreign
keys to clinical tables); clinical tables follow its clinical schema (patient → sample /
biopsy, treatment regimen → drugs, responses). Identifiers are the node's pseudonyms;
hospital identifiers never enter the store.
"""

from __future__ import annotations

from dataclasses import replace

from onconode.model import codes as C
from onconode.model.columns import PATIENT_ID, SAMPLE_ID, B, D, F, I, S
from onconode.model.schema import Kind as K
from onconode.model.schema import Table, col
from onconode.model.tool_tables import (  # noqa: F401  (re-exported: readers import them from here)
    GERMLINE,
    CUPPA_PREDICTION,
    HLA_ALLELE,
    HLA_QC,
    VIRUS,
    SIGNATURE_ALLOCATION,
    PHARMACOGENOMIC_HAPLOTYPE,
    TELOMERE_LENGTH,
    RNA_STATISTICS,
    GENE_EXPRESSION,
    NOVEL_SPLICE_JUNCTION,
    RNA_FUSION,
    GERMLINE_VARIANT,
    QC_METRIC,
    TOOL_TABLES,
    GERMLINE_AMP_DEL,
    CHROMOSOME_ARM_COPY_NUMBER,
    SV_DRIVER,
    SV_CLUSTER,
    SV_LINK,
    TOOL_VERSION,
    WIGITS_TABLES,
)
from onconode.model.cider_tables import CDR3_LOCUS_SUMMARY, CDR3_SEQUENCE, CIDER_TABLES  # noqa: F401  (re-exported)
from onconode.model.linx_germline_tables import GERMLINE_STRUCTURAL_VARIANT, LINX_GERMLINE_TABLES  # noqa: F401  (re-exported)
from onconode.model.treatment_tables import SURVIVAL_ENDPOINT, TREATMENT, TREATMENT_DRUG, TREATMENT_RESPONSE

DATASET = Table(
    "dataset",
    "A collection of patients released under one consent and licence regime.",
    owner="dataset_id",
    key=("dataset_id",),
    level="dataset",
    columns=(
        col("dataset_id", S, "Dataset identifier.", required=True),
        col("title", S, "Human-readable title.", required=True),
        col("description", S, "What the dataset holds and how it was collected."),
        col("node", S, "Node (data provider) holding the dataset."),
        col("consent_duo", S, "DUO codes of the dataset's consent, comma-separated (e.g. DUO:0000042,DUO:0000019)."),
        col("licence_type", S, "Licence required for access.", codes=("EEA", "non-EEA", "open", "clinical")),
    ),
)

PATIENT = Table(
    "patient",
    "One person with cancer; survival and follow-up live here.",
    owner="patient_id",
    key=("patient_id",),
    level="patient",
    columns=(
        PATIENT_ID,
        col("dataset_id", S, "Dataset the patient belongs to.", required=True),
        col("sex", S, "Sex as recorded in the clinical record.", codes=C.SEX),
        col("birth_year", I, "Year of birth (full date is never stored).", minimum=1880, maximum=2100),
        col("hospital_code", S, "Pseudonymous code of the treating hospital (never the hospital's patient id)."),
        col("registration_date", D, "Date the patient entered the study or registry (arrival month for reports)."),
        col("diagnosis_date", D, "Date of the primary diagnosis; entry after it means left truncation in survival."),
        col("death_date", D, "Date of death, empty while alive."),
        col("last_follow_up_date", D, "Last date the patient was known to be alive (censoring date)."),
        col("informed_consent_date", D, "Date of informed consent."),
    ),
)

CONSENT = Table(
    "consent",
    "Consent of a patient expressed as GA4GH Data Use Ontology (DUO) terms; one row per term.",
    owner="patient_id",
    key=("patient_id", "duo_code"),
    level="patient",
    columns=(
        PATIENT_ID,
        col("duo_code", S, "DUO term id, e.g. DUO:0000042 (GRU) or DUO:0000007 (DS).", required=True),
        col("modifier", S, "Qualifier of the term: a DOID for DS, a region for GS, a date for TS."),
        col("consent_date", D, "Date the consent was given or last changed."),
    ),
)

SAMPLE = Table(
    "sample",
    "A biopsy or other tumour material of a patient: where it came from and what the tumour is.",
    owner="patient_id",
    key=("sample_id",),
    level="patient",
    columns=(
        SAMPLE_ID,
        PATIENT_ID,
        col("sampling_date", D, "Date the biopsy or specimen was taken."),
        col("arrival_date", D, "Date the material arrived at the sequencing facility."),
        col("tissue_source", S, "Material: solid tissue, or blood / bone marrow for haematological malignancies.", codes=C.TISSUE_SOURCES),
        col("biopsy_site", S, "Curated biopsy site, e.g. Liver, Lymph node, Primary."),
        col("biopsy_location", S, "Free-text biopsy location as recorded."),
        col("primary_tumor_location", S, "Curated primary tumour location, e.g. Lung, Breast, Skin, Bone marrow."),
        col("primary_tumor_sub_location", S, "Curated primary tumour sub-location."),
        col("primary_tumor_type", S, "Curated primary tumour type, e.g. Carcinoma, Melanoma, Leukemia."),
        col("primary_tumor_sub_type", S, "Curated primary tumour sub-type, e.g. Non-small cell carcinoma."),
        col("primary_tumor_doids", S, "Disease Ontology ids of the primary tumour, comma-separated (e.g. 8923)."),
        col("primary_tumor_curated", B, "Whether the free-text tumour location was mapped by the curation table."),
        col("pathology_tumor_percentage", F, "Tumour cell percentage estimated by the pathologist.", unit="%", minimum=0, maximum=100),
        # haematological samples (issue 17, item 5): tumour from blood or bone marrow, normal from skin or saliva
        col("normal_tissue_source", S, "Material of the matched normal (germline) sample: blood for solid tumours; skin or saliva when the tumour is in the blood or bone marrow.", codes=C.NORMAL_SOURCES),
        col("haematological_diagnosis", S, "Haematological diagnosis as classified (WHO 5th edition / ICC 2022 name), e.g. AML with mutated NPM1."),
        col("haematological_diagnosis_code", S, "ICD-O-3 morphology code of the haematological diagnosis, e.g. 9861/3 (acute myeloid leukaemia, NOS)."),
        col("eln_risk", S, "ELN 2022 genetic risk group of an AML at this sample's diagnosis.", codes=C.ELN_2022_RISK),
    ),
)

TUMOR_PROFILE = Table(
    "tumor_profile",
    "Per sequenced sample: reference genome, purity, ploidy and genome-wide characteristics (PURPLE, CHORD).",
    owner="sample_id",
    key=("sample_id",),
    source="PURPLE purity.tsv / .qc, CHORD prediction, ORANGE; generic readers fill reference genome only",
    columns=(
        SAMPLE_ID,
        col("ref_genome", S, "Reference genome the sample's coordinates are on.", required=True, codes=C.REF_GENOMES),
        col("pipeline", S, "Pipeline or caller and version that produced the data."),
        col("purity", F, "Tumour purity fitted by PURPLE.", minimum=0, maximum=1),
        col("ploidy", F, "Average tumour ploidy.", minimum=0, maximum=20),
        col("fit_method", S, "PURPLE fit method.", codes=C.FIT_METHODS),
        col("gender", S, "Gender inferred from the genome (AMBER/COBALT).", codes=("MALE", "FEMALE")),
        col("whole_genome_duplication", B, "Whole genome duplication."),
        col("ms_indels_per_mb", F, "Microsatellite indels per Mb.", unit="/Mb", minimum=0),
        col("msi_status", S, "Microsatellite status (MSI if > 4 indels/Mb).", codes=C.MSI_STATUS),
        col("tmb_per_mb", F, "Tumour mutational burden: PASS SNV/MNV/indels per Mb (2,859 Mb genome). Version-dependent: "
            "PURPLE <= 4.3 (WiGiTS 2.x) counts variants with VAF >= 0.02, PURPLE >= 4.4 (WiGiTS 3.0) VAF >= 0.05; "
            "the sample's PURPLE version is in tool_version. Targeted (panel) runs (targeted = true): PURPLE's estimate from the "
            "panel's coding, non-hotspot SNVs absent from gnomAD, scaled to the genome by the panel's target_tmb_ratio: "
            "another definition, so stratify by `targeted`.", unit="/Mb", minimum=0),
        col("tmb_status", S, "TMB status (HIGH if > 10/Mb).", codes=C.BURDEN_STATUS),
        col("tml", I, "Tumour mutational load: missense variant count (the same VAF floor as tmb_per_mb, so version-dependent). "
            "Targeted (panel) runs: the panel's missense count scaled to a genome by the panel's target_tml_ratio.", minimum=0),
        col("tml_status", S, "TML status (HIGH if > 140).", codes=C.BURDEN_STATUS),
        col("sv_tmb", I, "Structural-variant burden.", minimum=0),
        col("hrd_score", F, "CHORD homologous-recombination-deficiency probability.", minimum=0, maximum=1),
        col("hr_status", S, "CHORD HR status.", codes=C.HR_STATUS),
        col("hrd_type", S, "CHORD HRD type (BRCA1_type, BRCA2_type, none, ...)."),
        col("qc_status", S, "PURPLE QC status: PASS or a comma-separated list of FAIL_/WARN_ flags."),
        col("mean_depth", F, "Mean tumour read depth (AMBER mean depth).", unit="x", minimum=0),
        col("contamination", F, "Estimated contamination.", minimum=0, maximum=1),
        col("copy_number_segments", I, "Number of copy-number segments.", minimum=0),
        col("deleted_genes", I, "Number of homozygously deleted genes.", minimum=0),
        col("unsupported_copy_number_segments", I, "Copy-number segments without SV or centromere/telomere support (PURPLE .qc UnsupportedCopyNumberSegments).", minimum=0),
        col("amber_gender", S, "Gender AMBER inferred from BAF points (PURPLE .qc AmberGender)."),
        col("cobalt_gender", S, "Gender COBALT inferred from depth ratios (PURPLE .qc CobaltGender)."),
        col("germline_aberrations", S, "Germline aberrations PURPLE detected (.qc GermlineAberrations: NONE, KLINEFELTER, MOSAIC_X ...)."),
        col("loh_percent", F, "Fraction of the genome with loss of heterozygosity (PURPLE .qc LohPercent).", minimum=0, maximum=1),
        col("tinc_level", F, "Tumour-in-normal contamination SAGE estimated (PURPLE .qc TincLevel; PURPLE 4.3+): WARN_TINC above 0, FAIL_TINC at 0.25 and above.", minimum=0, maximum=1),
        col("chimerism_percentage", F, "Donor chimerism after a transplant (PURPLE .qc ChimerismPercentage; written up to PURPLE 4.3, removed in 4.4).", minimum=0, maximum=100),
        col("run_mode", S, "PURPLE run mode: TUMOR_GERMLINE (tumour/normal), TUMOR (tumour-only) or GERMLINE.", codes=("TUMOR_GERMLINE", "TUMOR", "GERMLINE")),
        col("targeted", B, "PURPLE ran in targeted (panel) mode (oncoanalyser --mode targeted); the panel is in sample_gene_panel."),
        col("profiled", S, "Data types the sample was profiled for, comma-separated (mutations, cna, structural_variants): the denominators of alteration frequencies, as cBioPortal's case lists define them. Empty for whole-genome samples, which are profiled for every type; 'none' for a sequenced sample profiled for no type (NA in a gene panel matrix). Which genes a targeted panel covers: sample_gene_panel."),
    ),
)

GENE_PANEL = Table(
    "gene_panel",
    "The genes a targeted sequencing panel covers (cBioPortal gene panel files); one row per panel and gene. "
    "A sample without a panel for a data type (whole genome, whole exome) covers every gene.",
    owner="panel_id",
    key=("panel_id", "gene"),
    level="dataset",
    source="cBioPortal data_gene_panel_<id>.txt (stable_id, description, gene_list), for cBioPortal studies and hmftools targeted runs",
    columns=(
        col("panel_id", S, "Panel identifier (cBioPortal stable_id), e.g. IMPACT468.", required=True),
        col("gene", S, "Gene symbol covered by the panel.", required=True),
        col("description", S, "What the panel is."),
    ),
)

SAMPLE_GENE_PANEL = Table(
    "sample_gene_panel",
    "Which gene panel a sample was profiled with, per data type: a gene counts in the sample's frequency "
    "denominators only when its panel covers it. No row for a profiled sample and type: every gene (whole genome or exome).",
    owner="sample_id",
    key=("sample_id", "profile"),
    source="cBioPortal data_gene_panel_matrix.txt, or a profile meta file's gene_panel; an hmftools targeted run's panel (oncoanalyser --panel)",
    columns=(
        SAMPLE_ID,
        col("profile", S, "Data type the panel was used for.", required=True, codes=("mutations", "cna", "structural_variants")),
        col("panel_id", S, "The panel (gene_panel.panel_id).", required=True),
    ),
)

SOMATIC_VARIANT = Table(
    "somatic_variant",
    "Somatic SNVs, MNVs and indels with SAGE / PAVE / PURPLE annotations.",
    owner="sample_id",
    key=("sample_id", "chromosome", "position", "ref", "alt"),
    source="PURPLE somatic VCF (SAGE/PAVE/PURPLE INFO), generic VCF, MAF",
    columns=(
        SAMPLE_ID,
        col("chromosome", S, "Contig name, one spelling for both builds: 1..22, X, Y, MT (a file's chr7 or chrM is stored as 7 or MT).", required=True),
        col("position", I, "1-based position of the first reference base.", required=True, minimum=1),
        col("ref", S, "Reference allele.", required=True),
        col("alt", S, "Alternate allele.", required=True),
        col("type", S, "Variant type.", codes=C.VARIANT_TYPES),
        col("filter", S, "VCF FILTER: PASS or the failed filters."),
        col("gene", S, "Gene symbol of the canonical impact (PAVE IMPACT)."),
        col("transcript", S, "Canonical transcript id."),
        col("canonical_effect", S, "Canonical transcript effect(s), e.g. missense_variant."),
        col("coding_effect", S, "Canonical coding effect.", codes=C.CODING_EFFECTS),
        col("worst_coding_effect", S, "Worst coding effect over all transcripts.", codes=C.CODING_EFFECTS),
        col("hgvs_coding", S, "HGVS coding change, e.g. c.1799T>A."),
        col("hgvs_protein", S, "HGVS protein change, e.g. p.Val600Glu."),
        col("variant_classification", S, "MAF-style classification (cBioPortal).", codes=C.VARIANT_CLASSIFICATIONS),
        col("default_filtered", B, "True for classes cBioPortal hides by default (silent, intron, UTR, flank, IGR): kept, but not counted."),
        col("allele_read_count", I, "Tumour reads supporting the alternate allele.", minimum=0),
        col("total_read_count", I, "Tumour read depth at the site.", minimum=0),
        col("vaf", F, "Observed variant allele fraction.", minimum=0, maximum=1),
        col("adjusted_vaf", F, "Purity-adjusted VAF (PURPLE_AF)."),
        col("copy_number", F, "Local copy number (PURPLE_CN)."),
        col("variant_copy_number", F, "Variant copy number (PURPLE_VCN)."),
        col("minor_allele_copy_number", F, "Minor allele copy number (PURPLE_MACN)."),
        col("biallelic", B, "PURPLE biallelic flag."),
        col("subclonal_likelihood", F, "Subclonal likelihood (SUBCL).", minimum=0, maximum=1),
        col("hotspot", S, "SAGE hotspot status.", codes=C.HOTSPOT),
        col("tier", S, "SAGE tier.", codes=C.TIERS),
        col("reported", B, "Variant is in the driver catalogue (REPORTED)."),
        col("germline_status", S, "PURPLE germline status of the region."),
        col("gnomad_frequency", F, "gnomAD population frequency.", minimum=0, maximum=1),
    ),
)

COPY_NUMBER_SEGMENT = Table(
    "copy_number_segment",
    "PURPLE copy-number segments.",
    owner="sample_id",
    key=("sample_id", "chromosome", "start", "end"),
    source="PURPLE cnv.somatic.tsv",
    columns=(
        SAMPLE_ID,
        col("chromosome", S, "Contig.", required=True),
        col("start", I, "Segment start (1-based).", required=True, minimum=1),
        col("end", I, "Segment end (inclusive).", required=True, minimum=1),
        col("copy_number", F, "Fitted absolute copy number."),
        col("minor_allele_copy_number", F, "Minor allele copy number."),
        col("major_allele_copy_number", F, "Major allele copy number."),
        col("baf", F, "Fitted B-allele frequency."),
        col("baf_count", I, "Number of AMBER BAF points.", minimum=0),
        col("depth_window_count", I, "Number of COBALT depth windows.", minimum=0),
        col("segment_start_support", S, "Evidence for the segment start.", codes=C.SEGMENT_SUPPORT),
        col("segment_end_support", S, "Evidence for the segment end.", codes=C.SEGMENT_SUPPORT),
        col("method", S, "Copy-number method.", codes=C.COPY_NUMBER_METHODS),
        col("gc_content", F, "GC content.", minimum=0, maximum=1),
    ),
)

GENE_COPY_NUMBER = Table(
    "gene_copy_number",
    "Per-gene copy number (PURPLE cnv.gene.tsv) or a discrete call (cBioPortal / GISTIC).",
    owner="sample_id",
    key=("sample_id", "gene", "transcript"),
    source="PURPLE cnv.gene.tsv (current and legacy v3 layouts), cBioPortal discrete CNA",
    columns=(
        SAMPLE_ID,
        col("gene", S, "Gene symbol.", required=True),
        col("transcript", S, "Transcript id."),
        col("is_canonical", B, "Canonical transcript."),
        col("chromosome", S, "Contig."),
        col("chromosome_band", S, "Cytoband."),
        col("start", I, "Gene start."),
        col("end", I, "Gene end."),
        col("min_copy_number", F, "Minimum exonic copy number."),
        col("max_copy_number", F, "Maximum exonic copy number."),
        col("min_minor_allele_copy_number", F, "Minimum minor allele copy number."),
        col("somatic_regions", I, "Number of copy-number regions overlapping the gene.", minimum=0),
        col("min_region_method", S, "Method of the minimum copy-number region.", codes=C.COPY_NUMBER_METHODS),
        col("relative_min_copy_number", F, "Minimum copy number relative to ploidy."),
        col("cna_call", S, "Discrete call: HOMDEL, HETLOSS, DIPLOID, GAIN, AMP.", codes=C.CNA_CALLS),
        col("min_regions", I, "Number of copy-number regions at the minimum copy number.", minimum=0),
        col("min_region_start", I, "Start of the minimum copy-number region."),
        col("min_region_end", I, "End of the minimum copy-number region."),
        col("min_region_start_support", S, "Evidence for the minimum region's start.", codes=C.SEGMENT_SUPPORT),
        col("min_region_end_support", S, "Evidence for the minimum region's end.", codes=C.SEGMENT_SUPPORT),
        col("depth_window_count", I, "COBALT depth windows over the gene (PURPLE 4.1+).", minimum=0),
        col("gc_content", F, "GC content of the gene (PURPLE 4.2+).", minimum=0, maximum=1),
        col("reported_status", S, "Whether the gene's copy-number event is reported (PURPLE 4.4+; empty before).", codes=C.REPORTED_STATUS),
        col("driver_type", S, "Driver type of the gene's copy-number event, e.g. AMP, DEL, HET_DEL, LOH (PURPLE 4.4+)."),
    ),
)

STRUCTURAL_VARIANT = Table(
    "structural_variant",
    "Somatic structural variants (Esvee/GRIDSS + PURPLE) with LINX clustering.",
    owner="sample_id",
    key=("sample_id", "sv_id"),
    source="PURPLE sv VCF, LINX svs.tsv, cBioPortal SV file",
    columns=(
        SAMPLE_ID,
        col("sv_id", S, "SV id within the sample.", required=True),
        col("type", S, "SV type.", codes=C.SV_TYPES),
        col("start_chromosome", S, "Contig of the start breakend."),
        col("start_position", I, "Position of the start breakend.", minimum=1),
        col("start_orientation", I, "Orientation of the start breakend (1 or -1)."),
        col("end_chromosome", S, "Contig of the end breakend (empty for single breakends)."),
        col("end_position", I, "Position of the end breakend.", minimum=1),
        col("end_orientation", I, "Orientation of the end breakend."),
        col("filter", S, "VCF FILTER."),
        col("qual", F, "Quality score."),
        col("junction_copy_number", F, "Junction copy number (PURPLE_JCN)."),
        col("start_af", F, "Allele frequency at the start breakend."),
        col("end_af", F, "Allele frequency at the end breakend."),
        col("cluster_id", I, "LINX cluster id."),
        col("start_gene", S, "Gene at the start breakend."),
        col("end_gene", S, "Gene at the end breakend."),
        col("junction_copy_number_min", F, "Lower bound of the junction copy number LINX estimated (svs.tsv junctionCopyNumberMin)."),
        col("junction_copy_number_max", F, "Upper bound of the junction copy number LINX estimated (svs.tsv junctionCopyNumberMax)."),
        col("cluster_reason", S, "Why LINX clustered the SV with others, e.g. PROXIMITY, LOH, FOLDBACKS."),
        col("is_foldback", B, "The SV forms a fold-back inversion."),
        col("fragile_site_start", B, "Start breakend lies in a known fragile site."),
        col("fragile_site_end", B, "End breakend lies in a known fragile site."),
        col("line_type_start", S, "LINE element at the start breakend: NONE, SUSPECT, KNOWN."),
        col("line_type_end", S, "LINE element at the end breakend: NONE, SUSPECT, KNOWN."),
        col("local_topology_start", S, "Local topology at the start breakend, e.g. ISOLATED_BE, DSB, TI_ONLY, FOLDBACK."),
        col("local_topology_end", S, "Local topology at the end breakend."),
        col("local_topology_id_start", I, "Local topology group id of the start breakend."),
        col("local_topology_id_end", I, "Local topology group id of the end breakend."),
        col("local_ti_count_start", I, "Templated insertions in the start breakend's local topology.", minimum=0),
        col("local_ti_count_end", I, "Templated insertions in the end breakend's local topology.", minimum=0),
    ),
)

SV_BREAKEND = Table(
    "sv_breakend",
    "LINX gene-level breakend annotations.",
    owner="sample_id",
    key=("sample_id", "breakend_id"),
    source="LINX breakend.tsv",
    columns=(
        SAMPLE_ID,
        col("breakend_id", I, "LINX breakend id.", required=True),
        col("sv_id", S, "SV id."),
        col("is_start", B, "Breakend is the SV's start."),
        col("gene", S, "Gene."),
        col("transcript", S, "Transcript."),
        col("is_canonical", B, "Canonical transcript."),
        col("disruptive", B, "Breakend disrupts the transcript."),
        col("reported", B, "Reported disruption (reported_status REPORTED; LINX <= 2.2 reportedDisruption)."),
        col("reported_status", S, "Reporting status (LINX 2.3+ reportedStatus; from reportedDisruption before: true → REPORTED, false → NONE).", codes=C.REPORTED_STATUS),
        col("vcf_id", S, "VCF id of the SV breakend (LINX 2.3+)."),
        col("chromosome", S, "Contig of the breakend (LINX 2.3+ coords)."),
        col("position", I, "Position of the breakend (LINX 2.3+ coords).", minimum=1),
        col("orientation", I, "Orientation of the breakend, 1 or -1 (LINX 2.3+ coords)."),
        col("gene_orientation", S, "Breakend lies Upstream or Downstream of the gene."),
        col("biotype", S, "Transcript biotype, e.g. protein_coding."),
        col("exonic_base_phase", I, "Phase of the base at the breakend when exonic (-1 otherwise)."),
        col("next_splice_exon_rank", I, "Rank of the next splice acceptor or donor exon."),
        col("next_splice_exon_phase", I, "Phase of that exon."),
        col("next_splice_distance", I, "Signed distance to the next splice site (-1 when none)."),
        col("total_exon_count", I, "Exons in the transcript.", minimum=0),
        col("exon_up", I, "Exon rank upstream of the breakend."),
        col("exon_down", I, "Exon rank downstream of the breakend."),
        col("region_type", S, "UPSTREAM, INTRONIC or EXONIC."),
        col("coding_type", S, "CODING, NON_CODING, UTR_5P, UTR_3P, ENHANCER."),
        col("undisrupted_copy_number", F, "Copy number left undisrupted."),
    ),
)

# LINX germline mode writes the same breakend layout for the normal's SVs (patient-db svBreakendGermline).
GERMLINE_SV_BREAKEND = replace(
    SV_BREAKEND, name="germline_sv_breakend",
    description="LINX gene-level annotations of the breakends of germline (inherited) structural variants. "
                "Identifying: released and analysed only with germline consent and an approval naming it.",
    source="LINX linx.germline.breakend.tsv", extra=GERMLINE)

FUSION = Table(
    "fusion",
    "Gene fusions (LINX, cBioPortal SV file).",
    owner="sample_id",
    key=("sample_id", "name", "five_prime_breakend_id", "three_prime_breakend_id"),
    source="LINX fusion.tsv, cBioPortal SV file",
    columns=(
        SAMPLE_ID,
        col("name", S, "5'GENE_3'GENE.", required=True),
        col("five_prime_gene", S, "5' partner gene.", required=True),
        col("three_prime_gene", S, "3' partner gene.", required=True),
        col("five_prime_breakend_id", I, "LINX 5' breakend id."),
        col("three_prime_breakend_id", I, "LINX 3' breakend id."),
        col("reported", B, "Reported (driver) fusion."),
        col("reported_type", S, "Known-fusion type, e.g. KNOWN_PAIR, PROMISCUOUS_5."),
        col("phased", S, "Phasing.", codes=C.FUSION_PHASED),
        col("likelihood", S, "Driver likelihood.", codes=C.FUSION_LIKELIHOOD),
        col("fused_exon_up", I, "Last 5' exon in the fusion."),
        col("fused_exon_down", I, "First 3' exon in the fusion."),
        col("chain_length", I, "Length of the chain of SVs forming the fusion."),
        col("junction_copy_number", F, "Junction copy number: the mean of the two breakends' SV junction copy numbers "
            "(LINX <= 2.2 wrote it; from LINX 2.3 it is rebuilt from the breakends' SVs as LINX computed it)."),
        col("reportable_reasons", S, "Why the fusion is or is not reportable, e.g. OK, NOT_KNOWN, UNPHASED_SHORT."),
        col("chain_links", I, "SV links in the chain.", minimum=0),
        col("chain_terminated", B, "The chain ends before the 3' gene."),
        col("domains_kept", S, "Protein domains kept, ';'-separated."),
        col("domains_lost", S, "Protein domains lost, ';'-separated."),
        col("skipped_exons_up", I, "Exons skipped in the 5' gene.", minimum=0),
        col("skipped_exons_down", I, "Exons skipped in the 3' gene.", minimum=0),
        col("five_prime_transcript", S, "5' transcript (LINX <= 2.2 transcriptStart; else the 5' breakend's)."),
        col("three_prime_transcript", S, "3' transcript (LINX <= 2.2 transcriptEnd; else the 3' breakend's)."),
        col("five_prime_context", S, "5' gene context, e.g. Exon 3, Promoter Region (LINX <= 2.2 geneContextStart)."),
        col("three_prime_context", S, "3' gene context (LINX <= 2.2 geneContextEnd)."),
    ),
)

DRIVER = Table(
    "driver",
    "Driver catalogue: per gene, the kind of driver event and its likelihood (PURPLE + LINX).",
    owner="sample_id",
    key=("sample_id", "gene", "transcript", "driver"),
    source="PURPLE driver.catalog.somatic/germline.tsv, LINX driver.catalog.tsv",
    columns=(
        SAMPLE_ID,
        col("gene", S, "Gene symbol.", required=True),
        col("transcript", S, "Transcript."),
        col("is_canonical", B, "Canonical transcript."),
        col("chromosome", S, "Contig."),
        col("chromosome_band", S, "Cytoband."),
        col("driver", S, "Driver event type.", required=True, codes=C.DRIVER_TYPES),
        col("category", S, "ONCO or TSG.", codes=C.DRIVER_CATEGORIES),
        col("likelihood_method", S, "How the likelihood was computed.", codes=C.LIKELIHOOD_METHODS),
        col("reported_status", S, "Reporting status.", codes=C.REPORTED_STATUS),
        col("driver_likelihood", F, "Driver likelihood 0..1.", minimum=0, maximum=1),
        col("biallelic", B, "Biallelic inactivation."),
        col("germline", B, "From the germline driver catalogue."),
        col("missense", I, "Missense variants in the gene.", minimum=0),
        col("nonsense", I, "Nonsense variants in the gene.", minimum=0),
        col("splice", I, "Splice variants in the gene.", minimum=0),
        col("inframe", I, "Inframe indels in the gene.", minimum=0),
        col("frameshift", I, "Frameshift indels in the gene.", minimum=0),
        col("min_copy_number", F, "Minimum copy number of the gene."),
        col("max_copy_number", F, "Maximum copy number of the gene."),
    ),
)

WITHDRAWAL = Table(
    "withdrawal",
    "Patients who withdrew consent: their rows are gone from the store and from every freeze.",
    owner="patient_id",
    key=("patient_id",),
    level="patient",
    columns=(
        PATIENT_ID,
        col("withdrawn_at", K.TIMESTAMP, "When the withdrawal was processed.", required=True),
        col("version", I, "Store version that processed it.", required=True),
        col("rows_removed", I, "Rows deleted from every version.", required=True),
        col("reason", S, "Reference to the withdrawal request."),
    ),
)

TABLES: tuple[Table, ...] = (
    DATASET, PATIENT, CONSENT, SAMPLE, TUMOR_PROFILE, TREATMENT, TREATMENT_DRUG,
    TREATMENT_RESPONSE, SURVIVAL_ENDPOINT, GENE_PANEL, SAMPLE_GENE_PANEL, SOMATIC_VARIANT, COPY_NUMBER_SEGMENT, GENE_COPY_NUMBER,
    STRUCTURAL_VARIANT, SV_BREAKEND, FUSION, DRIVER,
) + TOOL_TABLES + WIGITS_TABLES + (GERMLINE_SV_BREAKEND,) + LINX_GERMLINE_TABLES + CIDER_TABLES
TABLES_BY_NAME = {t.name: t for t in TABLES}


def table(name: str) -> Table:
    try:
        return TABLES_BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; tables are: {', '.join(TABLES_BY_NAME)}") from None


def is_germline(name: str) -> bool:
    """Whether a table holds the patient's inherited genome (identifying: germline consent and approval)."""
    return "germline" in table(name).extra


GERMLINE_TABLES: tuple[str, ...] = tuple(t.name for t in TABLES if "germline" in t.extra)
