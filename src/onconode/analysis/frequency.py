"""Alteration frequency per gene in a cohort: altered samples / profiled samples.

Kinds: MUTATION, AMP, DEL, FUSION (alterations.events), DRIVER (a driver-catalogue entry
with likelihood ≥ `min_driver_likelihood`) and ANY (any of those). The denominator of a
kind is the cohort's samples profiled for its data type; ANY counts only in samples
profiled for every type, so a frequency never mixes denominators.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import dataclasses
import functools
import itertools
import json

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from onconode.analysis import alterations, cellkey, frequency_memory
from onconode.analysis.cohort import Cohort
from onconode.analysis.materialized import execute_with_members
from onconode.analysis.disclosure import Rules
from onconode.analysis.frequency_memory import FrequencyKeys
from onconode.analysis.queries import Snapshot

FREQUENCY_KINDS = alterations.FREQUENCY_KINDS


def _check_kinds(kinds: tuple[str, ...]) -> None:
    for kind in kinds:
        if kind not in FREQUENCY_KINDS:
            raise ValueError(f"unknown alteration kind {kind!r}; kinds are {', '.join(FREQUENCY_KINDS)}")


@dataclass
class FrequencyResult:
    """A cohort's frequencies, kept per kind as two lists (genes, altered counts) in the
    order shown: tens of thousands of rows for "every gene", where an intermediate dict
    per row costs more than counting them."""
    cohort_samples: int
    profiled: dict[str, int]
    columns: list[tuple[str, list[str], list[int]]] = field(default_factory=list)  # (kind, genes, altered) per kind
    keys_of: Callable[[cellkey.RecordKeys], FrequencyKeys] | None = None   # the cells' keys, computed when controlled
    genes_named: bool = False   # the genes were asked for by name (else listed because altered)

    @property
    def rows(self) -> list[dict[str, Any]]:
        """One dict per gene and kind: gene, kind, altered."""
        return [{"gene": g, "kind": kind, "altered": a} for kind, genes, altered in self.columns for g, a in zip(genes, altered)]

    def exact(self) -> dict[str, Any]:
        rows: list[dict[str, Any]] = []
        for kind, genes, altered in self.columns:
            p = self.profiled[kind]
            rows += [{"gene": g, "kind": kind, "altered": a, "profiled": p, "frequency": a / p if p else None}
                     for g, a in zip(genes, altered)]
        return {"analysis": "alteration_frequency", "samples": self.cohort_samples, "profiled": dict(self.profiled), "rows": rows}

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
            p = profiled[kind]
            rows += [{"gene": g, "kind": kind, "altered": a, "profiled": p, "frequency": rules.share(a, p)}
                     for g, a in zip(genes, shown)]
        return {"analysis": "alteration_frequency", "samples": rules.count(self.cohort_samples, keys.samples),
                "profiled": profiled, "rows": rows}


def _profiled_members(snap: Snapshot, members: ir.Table) -> ir.Table:
    return alterations.profiles(snap).join(members, "sample_id")


def _denominators(snap: Snapshot, members: ir.Table, kinds: tuple[str, ...]) -> ir.Table:
    """Per cohort, its samples profiled for each kind (every data type for DRIVER and ANY)."""
    prof = _profiled_members(snap, members)
    full = prof.mutations & prof.cna & prof.structural_variants
    flags = {k: prof[alterations.PROFILE_OF_KIND[k]] if k in alterations.PROFILE_OF_KIND else full for k in kinds}
    sums = {k: f.cast("int64").sum() for k, f in flags.items()}
    if "key" in members.columns:   # the cells' keys: each profiled sample's record key summed
        sums.update({f"{k}|key": (f.cast("int64") * prof.key).sum() for k, f in flags.items()})
    return prof.group_by("cohort").aggregate(**sums)


def _altered(snap: Snapshot, members: ir.Table, kinds: tuple[str, ...], wanted: list[str] | None,
             min_driver_likelihood: float) -> ir.Table:
    """Per cohort, kind and (upper-case) gene: how many profiled samples are altered."""
    prof = _profiled_members(snap, members)
    event_kinds = [k for k in alterations.KINDS if k in kinds or "ANY" in kinds]
    rows = alterations.events(snap, tuple(event_kinds)).select("sample_id", "gene", "kind") if event_kinds else None
    if "DRIVER" in kinds or "ANY" in kinds:
        d = alterations.drivers(snap, min_driver_likelihood)
        d = d.select("sample_id", "gene", kind=ibis.literal("DRIVER"))
        rows = d if rows is None else rows.union(d)
    j = rows.join(prof, "sample_id")
    if wanted is not None:
        j = j.filter(j.gene.upper().isin(wanted))
    everything = j.mutations & j.cna & j.structural_variants
    profiled = ibis.cases(*((j.kind == k, j[alterations.PROFILE_OF_KIND[k]]) for k in alterations.PROFILE_OF_KIND), else_=everything)
    parts = []
    specific = [k for k in kinds if k != "ANY"]
    if specific:
        parts.append(j.filter(j.kind.isin(specific), profiled).select("cohort", "kind", "sample_id", gene=j.gene.upper()))
    if "ANY" in kinds:
        parts.append(j.filter(everything).select("cohort", kind=ibis.literal("ANY"), sample_id=j.sample_id, gene=j.gene.upper()))
    per_kind = parts[0] if len(parts) == 1 else parts[0].union(parts[1])
    if "key" in members.columns:   # the cells' keys: each altered sample's record key, once
        per_kind = per_kind.distinct().join(members.select("cohort", "sample_id", "key"), ["cohort", "sample_id"])
        return per_kind.group_by(["cohort", "kind", "gene"]).aggregate(altered=per_kind.sample_id.count(), key=per_kind.key.sum())
    return per_kind.group_by(["cohort", "kind", "gene"]).aggregate(altered=per_kind.sample_id.nunique())


def alteration_frequency(snap: Snapshot, cohort: Cohort, genes: list[str] | None = None,
                         kinds: tuple[str, ...] = FREQUENCY_KINDS, min_driver_likelihood: float = 0.5) -> FrequencyResult:
    """Per gene and kind, how many of the cohort's profiled samples are altered; genes
    with no alteration are listed (with 0) only when asked for by name."""
    return alteration_frequencies(snap, {"cohort": cohort}, genes, kinds, min_driver_likelihood)["cohort"]


def alteration_frequencies(snap: Snapshot, cohorts: dict[str, Cohort], genes: list[str] | None = None,
                           kinds: tuple[str, ...] = FREQUENCY_KINDS, min_driver_likelihood: float = 0.5,
                           known_withdrawals: int | None = None) -> dict[str, FrequencyResult]:
    """`alteration_frequency` of several cohorts with two queries in all — the
    denominators, and the altered samples per cohort, kind and gene — on the per-snapshot
    alteration tables (`alterations.events`, `.drivers`, `.profiles`).

    A kind counts in a sample only where the sample is profiled for it; DRIVER and ANY
    only in samples profiled for every data type. `known_withdrawals`: the store's
    withdrawal count the caller read for its whole answer (`materialized.withdrawals`)."""
    _check_kinds(kinds)
    names = list(cohorts)
    wanted = [g.upper() for g in genes] if genes else None
    fast = frequency_memory.frequencies(snap, cohorts, kinds, wanted, min_driver_likelihood, known_withdrawals)
    members = _members(cohorts) if fast is None else None
    key = json.dumps([list(kinds), wanted, min_driver_likelihood])
    found: dict[cellkey.RecordKeys, dict[str, FrequencyKeys]] = {}

    def keys_of(name: str, keys: cellkey.RecordKeys) -> FrequencyKeys:
        """The cell keys of every cohort's cells (computed once, when a controlled view asks)."""
        if keys not in found:
            kept = frequency_memory.frequency_keys(snap, cohorts, kinds, wanted, min_driver_likelihood, keys, known_withdrawals)
            found[keys] = {n: dataclasses.replace(k, samples=keys.cell(cohorts[n].sample_ids)) for n, k in
                           (kept or _sql_keys(snap, cohorts, members, key, kinds, wanted, min_driver_likelihood, keys)).items()}
        return found[keys][name]

    if fast is not None:
        out: dict[str, FrequencyResult] = {}
        for n in names:
            profiled, columns = fast[n]
            out[n] = FrequencyResult(cohorts[n].samples, profiled, columns, functools.partial(keys_of, n), wanted is not None)
        return out
    denom = {r["cohort"]: r for r in execute_with_members(
        snap, "frequency-denominators:" + key, lambda m: _denominators(snap, m, kinds), members).to_pylist()}
    altered = execute_with_members(snap, "frequency-altered:" + key,
                                   lambda m: _altered(snap, m, kinds, wanted, min_driver_likelihood), members)
    counts: dict[tuple[str, str], dict[str, int]] = {}
    # column-wise: tens of thousands of rows for "every gene", where row dicts cost 0.1 s
    for c, k, g, a in zip(*(altered.column(x).to_pylist() for x in ("cohort", "kind", "gene", "altered"))):
        counts.setdefault((c, k), {})[g] = a
    out = {}
    for n in names:
        result = FrequencyResult(cohorts[n].samples, {k: int(denom.get(n, {}).get(k) or 0) for k in kinds},
                                 keys_of=functools.partial(keys_of, n), genes_named=wanted is not None)
        order = []
        for kind in kinds:
            found = counts.get((n, kind), {})
            rank = FREQUENCY_KINDS.index(kind)
            order += [(rank, -a, g, kind) for g, a in ((g, found.get(g, 0)) for g in (wanted if wanted is not None else found))]
        order.sort()
        for kind, group in itertools.groupby(order, key=lambda o: o[3]):
            group = list(group)
            result.columns.append((kind, [g for _, _, g, _ in group], [-na for _, na, _, _ in group]))
        out[n] = result
    return out


def _members(cohorts: dict[str, Cohort]) -> pa.Table:
    """The cohorts' samples as a table (sample_id, cohort) the SQL joins with."""
    names = list(cohorts)
    return pa.table({
        "sample_id": pa.array([s for n in names for s in sorted(cohorts[n].sample_ids)], pa.string()),
        "cohort": pa.array([n for n in names for _ in cohorts[n].sample_ids], pa.string())})


def _sql_keys(snap: Snapshot, cohorts: dict[str, Cohort], members: pa.Table | None, key: str, kinds: tuple[str, ...],
              wanted: list[str] | None, min_driver_likelihood: float, keys: cellkey.RecordKeys) -> dict[str, FrequencyKeys]:
    """The cells' keys by the SQL (where the kept arrays do not cover the snapshot): the
    frequency queries with each member's record key summed alongside the counts."""
    names = list(cohorts)
    members = members if members is not None else _members(cohorts).append_column("key", pa.array(keys.of(members.column("sample_id").to_pylist()), pa.int64()))
    denom = {r["cohort"]: r for r in execute_with_members(
        snap, "frequency-denominator-keys:" + key, lambda m: _denominators(snap, m, kinds), members).to_pylist()}
    altered = execute_with_members(snap, "frequency-altered-keys:" + key,
                                   lambda m: _altered(snap, m, kinds, wanted, min_driver_likelihood), members)
    by_name: dict[str, dict[tuple[str, str], int]] = {n: {} for n in names}
    for c, k, g, s in zip(*(altered.column(x).to_pylist() for x in ("cohort", "kind", "gene", "key"))):
        by_name[c][(k, g)] = int(s) % cellkey.KEY_RANGE
    return {n: FrequencyKeys({k: int(denom.get(n, {}).get(f"{k}|key") or 0) % cellkey.KEY_RANGE for k in kinds}, {}, {},
                             by_name[n]) for n in names}
