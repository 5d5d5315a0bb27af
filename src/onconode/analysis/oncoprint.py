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
from typing import Any, Callable

import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from onconode.analysis import alterations, cohort_memory, frequency_memory, panels
from onconode.analysis.alterations import DEFAULT_SCOPE, Scope
from onconode.analysis.cellkey import KEY_RANGE, RecordKeys
from onconode.analysis.cohort import Cohort
from onconode.analysis.materialized import execute_with_members, withdrawals
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
    found = _by_position(snap, cohort, wanted) if cohort.codes is not None and scope == DEFAULT_SCOPE else None
    found = found or _by_id(snap, cohort, wanted, scope)
    found.scope = scope
    cov = panels.coverage(snap)
    if cov.panel_of:   # the matrix's samples are profiled for every data type: DRIVER / ANY coverage
        lowered = panels.uncovered(snap, found.samples, wanted, ("ANY",), scope, cov).get("ANY", {})
        found.profiled_by_gene = {g: found.profiled - n for g, n in lowered.items()}
        found.uncovered_keys_of = functools.partial(_uncovered_keys, snap, list(found.samples), wanted, scope, cov)
    return found


def matrix_rows(sample_ids: list[str], first: np.ndarray, end: np.ndarray, pairs: list[tuple[str, list[str]]],
                cells: np.ndarray) -> list[dict[str, Any]]:
    """The matrix rows: sample i with the (gene, labels) pairs[cells[j]] for j in
    [first[i], end[i]) as its alterations (an empty run: none). The labels lists are
    shared between rows, not copied. (A C builder stood here, `_oncoprint.c`: ~0.6 ms
    of a ~1 ms question at 834 samples; issue 19 measured what users wait for.)"""
    runs = cells.tolist()
    return [{"sample_id": s, "alterations": dict(pairs[c] for c in runs[f:e])}
            for s, f, e in zip(sample_ids, first.tolist(), end.tolist())]


def _by_position(snap: Snapshot, cohort: Cohort, wanted: list[str]) -> OncoPrint | None:
    """The OncoPrint of a cohort evaluated in memory, from the sample index's per-gene
    event arrays (`cohort_memory`): a mask selects the events, one sort groups them into
    cells, each cell's labels are OR-ed bits, one stable argsort orders the samples, and
    the matrix rows are built in one pass (its Python objects are most of the time).
    None when the profile flags are not kept (the caller takes `_by_id`)."""
    index = cohort.index
    full = frequency_memory.fully_profiled_positions(snap, index)
    if full is None:
        return None
    inside = np.zeros(index.size, bool)
    inside[cohort.codes] = True
    inside &= full
    w = withdrawals(snap)
    genes = list(dict.fromkeys(wanted))
    events = [index.gene_events(snap, g, w) for g in genes]   # first: reading a gene may add labels
    names = sorted(cohort_memory.LABELS)
    if len(names) > 62:   # a cell's labels are bits of an int64 below; not seen in practice
        return None
    rank = np.argsort(np.argsort(np.array(cohort_memory.LABELS, dtype=object).astype(str)))   # code -> sorted place
    # the genes' events in the cohort's profiled samples, by (sample, gene), each label a bit of its sorted place
    pos = np.concatenate([e.sample for e in events])
    sel = inside[pos]
    gene = np.repeat(np.arange(len(genes)), [len(e.sample) for e in events])[sel]
    pos = pos[sel]
    order = np.argsort(pos * len(genes) + gene)
    pos, gene = pos[order], gene[order]
    bits = np.left_shift(1, rank[np.concatenate([e.label for e in events])[sel][order]])
    # one cell per (sample, gene): its labels' bits OR-ed
    starts = np.flatnonzero(np.r_[True, (pos[1:] != pos[:-1]) | (gene[1:] != gene[:-1])]) if len(pos) else np.zeros(0, np.int64)
    cell_pos, cell_gene = pos[starts], gene[starts]
    combo = np.bitwise_or.reduceat(bits, starts) if len(starts) else bits
    # a (gene, sorted labels) pair per gene and distinct combination, shared by its cells (read-only)
    ordered = np.sort(combo)
    distinct = ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered
    lists = [[n for i, n in enumerate(names) if c >> i & 1] for c in distinct.tolist()]
    pairs = [(g, labels) for g in genes for labels in lists]
    cells = cell_gene * len(distinct) + np.searchsorted(distinct, combo)   # each cell's pair
    # each altered sample's run of cells: [first, end) in `pairs`; an unaltered one's is empty
    runs = np.flatnonzero(np.r_[True, cell_pos[1:] != cell_pos[:-1]]) if len(starts) else np.zeros(0, np.int64)
    first, end = np.zeros(index.size, np.int64), np.zeros(index.size, np.int64)
    first[cell_pos[runs]], end[cell_pos[runs]] = runs, np.r_[runs[1:], len(starts)]
    # cBioPortal's order: altered in the first listed gene first, then the second, ...,
    # then by sample id (positions follow the ids' order)
    profiled = np.flatnonzero(inside)
    if len(wanted) <= 62:   # the "not altered" flags per listed gene as one binary number, first gene highest
        weight = np.zeros(len(genes), np.int64)
        np.add.at(weight, [genes.index(g) for g in wanted], np.left_shift(1, np.arange(len(wanted))[::-1]))
        rank = np.full(index.size, int(weight.sum()), np.int64)
        np.subtract.at(rank, cell_pos, weight[cell_gene])
        order = profiled[np.argsort(rank[profiled], kind="stable")]
    else:
        altered = np.zeros((len(genes), index.size), bool)
        altered[cell_gene, cell_pos] = True
        order = profiled[np.lexsort([profiled] + [~altered[genes.index(g), profiled] for g in reversed(wanted)])]
    matrix = matrix_rows(index.sample_ids[order].tolist(), first[order], end[order], pairs, cells)
    return OncoPrint(wanted, matrix, len(profiled))


def _by_id(snap: Snapshot, cohort: Cohort, wanted: list[str], scope: Scope = DEFAULT_SCOPE) -> OncoPrint:
    """The OncoPrint of any cohort (e.g. one the SQL evaluated).

    The profiled samples come from one (compiled, kept) query; the genes' events are
    slices of the per-snapshot events table kept in Arrow (`alterations.events_of_genes`),
    narrowed to those samples here."""
    # the per-snapshot profile flags, if kept (the default scope's)
    kept = frequency_memory.fully_profiled(snap, cohort.sample_ids) if scope == DEFAULT_SCOPE else None
    if kept is not None:
        profiled = sorted(kept)
    else:
        cohort_samples = pa.table({"sample_id": pa.array(sorted(cohort.sample_ids), pa.string())})
        profiled = sorted(execute_with_members(snap, "oncoprint-profiled" + scope.suffix, lambda m: _profiled(snap, m, scope),
                                               cohort_samples).column("sample_id").to_pylist())
    ev = alterations.events_of_genes(snap, wanted, scope=scope)
    ev = ev.filter(pc.is_in(ev.column("sample_id"), value_set=pa.array(profiled, pa.string())))
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
    return OncoPrint.of_cells(wanted, sorted(profiled, key=key), cells, len(profiled))


def _uncovered_keys(snap: Snapshot, samples: list[str], genes: list[str], scope: Scope, cov: panels.Coverage,
                    keys: RecordKeys) -> dict[str, int]:
    return panels.uncovered(snap, samples, genes, ("ANY",), scope, cov, weight=keys.key).get("ANY", {})
