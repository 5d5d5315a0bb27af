"""OncoPrint: which of a gene list's alterations each sample of a cohort carries.

Exact (licensed) view: the sample × gene matrix, samples ordered as cBioPortal orders
them (by the first gene altered, then the next, ...). A matrix is patient-level data, so
the controlled view is the same picture without individuals: every distinct alteration
pattern across the genes with how many samples show it, small patterns hidden and pooled.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

from onconode.analysis import alterations, frequency_memory
from onconode.analysis.cohort import Cohort
from onconode.analysis.materialized import execute_with_members
from onconode.analysis.disclosure import Rules
from onconode.analysis.queries import Snapshot


def _label(kind: str, coding_effect: str | None, hotspot: bool | None) -> str:
    if kind == "MUTATION":
        return "HOTSPOT_" + str(coding_effect) if hotspot else str(coding_effect)
    return str(kind)


@dataclass
class OncoPrint:
    genes: list[str]
    samples: list[str]                      # sorted as displayed
    cells: dict[str, dict[str, list[str]]]  # sample -> gene -> labels (only altered)
    profiled: int

    def _pattern(self, sample: str) -> tuple[str, ...]:
        row = self.cells.get(sample, {})
        return tuple("+".join(sorted(set(row.get(g, [])))) for g in self.genes)

    def exact(self) -> dict[str, Any]:
        return {"analysis": "oncoprint", "genes": self.genes, "profiled": self.profiled,
                "matrix": [{"sample_id": s, "alterations": {g: sorted(set(v)) for g, v in self.cells.get(s, {}).items()}}
                           for s in self.samples]}

    def controlled(self, rules: Rules) -> dict[str, Any]:
        counts = Counter(self._pattern(s) for s in self.samples)
        shown, pooled = [], 0
        for pattern, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            if rules.is_small(n):
                pooled += n
            else:
                shown.append({"pattern": dict(zip(self.genes, pattern)), "samples": n})
        # The pool's size follows from the total; a pool of 1..4 would describe that few
        # samples (with the per-gene counts, their genes), so it absorbs the smallest patterns.
        while rules.is_small(pooled) and shown:
            pooled += shown.pop()["samples"]
        per_gene = {g: rules.cell(sum(1 for s in self.samples if self.cells.get(s, {}).get(g))) for g in self.genes}
        return {"analysis": "oncoprint", "genes": self.genes, "profiled": rules.cell(self.profiled),
                "altered_per_gene": per_gene, "patterns": shown, "other_patterns_samples": rules.cell(pooled)}


def _profiled(snap: Snapshot, members: ir.Table) -> ir.Table:
    return alterations.fully_profiled_samples(snap).semi_join(members, "sample_id")


def oncoprint(snap: Snapshot, cohort: Cohort, genes: list[str]) -> OncoPrint:
    """The alterations of `genes` in the cohort's samples profiled for every data type.

    The profiled samples come from one (compiled, kept) query; the genes' events are
    slices of the per-snapshot events table kept in Arrow (`alterations.events_of_genes`),
    narrowed to those samples here."""
    if not genes:
        raise ValueError("an OncoPrint needs at least one gene")
    wanted = [g.upper() for g in genes]
    kept = frequency_memory.fully_profiled(snap, cohort.sample_ids)   # the per-snapshot profile flags, if kept
    if kept is not None:
        profiled = sorted(kept)
    else:
        cohort_samples = pa.table({"sample_id": pa.array(sorted(cohort.sample_ids), pa.string())})
        profiled = sorted(execute_with_members(snap, "oncoprint-profiled", lambda m: _profiled(snap, m), cohort_samples)
                          .column("sample_id").to_pylist())
    ev = alterations.events_of_genes(snap, wanted)
    ev = ev.filter(pc.is_in(ev.column("sample_id"), value_set=pa.array(profiled, pa.string())))
    cells: dict[str, dict[str, list[str]]] = {}
    for s, g, kind, effect, hot in zip(*(ev.column(c).to_pylist() for c in ("sample_id", "gene_key", "kind", "coding_effect", "hotspot"))):
        cells.setdefault(s, {}).setdefault(g, []).append(_label(kind, effect, hot))
    # cBioPortal's order: altered in the first gene first, then the second, ...: the 0/1
    # "not altered" flags per gene read as a binary number, first gene most significant.
    bit_of: dict[str, int] = {}
    for i, g in enumerate(wanted):   # a gene listed twice holds both its bits
        bit_of[g] = bit_of.get(g, 0) + (1 << (len(wanted) - 1 - i))
    unaltered = (1 << len(wanted)) - 1

    def key(s: str) -> tuple[int, str]:
        row = cells.get(s)   # only altered genes: the unaltered flags are all bits minus theirs
        return (unaltered - sum(bit_of[g] for g in row) if row else unaltered, s)
    return OncoPrint(wanted, sorted(profiled, key=key), cells, len(profiled))
