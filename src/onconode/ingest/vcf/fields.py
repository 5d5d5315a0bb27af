"""Which INFO keys and FORMAT fields become which somatic_variant columns.

One table, read by both the bulk and the careful path, so they cannot disagree on a mapping.
"""

from __future__ import annotations

import re

from onconode.model.tables import SOMATIC_VARIANT

# INFO key → float column (SAGE / PURPLE / PAVE).
FLOAT_INFO = {
    "PURPLE_AF": "adjusted_vaf", "PURPLE_CN": "copy_number", "PURPLE_VCN": "variant_copy_number",
    "PURPLE_MACN": "minor_allele_copy_number", "SUBCL": "subclonal_likelihood", "GND_FREQ": "gnomad_frequency",
}
STRING_INFO = {"TIER": "tier", "PURPLE_GERMLINE": "germline_status"}
FLAG_INFO = ("HOTSPOT", "NEAR_HOTSPOT", "BIALLELIC", "REPORTED")
ANNOTATION_KEYS = ("IMPACT",)  # the bulk path reads PAVE; VEP CSQ / SnpEff ANN files take the careful path
ALL_INFO = tuple(FLOAT_INFO) + tuple(STRING_INFO) + FLAG_INFO + ANNOTATION_KEYS

ANNOTATION_COLUMNS = ("gene", "transcript", "canonical_effect", "coding_effect", "worst_coding_effect", "hgvs_coding", "hgvs_protein")
TIERS = {"HOTSPOT", "PANEL", "HIGH_CONFIDENCE", "LOW_CONFIDENCE", "UNKNOWN"}

VCF_COLUMNS = ("CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT")  # a record's fixed fields, for locating problems
COLUMNS = SOMATIC_VARIANT.column_names
SCHEMA = SOMATIC_VARIANT.arrow_schema

BASES = re.compile(r"^[ACGTNacgtn]+$")
NUMBER = re.compile(r"^[0-9]+$")
# What both paths accept as a float: plain decimal or scientific notation (no nan / inf / spaces).
FLOAT = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")


def flag_columns(infos: dict[str, tuple[str, str]]) -> dict[str, bool | None]:
    """Absent flags are False when the header defines them, unknown (None) when it does not."""
    return {
        "biallelic": False if "BIALLELIC" in infos else None,
        "reported": False if "REPORTED" in infos else None,
        "hotspot": "NON_HOTSPOT" if "HOTSPOT" in infos else None,
    }


def read_counts(ad: list[int | None] | None, dp: int | None, allele: int) -> tuple[int | None, int | None, float | None]:
    """Tumour (alt reads, depth, VAF) from AD and DP as hmftools reads them: depth = max(DP, sum AD)."""
    alt = None
    ad_sum = None
    if ad is not None and len(ad) > allele and all(v is not None for v in ad):
        alt = ad[allele]
        ad_sum = sum(v for v in ad if v is not None)
    if dp is not None and ad_sum is not None:
        total: int | None = max(dp, ad_sum)
    else:
        total = dp if dp is not None else ad_sum
    vaf = alt / total if alt is not None and total else None
    return alt, total, vaf


def per_allele(raw: str | None, number: str, allele: int) -> str | None:
    """The value of a field for one ALT allele (1-based) by its header `Number`: Number=A holds
    one value per ALT, Number=R one per allele with the reference first; other fields are
    the record's, whole. Every VCF reader of the product splits multi-allelic records this way."""
    if raw is None:
        return None
    if number in ("A", "R"):
        parts = raw.split(",")
        i = allele - 1 if number == "A" else allele
        return parts[i] if i < len(parts) else None
    return raw
