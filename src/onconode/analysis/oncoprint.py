"""OncoPrint: which of a gene list's alterations each sample of a cohort carries.

Exact (licensed) view: the sample × gene matrix, samples ordered as cBioPortal orders
them (by the first gene altered, then the next, ...). A matrix is patient-level data, so
the controlled view is the same picture without individuals: every distinct alteration
pattern across the genes with how many samples show it, small patterns hidden and pooled.
Samples on a gene panel that lacks a gene are not profiled for it: `profiled_by_gene`
gives those genes' lower counts (`panels.uncovered`). The events are the `Scope`'s.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Callable

import ibis.expr.types as ir
import pyarrow as pa

from onconode.analysis import alterations, panels
from onconode.analysis.alterations import DEFAULT_SCOPE, Scope
from onconode.analysis.cellkey import KEY_RANGE, RecordKeys
from onconode.analysis.cohort import Cohort
from onconode.analysis.materialized import execute_with_members
from onconode.analysis.disclosure import Rules
from onconode.analysis.queries import Snapshot


class OncoPrint:
    """The matrix as displayed: one row per profiled sample, in cBioPortal's order, with
    each altered gene's distinct labels, sorted."""

    def __init__(self, genes: list[str], matrix: list[dict[str, Any]], profiled: int) -> None:
        self.genes, self.matrix, self.profiled = genes, matrix, profiled
        self.profiled_by_gene: dict[str, int] = {}   # gene -> profiled samples, where a panel lowers it
        self.uncovered_keys_of: Callable[[RecordKeys], dict[str, int]] | None = None   # gene -> key sum of those left out
        self.scope: Scope = DEFAULT_SCOPE

    @classmethod
    def of_cells(cls, genes: list[str], samples: list[str], cells: dict[str, dict[str, list[str]]], profiled: int) -> "OncoPrint":
        """From the samples in display order and their altered genes' labels."""
        return cls(genes, [{"sample_id": s, "alterations": cells.get(s, {})} for s in samples], profiled)

    @property
    def samples(self) -> list[str]:
        return [r["sample_id"] for r in self.matrix]

    @property
    def cells(self) -> dict[str, dict[str, list[str]]]:
        """sample -> gene -> labels, altered samples only."""
        return {r["sample_id"]: r["alterations"] for r in self.matrix if r["alterations"]}

    def _pattern(self, row: dict[str, list[str]]) -> tuple[str, ...]:
        return tuple("+".join(row.get(g, [])) for g in self.genes)

    def exact(self) -> dict[str, Any]:
        return {"analysis": "oncoprint", "genes": self.genes, "profiled": self.profiled,
                "profiled_by_gene": dict(self.profiled_by_gene), "definition": self.scope.describe(), "matrix": self.matrix}

    def controlled(self, rules: Rules) -> dict[str, Any]:
        """Every distinct pattern with its perturbed number of samples (its samples' cell
        key); patterns whose perturbed count is 0..4 are pooled into one cell of their
        own, perturbed too. Per gene, the perturbed number of altered samples."""
        members: dict[tuple[str, ...], list[str]] = {}
        for r in self.matrix:
            members.setdefault(self._pattern(r["alterations"]), []).append(r["sample_id"])
        ordered = sorted(members.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        shown, pooled = [], []
        for (pattern, ids), value in zip(ordered, rules.counts([len(m) for _, m in ordered], [rules.key(m) for _, m in ordered])):
            if isinstance(value, str) or value == 0:   # a pattern listed with 0 would still say it exists
                pooled += ids
            else:
                shown.append({"pattern": dict(zip(self.genes, pattern)), "samples": value})
        per_gene = {g: rules.count_of([r["sample_id"] for r in self.matrix if r["alterations"].get(g)]) for g in self.genes}
        return {"analysis": "oncoprint", "genes": self.genes, "profiled": rules.count_of(self.samples),
                "profiled_by_gene": self._profiled_by_gene_shown(rules), "definition": self.scope.describe(),
                "altered_per_gene": per_gene, "patterns": shown, "other_patterns_samples": rules.count_of(pooled)}

    def _profiled_by_gene_shown(self, rules: Rules) -> dict[str, Any]:
        """The perturbed profiled count of each gene a panel lowers: the matrix's samples less
        those on a panel without the gene, a cell of its own with its own key."""
        if not self.profiled_by_gene:
            return {}
        left_out = self.uncovered_keys_of(rules._keys()) if self.uncovered_keys_of else {}
        genes = list(self.profiled_by_gene)
        whole = rules.key(self.samples)
        cells = rules.counts([self.profiled_by_gene[g] for g in genes], [(whole - left_out.get(g, 0)) % KEY_RANGE for g in genes])
        return dict(zip(genes, cells))


def _profiled(snap: Snapshot, members: ir.Table, scope: Scope = DEFAULT_SCOPE) -> ir.Table:
    return alterations.fully_profiled_samples(snap, scope).semi_join(members, "sample_id")


def oncoprint(snap: Snapshot, cohort: Cohort, genes: list[str], scope: Scope = DEFAULT_SCOPE) -> OncoPrint:
    """The alterations of `genes` in the cohort's samples profiled for every data type."""
    if not genes:
        raise ValueError("an OncoPrint needs at least one gene")
    wanted = [g.upper() for g in genes]
    found = _matrix(snap, cohort, wanted, scope)
    found.scope = scope
    cov = panels.coverage(snap)
    if cov.panel_of:   # the matrix's samples are profiled for every data type: DRIVER / ANY coverage
        lowered = panels.uncovered(snap, found.samples, wanted, ("ANY",), scope, cov).get("ANY", {})
        found.profiled_by_gene = {g: found.profiled - n for g, n in lowered.items()}
        found.uncovered_keys_of = functools.partial(_uncovered_keys, snap, list(found.samples), wanted, scope, cov)
    return found


def _events(snap: Snapshot, members: ir.Table, wanted: list[str], scope: Scope = DEFAULT_SCOPE) -> ir.Table:
    """The events of the `wanted` genes in the members' samples (the events table is sorted
    by gene: only those genes' row groups are read)."""
    e = alterations.events(snap, scope=scope)
    e = e.filter(alterations.gene_is(e, wanted)).semi_join(members, "sample_id")
    return e.select("sample_id", "gene_key", "kind", "coding_effect", "hotspot")


def _matrix(snap: Snapshot, cohort: Cohort, wanted: list[str], scope: Scope = DEFAULT_SCOPE) -> OncoPrint:
    """The cohort's profiled samples and their events in the genes, by two queries
    (compiled once per store snapshot, the cohort joining as a table), in display order."""
    cohort_samples = pa.table({"sample_id": pa.array(sorted(cohort.sample_ids), pa.string())})
    profiled = pa.table({"sample_id": pa.array(sorted(execute_with_members(
        snap, "oncoprint-profiled" + scope.suffix, lambda m: _profiled(snap, m, scope), cohort_samples
    ).column("sample_id").to_pylist()), pa.string())})
    genes = sorted(set(wanted))
    ev = execute_with_members(snap, "oncoprint-events" + scope.suffix + json.dumps(genes),
                              lambda m: _events(snap, m, genes, scope), profiled)
    cells: dict[str, dict[str, list[str]]] = {}
    for s, g, kind, effect, hot in zip(*(ev.column(c).to_pylist() for c in ("sample_id", "gene_key", "kind", "coding_effect", "hotspot"))):
        cells.setdefault(s, {}).setdefault(g, []).append(alterations.label(kind, effect, hot))
    cells = {s: {g: sorted(set(v)) for g, v in row.items()} for s, row in cells.items()}
    # cBioPortal's order: altered in the first gene first, then the second, ...: the 0/1
    # "not altered" flags per gene read as a binary number, first gene most significant.
    bit_of: dict[str, int] = {}
    for i, g in enumerate(wanted):   # a gene listed twice holds both its bits
        bit_of[g] = bit_of.get(g, 0) + (1 << (len(wanted) - 1 - i))
    unaltered = (1 << len(wanted)) - 1

    def key(s: str) -> tuple[int, str]:
        row = cells.get(s)   # only altered genes: the unaltered flags are all bits minus theirs
        return (unaltered - sum(bit_of[g] for g in row) if row else unaltered, s)
    samples = profiled.column("sample_id").to_pylist()
    return OncoPrint.of_cells(wanted, sorted(samples, key=key), cells, len(samples))


def _uncovered_keys(snap: Snapshot, samples: list[str], genes: list[str], scope: Scope, cov: panels.Coverage,
                    keys: RecordKeys) -> dict[str, int]:
    return panels.uncovered(snap, samples, genes, ("ANY",), scope, cov, weight=keys.key).get("ANY", {})
