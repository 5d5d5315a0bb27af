"""Alteration frequency per gene in a cohort: altered samples / profiled samples.

Kinds: MUTATION, AMP, DEL, FUSION (alterations.events), DRIVER (a driver-catalogue entry
with likelihood ≥ `min_driver_likelihood`) and ANY (any of those). The denominator of a
kind is the cohort's samples profiled for its data type; ANY counts only in samples
profiled for every type, so a frequency never mixes denominators. Per gene, samples on a
gene panel that lacks the gene are not profiled for it (`panels.uncovered`), as in
cBioPortal. What counts as a mutation and which samples count (QC) is the `Scope`,
named in the answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import dataclasses
import functools
import json

import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from onconode.analysis import alterations, cellkey, panels
from onconode.analysis.alterations import DEFAULT_SCOPE, Scope
from onconode.analysis.cohort import Cohort
from onconode.analysis.materialized import execute_with_members
from onconode.analysis.disclosure import Cell, Rules
from onconode.analysis.queries import Snapshot

FREQUENCY_KINDS = alterations.FREQUENCY_KINDS


def _check_kinds(kinds: tuple[str, ...]) -> None:
    for kind in kinds:
        if kind not in FREQUENCY_KINDS:
            raise ValueError(f"unknown alteration kind {kind!r}; kinds are {', '.join(FREQUENCY_KINDS)}")


@dataclass(frozen=True)
class FrequencyKeys:
    """One cohort's cell keys: per kind, of its profiled samples; per (kind, gene), of the
    altered ones (absent: none altered); of all its samples."""
    profiled: dict[str, int]
    altered_by_name: dict[tuple[str, str], int]
    samples: int = 0   # set by the caller, which knows the cohort's samples

    def altered(self, kinds: list[str], genes: list[str]) -> np.ndarray:
        """The cell keys of the altered samples of each (kind, gene) pair, 0 where none."""
        return np.fromiter((self.altered_by_name.get(kg, 0) for kg in zip(kinds, genes)), np.int64, len(genes))


@dataclass
class FrequencyResult:
    """A cohort's frequencies, kept per kind as two lists (genes, altered counts) in the
    order shown: tens of thousands of rows for "every gene", where an intermediate dict
    per row costs more than counting them."""
    cohort_samples: int
    profiled: dict[str, int]
    columns: list[tuple[str, list[str], list[int]]] = field(default_factory=list)  # (kind, genes, altered) per kind
    profiled_by_gene: dict[str, dict[str, int]] = field(default_factory=dict)   # kind -> gene -> denominator, where a panel lowers it
    scope: Scope = DEFAULT_SCOPE
    keys_of: Callable[[cellkey.RecordKeys], FrequencyKeys] | None = None   # the cells' keys, computed when controlled
    genes_named: bool = False   # the genes were asked for by name (else listed because altered)
    # per kind and gene, the key sum of the profiled samples a panel leaves out (set with profiled_by_gene)
    uncovered_keys_of: Callable[[cellkey.RecordKeys], dict[str, dict[str, int]]] | None = None

    def profiled_for(self, kind: str, gene: str) -> int:
        """The gene's denominator: the kind's profiled samples whose panel covers the gene."""
        return self.profiled_by_gene.get(kind, {}).get(gene, self.profiled[kind])

    @property
    def rows(self) -> list[dict[str, Any]]:
        """One dict per gene and kind: gene, kind, altered."""
        return [{"gene": g, "kind": kind, "altered": a} for kind, genes, altered in self.columns for g, a in zip(genes, altered)]

    def exact(self) -> dict[str, Any]:
        rows: list[dict[str, Any]] = []
        for kind, genes, altered in self.columns:
            lowered, p = self.profiled_by_gene.get(kind), self.profiled[kind]
            if lowered:
                rows += [{"gene": g, "kind": kind, "altered": a, "profiled": q, "frequency": a / q if q else None}
                         for g, a, q in ((g, a, lowered.get(g, p)) for g, a in zip(genes, altered))]
            else:   # tens of thousands of rows for "every gene": no lookup per row
                rows += [{"gene": g, "kind": kind, "altered": a, "profiled": p, "frequency": a / p if p else None}
                         for g, a in zip(genes, altered)]
        return {"analysis": "alteration_frequency", "samples": self.cohort_samples, "profiled": dict(self.profiled),
                "definition": self.scope.describe(), "rows": rows}

    def controlled(self, rules: Rules) -> dict[str, Any]:
        """Perturbed altered and profiled counts (each its own cell key); the frequency is
        perturbed altered / perturbed profiled, "withheld" where either is suppressed."""
        keys = self.keys_of(rules._keys()) if self.keys_of else None
        if keys is None:
            raise RuntimeError("this frequency result cannot compute its cell keys; build it with alteration_frequencies")
        profiled = {k: rules.count(v, keys.profiled[k]) for k, v in self.profiled.items()}
        rows = []
        for kind, genes, altered in self.columns:
            shown = rules.counts(altered, keys.altered([kind] * len(genes), genes), listed=not self.genes_named)
            per_gene = self._profiled_by_gene_shown(rules, kind, keys.profiled[kind])
            rows += [{"gene": g, "kind": kind, "altered": a, "profiled": per_gene.get(g, profiled[kind]),
                      "frequency": rules.share(a, per_gene.get(g, profiled[kind]))} for g, a in zip(genes, shown)]
        return {"analysis": "alteration_frequency", "samples": rules.count(self.cohort_samples, keys.samples),
                "profiled": profiled, "definition": self.scope.describe(), "rows": rows}

    def _profiled_by_gene_shown(self, rules: Rules, kind: str, kind_key: int) -> dict[str, Cell]:
        """The perturbed denominators of the genes a panel lowers: each is its own cell (the
        kind's profiled samples minus those on a panel without the gene), keyed as such."""
        lowered = self.profiled_by_gene.get(kind, {})
        if not lowered:
            return {}
        left_out = (self.uncovered_keys_of(rules._keys()) if self.uncovered_keys_of else {}).get(kind, {})
        genes = list(lowered)
        cells = rules.counts([lowered[g] for g in genes], [(kind_key - left_out.get(g, 0)) % cellkey.KEY_RANGE for g in genes])
        return dict(zip(genes, cells))


def _profiled_members(snap: Snapshot, members: ir.Table, scope: Scope) -> ir.Table:
    return alterations.profiles(snap, scope).join(members, "sample_id")


def _denominators(snap: Snapshot, members: ir.Table, kinds: tuple[str, ...], scope: Scope) -> ir.Table:
    """Per cohort, its samples profiled for each kind (every data type for DRIVER and ANY)."""
    prof = _profiled_members(snap, members, scope)
    full = prof.mutations & prof.cna & prof.structural_variants
    flags = {k: prof[alterations.PROFILE_OF_KIND[k]] if k in alterations.PROFILE_OF_KIND else full for k in kinds}
    sums = {k: f.cast("int64").sum() for k, f in flags.items()}
    if "key" in members.columns:   # the cells' keys: each profiled sample's record key summed
        sums.update({f"{k}|key": (f.cast("int64") * prof.key).sum() for k, f in flags.items()})
    return prof.group_by("cohort").aggregate(**sums)


def _altered(snap: Snapshot, members: ir.Table, kinds: tuple[str, ...], wanted: list[str] | None,
             min_driver_likelihood: float, scope: Scope) -> ir.Table:
    """Per cohort and (upper-case) gene, one column per kind: how many of the cohort's
    samples profiled for it are altered (with `key` among the members' columns, also
    `<kind>|key`: their record keys summed). One scan of the cohort's rows of the
    per-(sample, gene) table (`alterations.gene_pairs`), grouped by integer codes; a gene
    list reads only its genes' row groups."""
    p = alterations.gene_pairs(snap, scope)
    samples, genes = alterations.gene_codes(snap, scope)
    if wanted is not None:
        p = p.filter(p.gene == wanted[0] if len(wanted) == 1 else p.gene.isin(wanted))
    cohort = members.join(samples, "sample_id").select("s", "cohort", *(["key"] if "key" in members.columns else []))
    j = p.select("s", "g", "m", "a", "d", "f", "lk", "ev").join(cohort, "s")
    driver = j.lk >= min_driver_likelihood   # NULL (no driver entry, or not profiled for every type) never counts
    counted = {"MUTATION": j.m, "AMP": j.a, "DEL": j.d, "FUSION": j.f, "DRIVER": driver, "ANY": j.ev | driver}
    sums = {k: j.s.count(where=counted[k]) for k in kinds}
    if "key" in members.columns:
        sums.update({f"{k}|key": j.key.sum(where=counted[k]) for k in kinds})
    per_gene = j.group_by(["cohort", "g"]).aggregate(**sums)
    return per_gene.join(genes, "g").drop("g")


def alteration_frequency(snap: Snapshot, cohort: Cohort, genes: list[str] | None = None,
                         kinds: tuple[str, ...] = FREQUENCY_KINDS, min_driver_likelihood: float = 0.5,
                         scope: Scope = DEFAULT_SCOPE) -> FrequencyResult:
    """Per gene and kind, how many of the cohort's profiled samples are altered; genes
    with no alteration are listed (with 0) only when asked for by name."""
    return alteration_frequencies(snap, {"cohort": cohort}, genes, kinds, min_driver_likelihood, scope=scope)["cohort"]


def alteration_frequencies(snap: Snapshot, cohorts: dict[str, Cohort], genes: list[str] | None = None,
                           kinds: tuple[str, ...] = FREQUENCY_KINDS, min_driver_likelihood: float = 0.5,
                           known_withdrawals: int | None = None, scope: Scope = DEFAULT_SCOPE) -> dict[str, FrequencyResult]:
    """`alteration_frequency` of several cohorts with two queries in all — the
    denominators, and the altered samples per cohort, gene and kind — on the per-snapshot
    tables (`alterations.profiles`, `.gene_pairs`), the cohorts joining as a table.

    A kind counts in a sample only where the sample is profiled for it; DRIVER and ANY
    only in samples profiled for every data type. `known_withdrawals`: the store's
    withdrawal count the caller read for its whole answer (`materialized.withdrawals`)."""
    _check_kinds(kinds)
    names = list(cohorts)
    wanted = [g.upper() for g in genes] if genes else None
    members = _members(cohorts)
    key = json.dumps([list(kinds), wanted, min_driver_likelihood, scope.suffix])
    found: dict[cellkey.RecordKeys, dict[str, FrequencyKeys]] = {}

    def keys_of(name: str, keys: cellkey.RecordKeys) -> FrequencyKeys:
        """The cell keys of every cohort's cells (computed once, when a controlled view asks)."""
        if keys not in found:
            found[keys] = {n: dataclasses.replace(k, samples=keys.cell(cohorts[n].sample_ids)) for n, k in
                           _keys(snap, cohorts, members, key, kinds, wanted, min_driver_likelihood, keys, scope).items()}
        return found[keys][name]

    denom = {r["cohort"]: r for r in execute_with_members(
        snap, "frequency-denominators:" + key, lambda m: _denominators(snap, m, kinds, scope), members).to_pylist()}
    altered = execute_with_members(snap, "frequency-altered:" + key,
                                   lambda m: _altered(snap, m, kinds, wanted, min_driver_likelihood, scope), members)
    out = {}
    for i, n in enumerate(names):
        result = FrequencyResult(cohorts[n].samples, {k: int(denom.get(i, {}).get(k) or 0) for k in kinds}, scope=scope,
                                 keys_of=functools.partial(keys_of, n), genes_named=wanted is not None)
        mine = altered.filter(pc.equal(altered.column("cohort"), i)) if len(names) > 1 else altered
        result.columns = _columns(mine, kinds, wanted)
        out[n] = result
    return _per_gene_denominators(snap, cohorts, out, kinds, scope)


def _columns(altered: pa.Table, kinds: tuple[str, ...], wanted: list[str] | None) -> list[tuple[str, list[str], list[int]]]:
    """Per kind in display order: its genes, most altered first, then by name (Arrow sorts
    UTF-8 bytes: Python's order of the names) — every altered gene (a kind with none is
    left out), or exactly the `wanted` genes (0 where unaltered)."""
    out = []
    for kind in sorted(kinds, key=FREQUENCY_KINDS.index):
        if wanted is None:
            t = altered.select(["gene", kind]).filter(pc.greater(altered.column(kind), 0))
            if t.num_rows:
                t = t.take(pc.sort_indices(t, sort_keys=[(kind, "descending"), ("gene", "ascending")]))
                out.append((kind, t.column("gene").to_pylist(), t.column(kind).to_pylist()))
            continue
        found = dict(zip(altered.column("gene").to_pylist(), altered.column(kind).to_pylist()))
        order = sorted((-(found.get(g) or 0), g) for g in wanted)
        out.append((kind, [g for _, g in order], [-a for a, _ in order]))
    return out


def _per_gene_denominators(snap: Snapshot, cohorts: dict[str, Cohort], results: dict[str, FrequencyResult],
                           kinds: tuple[str, ...], scope: Scope) -> dict[str, FrequencyResult]:
    """Each result's per-gene denominators where gene panels lower them (`panels.uncovered`),
    for every gene any of the results lists (a comparison reads each group's)."""
    cov = panels.coverage(snap)
    if not cov.panel_of:
        return results
    genes = {g for r in results.values() for _, gs, _ in r.columns for g in gs}
    for n, r in results.items():
        for kind, per_gene in panels.uncovered(snap, cohorts[n], genes, kinds, scope, cov).items():
            r.profiled_by_gene[kind] = {g: r.profiled[kind] - u for g, u in per_gene.items()}
        r.uncovered_keys_of = functools.partial(_uncovered_keys, snap, cohorts[n], genes, kinds, scope, cov)
    return results


def _uncovered_keys(snap: Snapshot, cohort: Cohort, genes: set[str], kinds: tuple[str, ...], scope: Scope,
                    cov: panels.Coverage, keys: cellkey.RecordKeys) -> dict[str, dict[str, int]]:
    return panels.uncovered(snap, cohort, genes, kinds, scope, cov, weight=keys.key)


def _members(cohorts: dict[str, Cohort]) -> pa.Table:
    """The cohorts' samples as a table (sample_id, cohort: the cohort's position) the SQL
    joins with."""
    names = list(cohorts)
    return pa.table({
        "sample_id": pa.array([s for n in names for s in sorted(cohorts[n].sample_ids)], pa.string()),
        "cohort": pa.array([i for i, n in enumerate(names) for _ in cohorts[n].sample_ids], pa.int32())})


def _keys(snap: Snapshot, cohorts: dict[str, Cohort], members: pa.Table, key: str, kinds: tuple[str, ...],
          wanted: list[str] | None, min_driver_likelihood: float, keys: cellkey.RecordKeys,
          scope: Scope = DEFAULT_SCOPE) -> dict[str, FrequencyKeys]:
    """The cells' keys: the frequency queries with each member's record key summed
    alongside the counts."""
    members = members.append_column("key", pa.array(keys.of(members.column("sample_id").to_pylist()), pa.int64()))
    denom = {r["cohort"]: r for r in execute_with_members(
        snap, "frequency-denominator-keys:" + key, lambda m: _denominators(snap, m, kinds, scope), members).to_pylist()}
    altered = execute_with_members(snap, "frequency-altered-keys:" + key,
                                   lambda m: _altered(snap, m, kinds, wanted, min_driver_likelihood, scope), members)
    names = list(cohorts)
    by_name: dict[int, dict[tuple[str, str], int]] = {i: {} for i in range(len(names))}
    cohort_col, gene_col = altered.column("cohort").to_pylist(), altered.column("gene").to_pylist()
    for k in kinds:
        for c, g, a, s in zip(cohort_col, gene_col, altered.column(k).to_pylist(), altered.column(f"{k}|key").to_pylist()):
            if a:
                by_name[c][(k, g)] = int(s) % cellkey.KEY_RANGE
    return {n: FrequencyKeys({k: int(denom.get(i, {}).get(f"{k}|key") or 0) % cellkey.KEY_RANGE for k in kinds}, by_name[i])
            for i, n in enumerate(names)}
