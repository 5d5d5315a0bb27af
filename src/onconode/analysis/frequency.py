"""Alteration frequency per gene in a cohort: altered samples / profiled samples.

Kinds: MUTATION, AMP, DEL, FUSION (alterations.events), DRIVER (a driver-catalogue entry
with likelihood ≥ `min_driver_likelihood`) and ANY (any of those). The denominator of a
kind is the cohort's samples profiled for its data type; ANY counts only in samples
profiled for every type, so a frequency never mixes denominators.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ibis.expr.types as ir

from onconode.analysis import alterations
from onconode.analysis.cohort import Cohort, samples_table
from onconode.analysis.disclosure import Rules
from onconode.analysis.queries import Snapshot

FREQUENCY_KINDS = ("MUTATION", "AMP", "DEL", "FUSION", "DRIVER", "ANY")


def _profiled(snap: Snapshot, kind: str) -> ir.Table:
    if kind in alterations.PROFILE_OF_KIND:
        return alterations.profiled_samples(snap, alterations.PROFILE_OF_KIND[kind])
    return alterations.fully_profiled_samples(snap)


def altered_samples(snap: Snapshot, kind: str, min_driver_likelihood: float = 0.5) -> ir.Table:
    """(sample_id, gene) pairs altered by `kind`, counted only where profiled for it."""
    if kind in alterations.KINDS:
        e = alterations.events(snap, (kind,)).select("sample_id", "gene")
    elif kind == "DRIVER":
        e = alterations.drivers(snap, min_driver_likelihood).select("sample_id", "gene")
    elif kind == "ANY":
        e = alterations.events(snap).select("sample_id", "gene").union(
            alterations.drivers(snap, min_driver_likelihood).select("sample_id", "gene"))
    else:
        raise ValueError(f"unknown alteration kind {kind!r}; kinds are {', '.join(FREQUENCY_KINDS)}")
    return e.semi_join(_profiled(snap, kind), "sample_id").distinct()


@dataclass
class FrequencyResult:
    cohort_samples: int
    profiled: dict[str, int]
    rows: list[dict[str, Any]] = field(default_factory=list)  # gene, kind, altered

    def exact(self) -> dict[str, Any]:
        rows = [dict(r, profiled=self.profiled[r["kind"]],
                     frequency=r["altered"] / self.profiled[r["kind"]] if self.profiled[r["kind"]] else None)
                for r in self.rows]
        return {"analysis": "alteration_frequency", "samples": self.cohort_samples, "profiled": dict(self.profiled), "rows": rows}

    def controlled(self, rules: Rules) -> dict[str, Any]:
        rows = []
        for r in self.rows:
            p = self.profiled[r["kind"]]
            small = rules.is_small(r["altered"]) or rules.is_small(p)
            rows.append({"gene": r["gene"], "kind": r["kind"], "altered": rules.cell(r["altered"]),
                         "profiled": rules.cell(p), "frequency": None if small or not p else r["altered"] / p})
        return {"analysis": "alteration_frequency", "samples": rules.cell(self.cohort_samples),
                "profiled": {k: rules.cell(v) for k, v in self.profiled.items()}, "rows": rows}


def alteration_frequency(snap: Snapshot, cohort: Cohort, genes: list[str] | None = None,
                         kinds: tuple[str, ...] = FREQUENCY_KINDS, min_driver_likelihood: float = 0.5) -> FrequencyResult:
    """Per gene and kind, how many of the cohort's profiled samples are altered; genes
    with no alteration are listed (with 0) only when asked for by name."""
    members = samples_table(cohort)
    result = FrequencyResult(cohort.samples, {})
    wanted = [g.upper() for g in genes] if genes else None
    for kind in kinds:
        profiled = _profiled(snap, kind).semi_join(members, "sample_id")
        result.profiled[kind] = int(profiled.count().to_pyarrow().as_py())
        a = altered_samples(snap, kind, min_driver_likelihood).semi_join(members, "sample_id")
        if wanted is not None:
            a = a.filter(a.gene.upper().isin(wanted))
        counts = a.group_by(gene=a.gene.upper()).aggregate(altered=a.sample_id.nunique()).to_pyarrow().to_pylist()
        found = {c["gene"]: int(c["altered"]) for c in counts}
        for gene in (wanted if wanted is not None else sorted(found)):
            result.rows.append({"gene": gene, "kind": kind, "altered": found.get(gene, 0)})
    result.rows.sort(key=lambda r: (FREQUENCY_KINDS.index(r["kind"]), -r["altered"], r["gene"]))
    return result
