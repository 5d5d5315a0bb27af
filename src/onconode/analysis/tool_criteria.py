"""Cohort criteria on the WiGiTS tools beyond the driver catalogue: CUPPA's tissue of
origin, HLA alleles (LILAC), viruses, mutational signatures, germline pathogenic variants
in cancer predisposition genes (consent permitting) and RNA expression.

Each criterion is a node of the cohort filter tree (analysis/cohort.py) and evaluates to
an Ibis table of sample ids; the values a user typed reach the database as literals.

    {"op": "cuppa", "cancer_types": ["Skin: Melanoma"], "min_likelihood": 0.8}
    {"op": "hla_allele", "alleles": ["A*02:01"]}
    {"op": "virus", "types": ["HPV"], "integrated": true}
    {"op": "signature", "signature": "Sig7", "min_percent": 0.2}
    {"op": "germline_pathogenic", "genes": ["BRCA1", "BRCA2"]}
    {"op": "expression", "gene": "ERBB2", "above": 100}
"""

from __future__ import annotations

from typing import Any, Literal

import ibis
import ibis.expr.types as ir
from pydantic import BaseModel, ConfigDict, Field, model_validator

from onconode.analysis import germline
from onconode.analysis.snapshot import Snapshot

# The classifier a sample's "top prediction" comes from: CUPPA's combined (DNA + RNA)
# answer where it ran, else the DNA-only, else the RNA-only one.
CUPPA_PREFERENCE = ("combined", "dna_combined", "rna_combined")


class _Tool(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cuppa(_Tool):
    """Samples whose CUPPA top prediction is one of `cancer_types` (any, when not given)
    with a likelihood within [min_likelihood, max_likelihood]."""
    op: Literal["cuppa"]
    cancer_types: list[str] | None = Field(default=None, min_length=1)
    min_likelihood: float | None = Field(default=None, ge=0, le=1)
    max_likelihood: float | None = Field(default=None, ge=0, le=1)
    classifier: Literal["top", "combined", "dna_combined", "rna_combined"] = "top"

    @model_validator(mode="after")
    def _some(self) -> "Cuppa":
        if self.cancer_types is None and self.min_likelihood is None and self.max_likelihood is None:
            raise ValueError("give cancer_types, min_likelihood or max_likelihood")
        return self


class HlaAllele(_Tool):
    """Samples typed with any of `alleles` (A*02:01, or a 1-field group A*02); with
    `lost_in_tumour`, only where the tumour lost (true) or kept (false) that allele."""
    op: Literal["hla_allele"]
    alleles: list[str] = Field(min_length=1)
    lost_in_tumour: bool | None = None


class Virus(_Tool):
    """Samples with a (non-blacklisted) virus of `types` (HPV, HBV, EBV, MCV ...; any
    when not given), optionally integrated or not, of the given driver likelihoods."""
    op: Literal["virus"]
    types: list[str] | None = Field(default=None, min_length=1)
    integrated: bool | None = None
    driver_likelihood: list[Literal["HIGH", "LOW", "UNKNOWN"]] | None = Field(default=None, min_length=1)


class Signature(_Tool):
    """Samples where `signature` explains at least `min_percent` (0..1) of the SNVs or at
    least `min_allocation` SNVs."""
    op: Literal["signature"]
    signature: str = Field(min_length=1)
    min_percent: float | None = Field(default=None, ge=0, le=1)
    min_allocation: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _some(self) -> "Signature":
        if self.min_percent is None and self.min_allocation is None:
            raise ValueError("give min_percent or min_allocation")
        return self


class GermlinePathogenic(_Tool):
    """Samples of patients who consented to germline use and carry a PASS pathogenic or
    likely pathogenic germline variant in `genes` (default: the cancer predisposition
    genes of analysis/germline.py). Patients without germline consent never match."""
    op: Literal["germline_pathogenic"]
    genes: list[str] | None = Field(default=None, min_length=1)


class Expression(_Tool):
    """Samples whose RNA expression of `gene` is above and/or below a threshold: in TPM
    (adjusted), or as the percentile within the sample's cancer type or the cohort."""
    op: Literal["expression"]
    gene: str = Field(min_length=1)
    above: float | None = None
    below: float | None = None
    measure: Literal["tpm", "percentile_cancer", "percentile_cohort"] = "tpm"

    @model_validator(mode="after")
    def _some(self) -> "Expression":
        if self.above is None and self.below is None:
            raise ValueError("give above, below or both")
        if self.above is not None and self.below is not None and self.above >= self.below:
            raise ValueError(f"above ({self.above}) must be less than below ({self.below})")
        return self


TOOL_NODES = (Cuppa, HlaAllele, Virus, Signature, GermlinePathogenic, Expression)
TOOL_OPS = frozenset({"cuppa", "hla_allele", "virus", "signature", "germline_pathogenic", "expression"})


def cuppa_top(snap: Snapshot, classifier: str = "top") -> ir.Table:
    """(sample_id, classifier, cancer_type, probability): each sample's top CUPPA prediction,
    from its preferred classifier (CUPPA_PREFERENCE) or the one named."""
    t = snap.table("cuppa_prediction")
    t = t.filter(t["rank"] == 1)
    if classifier != "top":
        return t.filter(t.classifier == classifier).select("sample_id", "classifier", "cancer_type", "probability")
    order = ibis.cases(*[(t.classifier == c, i) for i, c in enumerate(CUPPA_PREFERENCE)], else_=len(CUPPA_PREFERENCE))
    t = t.mutate(_order=order)
    t = t.filter(t._order < len(CUPPA_PREFERENCE))
    t = t.filter(t._order == t._order.min().over(group_by="sample_id"))
    return t.select("sample_id", "classifier", "cancer_type", "probability")


def _allele_match(col: ir.StringValue, wanted: list[str]) -> ir.BooleanValue:
    forms = [w.strip().upper().removeprefix("HLA-") for w in wanted]
    return ibis.or_(*[(col.upper() == f) | col.upper().startswith(f + ":") for f in forms])


def samples(snap: Snapshot, n: Any) -> ir.Table:
    """(sample_id) of the samples a tool criterion selects."""
    if isinstance(n, Cuppa):
        t = cuppa_top(snap, n.classifier)
        preds = []
        if n.cancer_types is not None:
            preds.append(t.cancer_type.lower().isin([c.lower() for c in n.cancer_types]))
        if n.min_likelihood is not None:
            preds.append(t.probability >= n.min_likelihood)
        if n.max_likelihood is not None:
            preds.append(t.probability <= n.max_likelihood)
        return t.filter(*preds).select("sample_id")
    if isinstance(n, HlaAllele):
        t = snap.table("hla_allele")
        t = t.filter(_allele_match(t.allele, n.alleles))
        if n.lost_in_tumour is not None:
            t = t.filter((t.tumor_copy_number < 0.5) if n.lost_in_tumour else (t.tumor_copy_number >= 0.5))
        return t.select("sample_id")
    if isinstance(n, Virus):
        t = snap.table("virus")
        t = t.filter(t.blacklisted.fill_null(False) == False)  # noqa: E712 (SQL)
        if n.types is not None:
            t = t.filter(t.interpretation.upper().isin([v.upper() for v in n.types]))
        if n.integrated is not None:
            t = t.filter(t.integrated == n.integrated)
        if n.driver_likelihood is not None:
            t = t.filter(t.driver_likelihood.isin(n.driver_likelihood))
        return t.select("sample_id")
    if isinstance(n, Signature):
        t = snap.table("signature_allocation")
        preds = [t.signature.lower() == n.signature.lower()]
        if n.min_percent is not None:
            preds.append(t.percent >= n.min_percent)
        if n.min_allocation is not None:
            preds.append(t.allocation >= n.min_allocation)
        return t.filter(*preds).select("sample_id")
    if isinstance(n, GermlinePathogenic):
        return germline.pathogenic_carriers(snap, n.genes).select("sample_id")
    if isinstance(n, Expression):
        t = snap.table("gene_expression")
        value = {"tpm": t.adjusted_tpm, "percentile_cancer": t.percentile_cancer, "percentile_cohort": t.percentile_cohort}[n.measure]
        preds = [t.gene.upper() == n.gene.upper()]
        if n.above is not None:
            preds.append(value > n.above)
        if n.below is not None:
            preds.append(value < n.below)
        return t.filter(*preds).select("sample_id")
    raise TypeError(f"not a tool criterion: {type(n).__name__}")
