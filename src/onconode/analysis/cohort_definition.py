"""The cohort definition language: a JSON filter tree (AND / OR / NOT over clinical and
genomic criteria), validated by pydantic, each problem named by its place in the tree.

Evaluation lives apart (`cohort.py` compiles a tree to SQL); criteria modules it reads
(`tool_criteria`) import the language from here, so this module sits below them.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from onconode.analysis import alterations, doid, tool_criteria


Sex = Literal["male", "female", "other", "unknown"]
Response = Literal["CR", "PR", "SD", "PD", "NE", "ND", "NON_CR_NON_PD", "CLINICAL_PROGRESSION"]


class CohortError(ValueError):
    """A cohort definition that cannot be used; the message names where and why."""


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Range(_Node):
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "_Range":
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        return self


class Dataset(_Node):
    op: Literal["dataset"]
    ids: list[str] = Field(min_length=1)


class TumourType(_Node):
    """Primary tumour DOID, by default with every descendant in the DOID tree."""
    op: Literal["tumour_type"]
    doids: list[str] = Field(min_length=1)
    include_descendants: bool = True

    def matching_doids(self) -> frozenset[str]:
        """The DOIDs (without prefix) a sample's tumour must list one of (the descendants
        expanded once per definition, kept across questions)."""
        return _matching_doids(tuple(self.doids), self.include_descendants)


@functools.lru_cache(maxsize=1024)
def _matching_doids(doids: tuple[str, ...], include_descendants: bool) -> frozenset[str]:
    wanted: set[str] = set()
    for d in doids:
        wanted |= doid.descendants(d) if include_descendants else {d.removeprefix("DOID:")}
    return frozenset(wanted)


class TumourLocation(_Node):
    op: Literal["tumour_location"]
    locations: list[str] = Field(min_length=1)


class BiopsySite(_Node):
    op: Literal["biopsy_site"]
    sites: list[str] = Field(min_length=1)


class SexIs(_Node):
    op: Literal["sex"]
    values: list[Sex] = Field(min_length=1)


class AgeAtBiopsy(_Range):
    """Age in whole years at the sampling date (birth year only is stored)."""
    op: Literal["age_at_biopsy"]


class TreatmentCriteria(_Node):
    """A treatment line matching all given fields (drug / type / mechanism of one of its
    drugs, case-insensitive; line number range)."""
    drug: str | None = None
    drug_type: str | None = None
    mechanism: str | None = None
    line_min: int | None = Field(default=None, ge=0)
    line_max: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _lines(self) -> "TreatmentCriteria":
        if self.line_min is not None and self.line_max is not None and self.line_min > self.line_max:
            raise ValueError(f"line_min ({self.line_min}) is above line_max ({self.line_max})")
        return self


class Treatment(TreatmentCriteria):
    op: Literal["treatment"]


class BestResponse(_Node):
    """Patients whose best response to a (matching) treatment line is one of `values`."""
    op: Literal["best_response"]
    values: list[Response] = Field(min_length=1)
    treatment: TreatmentCriteria | None = None


class GeneAltered(_Node):
    op: Literal["gene_altered"]
    gene: str = Field(min_length=1)
    alteration: Literal["mutation", "amplification", "deletion", "fusion", "driver", "any"] = "any"
    coding_effects: list[Literal["MISSENSE", "NONSENSE_OR_FRAMESHIFT", "SPLICE"]] | None = None
    hotspot: bool | None = None
    biallelic: bool | None = None
    protein_change: str | None = None
    min_driver_likelihood: float | None = Field(default=None, ge=0, le=1)

    def event_kinds(self) -> tuple[str, ...]:
        """The alteration event kinds (`alterations.KINDS`) this criterion counts; a driver
        criterion reads the driver catalogue instead, not events."""
        if self.alteration == "driver":
            raise ValueError("a driver criterion reads the driver catalogue, not alteration events")
        return {"mutation": ("MUTATION",), "amplification": ("AMP",), "deletion": ("DEL",),
                "fusion": ("FUSION",), "any": alterations.KINDS}[self.alteration]

    @model_validator(mode="after")
    def _mutation_only(self) -> "GeneAltered":
        detail = [f for f in ("coding_effects", "hotspot", "protein_change") if getattr(self, f) is not None]
        if detail and self.alteration != "mutation":
            raise ValueError(f"{', '.join(detail)} only apply to alteration 'mutation' (got {self.alteration!r})")
        if self.min_driver_likelihood is not None and self.alteration != "driver":
            raise ValueError("min_driver_likelihood only applies to alteration 'driver'")
        return self


class Tmb(_Node):
    op: Literal["tmb"]
    status: Literal["HIGH", "LOW", "UNKNOWN"] | None = None
    min_per_mb: float | None = Field(default=None, ge=0)
    max_per_mb: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _some(self) -> "Tmb":
        if self.status is None and self.min_per_mb is None and self.max_per_mb is None:
            raise ValueError("give status, min_per_mb or max_per_mb")
        return self


class Msi(_Node):
    op: Literal["msi"]
    status: list[Literal["MSI", "MSS", "UNKNOWN"]] = Field(min_length=1)


class Hrd(_Node):
    op: Literal["hrd"]
    status: list[Literal["HR_DEFICIENT", "HR_PROFICIENT", "CANNOT_BE_DETERMINED"]] = Field(min_length=1)


class Wgd(_Node):
    op: Literal["wgd"]
    value: bool


class Purity(_Range):
    op: Literal["purity"]


class ToolVersion(_Node):
    """Samples produced by given versions of a tool (tool_version): e.g. PURPLE 4.4 and later
    compute TMB/TML with another VAF threshold, so such cohorts are compared per version.
    A version matches itself and its releases ("4.4" matches "4.4.1"); tool "wigits" is the generation (2.x, 3.0)."""
    op: Literal["tool_version"]
    tool: str = Field(min_length=1)
    versions: list[str] = Field(min_length=1)


class Targeted(_Node):
    """Samples sequenced with a targeted panel (PURPLE targeted mode; value false: whole genomes).
    A panel sample's TMB/TML are PURPLE's panel estimates, another definition than a genome's,
    so such cohorts are compared per kind of sequencing."""
    op: Literal["targeted"]
    value: bool


class And(_Node):
    op: Literal["and"]
    args: list["Node"] = Field(min_length=1)


class Or(_Node):
    op: Literal["or"]
    args: list["Node"] = Field(min_length=1)


class Not(_Node):
    op: Literal["not"]
    arg: "Node"


class All(_Node):
    """Every sample of the snapshot (the whole database)."""
    op: Literal["all"]


Node = Annotated[
    Union[And, Or, Not, All, Dataset, TumourType, TumourLocation, BiopsySite, SexIs, AgeAtBiopsy, Treatment,
          BestResponse, GeneAltered, Tmb, Msi, Hrd, Wgd, Purity, ToolVersion, Targeted, *tool_criteria.TOOL_NODES],
    Field(discriminator="op"),
]
for _m in (And, Or, Not):
    _m.model_rebuild()
_ADAPTER: TypeAdapter[Any] = TypeAdapter(Node)


def _path(loc: tuple[Any, ...]) -> str:
    """A pydantic location as a JSON path; pydantic inserts the union's tag (the node's
    "op") after each place a node sits, which is not part of the JSON, so it is dropped."""
    out = ""
    for i, part in enumerate(loc):
        at_node = i == 0 or isinstance(loc[i - 1], int) or loc[i - 1] == "arg"
        if isinstance(part, int):
            out += f"[{part}]"
        elif at_node and part in _OPS:
            continue
        else:
            out += f".{part}" if out else str(part)
    return out or "(root)"


_OPS = {"and", "or", "not", "all", "dataset", "tumour_type", "tumour_location", "biopsy_site", "sex",
        "age_at_biopsy", "treatment", "best_response", "gene_altered", "tmb", "msi", "hrd", "wgd", "purity",
        "tool_version", "targeted"} | tool_criteria.TOOL_OPS


def parse(definition: Any) -> Any:
    """Validate a JSON definition (dict, or a parsed model) into the filter tree; every
    problem is reported with its path in the tree, all at once."""
    if isinstance(definition, BaseModel):
        return definition
    try:
        return _ADAPTER.validate_python(definition)
    except ValidationError as exc:
        lines = [f"{_path(e['loc'])}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()]
        raise CohortError("the cohort definition is not valid:\n  " + "\n  ".join(lines)) from None


def to_json(node: Any) -> dict[str, Any]:
    return _ADAPTER.dump_python(parse(node), mode="json", exclude_none=True)
