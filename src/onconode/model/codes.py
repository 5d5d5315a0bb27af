"""Code lists of the harmonized model.

Values follow the hmftools enums (PURPLE, LINX, SAGE, PAVE) where the data comes from
them, RECIST 1.1 for responses and cBioPortal's MAF Variant_Classification for the
classification every variant also gets, so studies from either world keep their meaning.
"""

from __future__ import annotations

REF_GENOMES = ("GRCh37", "GRCh38")
SEX = ("male", "female", "other", "unknown")
TISSUE_SOURCES = ("tissue", "blood", "bone_marrow", "lymph_node", "effusion", "cell_line", "skin", "saliva", "other")

QC_STATUS_VALUES = (
    "PASS", "FAIL_CONTAMINATION", "FAIL_NO_TUMOR", "FAIL_TINC", "WARN_DELETED_GENES",
    "WARN_HIGH_COPY_NUMBER_NOISE", "WARN_GENDER_MISMATCH", "WARN_LOW_PURITY", "WARN_TINC",
)
FIT_METHODS = ("NORMAL", "HIGHLY_DIPLOID", "SOMATIC", "NO_TUMOR")
MSI_STATUS = ("MSI", "MSS", "UNKNOWN")
BURDEN_STATUS = ("HIGH", "LOW", "UNKNOWN")
HR_STATUS = ("HR_DEFICIENT", "HR_PROFICIENT", "CANNOT_BE_DETERMINED")

VARIANT_TYPES = ("SNP", "MNP", "INDEL")
CODING_EFFECTS = ("NONSENSE_OR_FRAMESHIFT", "SPLICE", "MISSENSE", "SYNONYMOUS", "NONE", "UNDEFINED")
HOTSPOT = ("HOTSPOT", "NEAR_HOTSPOT", "NON_HOTSPOT")
TIERS = ("HOTSPOT", "PANEL", "HIGH_CONFIDENCE", "LOW_CONFIDENCE", "UNKNOWN")

# cBioPortal's MAF Variant_Classification. Its default mutation filter hides these
# classes; we keep them and flag them (somatic_variant.default_filtered).
VARIANT_CLASSIFICATIONS = (
    "Frame_Shift_Del", "Frame_Shift_Ins", "In_Frame_Del", "In_Frame_Ins", "Missense_Mutation",
    "Nonsense_Mutation", "Silent", "Splice_Site", "Translation_Start_Site", "Nonstop_Mutation",
    "3'UTR", "3'Flank", "5'UTR", "5'Flank", "IGR", "Intron", "RNA", "Targeted_Region",
    "Splice_Region", "De_novo_Start_InFrame", "De_novo_Start_OutOfFrame", "Unknown",
)
# As cbioportal-core's MutationFilter drops them: RNA is kept (counted), and 5'Flank is kept
# in TERT, whose promoter mutations are drivers (see is_default_filtered).
DEFAULT_FILTERED_CLASSIFICATIONS = ("Silent", "Intron", "3'UTR", "3'Flank", "5'UTR", "5'Flank", "IGR")
DEFAULT_FILTER_KEPT_PROMOTERS = ("TERT",)


def is_default_filtered(classification: str | None, gene: str | None = None) -> bool:
    """Whether cBioPortal's default import filter would drop a mutation of this class and gene."""
    if classification == "5'Flank" and gene in DEFAULT_FILTER_KEPT_PROMOTERS:
        return False
    return classification in DEFAULT_FILTERED_CLASSIFICATIONS

# Months as cBioPortal counts them (and survival_endpoint.months): an average Julian month.
DAYS_PER_MONTH = 365.25 / 12

SEGMENT_SUPPORT = (
    "BND", "INV", "DEL", "SGL", "INS", "INF", "DUP", "MULTIPLE", "CENTROMERE", "TELOMERE",
    "NONE", "EXCL", "UNKNOWN",
)
COPY_NUMBER_METHODS = (
    "UNKNOWN", "BAF_WEIGHTED", "STRUCTURAL_VARIANT", "LONG_ARM", "HOMOZYGOUS_DELETION",
    "GERMLINE_HOM_DELETION", "GERMLINE_HET2HOM_DELETION", "NON_DIPLOID", "GERMLINE_AMPLIFICATION",
)
# Discrete copy-number calls as GISTIC / cBioPortal code them.
CNA_CALLS = ("HOMDEL", "HETLOSS", "DIPLOID", "GAIN", "AMP")
CNA_CALL_VALUES = {"-2": "HOMDEL", "-1.5": "HOMDEL", "-1": "HETLOSS", "0": "DIPLOID", "1": "GAIN", "2": "AMP"}

SV_TYPES = ("DEL", "DUP", "INV", "BND", "INS", "SGL", "INF")

DRIVER_TYPES = (
    "AMP", "PARTIAL_AMP", "DEL", "HET_DEL", "LOH", "HOM_DUP_DISRUPTION", "HOM_DEL_DISRUPTION",
    "HOM_DISRUPTION", "DISRUPTION", "MUTATION", "FUSION", "GERMLINE_MUTATION",
    "GERMLINE_DELETION", "GERMLINE_AMP", "GERMLINE_DISRUPTION", "GERMLINE_HOM_DUP_DISRUPTION",
)
DRIVER_CATEGORIES = ("ONCO", "TSG")
LIKELIHOOD_METHODS = (
    "BIALLELIC", "HOTSPOT", "INFRAME", "DNDS", "SPLICE_REGION", "AMP", "DEL", "DISRUPTION",
    "GERMLINE", "NONE",
)
REPORTED_STATUS = ("NONE", "NOT_REPORTED", "REPORTED")
FUSION_PHASED = ("INFRAME", "SKIPPED_EXONS", "OUT_OF_FRAME")
FUSION_LIKELIHOOD = ("HIGH", "LOW", "NA")

# RECIST 1.1 overall response, plus the categories Hartwig's eCRF code list C_BESTRESPON
# carries: ND (not done), NON_CR_NON_PD and clinical progression.
RESPONSES = ("CR", "PR", "SD", "PD", "NE", "ND", "NON_CR_NON_PD", "CLINICAL_PROGRESSION")
RESPONSE_ALIASES = {
    "1": "CR", "2": "PR", "3": "SD", "4": "PD", "5": "NE", "6": "ND", "7": "NON_CR_NON_PD",
    "8": "CLINICAL_PROGRESSION",
    "complete response": "CR", "partial response": "PR", "stable disease": "SD",
    "progressive disease": "PD", "not evaluable": "NE", "not done": "ND",
    "non-cr/non-pd": "NON_CR_NON_PD", "non-cr / non-pd": "NON_CR_NON_PD",
    "clinical progression": "CLINICAL_PROGRESSION",
}
TREATMENT_TYPES = (
    "Chemotherapy", "Immunotherapy", "Targeted therapy", "Hormonal therapy", "Radiotherapy",
    "Surgery", "Experimental therapy", "Other",
)

# -- haematological samples (issue 17, item 5) ----------------------------------------------
# Where a matched normal (germline reference) sample comes from: blood for solid tumours;
# skin (fibroblasts) or saliva when the tumour itself is in the blood or bone marrow.
NORMAL_SOURCES = ("blood", "skin", "saliva", "buccal_swab", "other")
# European LeukemiaNet 2022 genetic risk classification of AML (Döhner et al., Blood 2022).
ELN_2022_RISK = ("favorable", "intermediate", "adverse")

# -- WiGiTS tools beyond PURPLE / LINX (CUPPA, LILAC, Virus Interpreter, PEACH, TEAL,
# Isofox, QSEE, the PURPLE germline VCF) ------------------------------------------------
# CUPPA v2 classifiers (pycuppa `clf_name`); combined = DNA and RNA together.
CUPPA_CLASSIFIERS = ("combined", "dna_combined", "rna_combined", "gen_pos", "snv96", "event", "gene_exp", "alt_sj")
CUPPA_CLASSIFIER_GROUPS = ("combined", "dna", "rna")
# Virus Interpreter driver likelihood (C/virus/VirusLikelihoodType).
VIRUS_LIKELIHOODS = ("HIGH", "LOW", "UNKNOWN")
TELOMERE_SAMPLE_TYPES = ("tumor", "ref")
QSEE_QC_STATUS = ("PASS", "WARN", "FAIL")
# PURPLE germline VCF `PATH` INFO (C/variant/Pathogenic.java, via ClinVar).
PATHOGENICITY = ("PATHOGENIC", "LIKELY_PATHOGENIC", "BENIGN", "LIKELY_BENIGN", "BENIGN_BLACKLIST", "CONFLICTING",
                 "UNKNOWN")
PATHOGENIC = ("PATHOGENIC", "LIKELY_PATHOGENIC")
# The consent term that permits use of a patient's germline (inherited, identifying) data:
# DUO:0000038 "genetic research", recorded as its own row in the patient's (or dataset's)
# consent. Without it germline rows are neither released nor counted in analyses.
GERMLINE_CONSENT = "DUO:0000038"
