"""Request and response models of the analysis REST API (they make its OpenAPI).

A cohort is given either inline (`cohort`: the JSON filter tree of
`onconode.analysis.cohort`, validated there so an error names its place in the tree) or
by the id of a saved cohort (`cohort_id`). Results are the dicts the disclosure gate
released, with the freeze and store version they were computed on.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from onconode.analysis.cohort import TreatmentCriteria

EXAMPLE_COHORT = {"op": "and", "args": [{"op": "tumour_type", "doids": ["9256"]},
                                        {"op": "gene_altered", "gene": "KRAS", "alteration": "mutation", "hotspot": True}]}
Kind = Literal["MUTATION", "AMP", "DEL", "FUSION", "DRIVER", "ANY"]
# Caps on every list a request may carry (docs/security.md): a request costs in proportion
# to what it names, so none may name without bound. Omitting `genes` asks for every gene.
MAX_GENES = 1000
MAX_GROUPS = 20
Gene = Annotated[str, Field(min_length=1, max_length=50)]
Genes = Annotated[list[Gene], Field(max_length=MAX_GENES, description=f"At most {MAX_GENES:,} genes; omit the list for every altered gene.")]
Kinds = Annotated[list[Kind], Field(max_length=6)]
Name = Annotated[str, Field(max_length=100)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CohortRef(_Strict):
    """Exactly one of `cohort` (a definition) or `cohort_id` (a saved cohort)."""
    cohort: dict[str, Any] | None = Field(None, description="Cohort definition: a JSON filter tree (docs/researcher-analysis.md).",
                                          examples=[EXAMPLE_COHORT])
    cohort_id: Name | None = Field(None, description="Id of a saved cohort (POST /api/cohorts).", examples=["3f9a1c0b7d2e"])

    @model_validator(mode="after")
    def _one(self) -> "CohortRef":
        if (self.cohort is None) == (self.cohort_id is None):
            raise ValueError("give exactly one of 'cohort' (a definition) or 'cohort_id' (a saved cohort)")
        return self


class OnFreeze(_Strict):
    freeze: Name | None = Field(None, description="Data freeze to evaluate on; default: a saved cohort's own freeze, "
                                                 "else the newest freeze (else the current store version).")


class CohortRequest(OnFreeze, CohortRef):
    """An analysis of one cohort (count, summary)."""


class ScopeOptions(BaseModel):
    """What an alteration view counts (alterations.Scope); the answer's `definition` names it."""
    all_mutations: bool = Field(False, description="Count every passing mutation in a gene (silent, intronic, UTR ... "
                                                   "included) instead of the default non-silent coding and splice ones.")
    include_failed_qc: bool = Field(False, description="Count samples that failed QC (e.g. FAIL_NO_TUMOR) as profiled.")


class FrequencyRequest(CohortRequest, ScopeOptions):
    genes: Genes | None = Field(None, description=f"Genes to report (default: every altered gene); at most {MAX_GENES:,}.",
                                examples=[["KRAS", "TP53"]])
    kinds: Kinds | None = Field(None, description="Alteration kinds (default: all).")
    min_driver_likelihood: float = Field(0.5, ge=0, le=1)


class OncoPrintRequest(CohortRequest, ScopeOptions):
    genes: list[Gene] = Field(..., min_length=1, max_length=50, examples=[["APC", "KRAS", "TP53"]])


class GroupsRequest(OnFreeze):
    groups: dict[Name, CohortRef] = Field(..., max_length=MAX_GROUPS,
                                          description=f"Named groups (at most {MAX_GROUPS}); made disjoint in the order given unless disjoint=false.")
    disjoint: bool = True


class CompareRequest(GroupsRequest, ScopeOptions):
    genes: Genes | None = None
    kinds: Kinds | None = Field(None, description="Alteration kinds (default: ANY).")

    @model_validator(mode="after")
    def _two(self) -> "CompareRequest":
        if len(self.groups) < 2:
            raise ValueError("a comparison needs at least two groups")
        return self


class ResponseRequest(CohortRequest):
    treatment: TreatmentCriteria = Field(..., description="The treatment line (first matching line per patient).",
                                         examples=[{"mechanism": "Anti-EGFR"}])
    biomarker: CohortRef = Field(..., description="Biomarker-positive patients (a cohort definition or saved cohort).")
    covariates: list[Literal["tumour_type", "age", "purity"]] | None = Field(
        None, max_length=3, description="Logistic-regression covariates (default: tumour_type, age, purity).")


class SurvivalRequest(GroupsRequest):
    endpoint: str = Field("os", pattern=r"^(os|time_on_treatment|time_to_progression|given:[A-Za-z0-9_]+)$",
                          description="os, time_on_treatment, time_to_progression (derived from dates), or an endpoint "
                                      "stored as given, e.g. given:OS, given:DFS, given:PFS of an imported cBioPortal study.")
    treatment: TreatmentCriteria | None = Field(None, description="Needed for the treatment endpoints.")
    left_truncation: bool = True
    cox_covariates: list[Literal["age", "sex", "purity"]] | None = Field(None, max_length=3)

    @model_validator(mode="after")
    def _some(self) -> "SurvivalRequest":
        if not self.groups:
            raise ValueError("survival needs at least one group")
        return self


class SaveCohortRequest(OnFreeze):
    name: str = Field(..., min_length=1, max_length=200)
    cohort: dict[str, Any] = Field(..., examples=[EXAMPLE_COHORT])


class SavedCohortOut(BaseModel):
    cohort_id: str
    name: str
    definition: dict[str, Any]
    freeze: str | None
    version: int
    created_by: str
    created_at: str


class AnalysisResult(BaseModel):
    """A released result: `analysis` names its shape (docs/researcher-analysis.md); cells
    below the threshold are the string "<5"; withheld statistics carry their reason."""
    model_config = ConfigDict(extra="allow")
    analysis: str
    disclosure: str = Field(..., description='"controlled", or "exact (within your licensed data)"')
    freeze: str | None
    version: int


class CountResult(AnalysisResult):
    label: str
    patients: int | str
    samples: int | str
