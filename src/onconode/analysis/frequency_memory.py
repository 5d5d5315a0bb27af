"""Alteration frequencies counted in NumPy from per-snapshot arrays.

`frequency.alteration_frequencies` asks DuckDB two queries per call (denominators and
altered samples per cohort, kind and gene). At Hartwig scale each joins the cohort with
~3 million alteration events: ~60 ms of DuckDB per query, however small the cohort.
The inputs do not change within a store version, so this module keeps them once per
store, version and withdrawal count (`materialized.materialized_arrow`) as integer codes:

- per profiled sample (the `sample_profiles` table): its three profiled flags;
- per distinct (sample, gene, event kind): one row of codes (sample, gene, kind);
- per distinct (sample, gene) of an event or a driver-catalogue entry: whether any event
  of the four kinds exists, and the highest driver likelihood (missing = 0, no driver
  entry = -inf), so "DRIVER" and "ANY" at any likelihood threshold are one comparison.

A question is then boolean masks over these rows and `np.bincount` per gene. The gene
names are the upper-case `gene_key` DuckDB computed, as the SQL groups them. Snapshots
not on a DuckDB store (or profiles with a sample twice) return None; the caller runs the
SQL, whose semantics these are (tests compare both paths).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from onconode.analysis import alterations
from onconode.analysis.materialized import materialized_arrow, withdrawals
from onconode.analysis.queries import Snapshot

# Event kinds in code order; DRIVER is kept apart (pairs), ANY is derived.
_EVENT_KINDS = alterations.KINDS
_PROFILE_COLUMNS = ("mutations", "cna", "structural_variants")


@dataclass(frozen=True)
class _Arrays:
    code_of: dict[str, int]      # sample_id -> row of the profile arrays
    profiled: np.ndarray         # samples × 3 (mutations, cna, structural_variants), bool
    genes: np.ndarray            # gene_key per gene code (object array)
    gene_rank: np.ndarray        # each gene code's position in Python's sorted order of the names
    gene_code: dict[str, int]    # gene_key -> gene code
    ev_offsets: np.ndarray       # distinct (sample, gene, kind) events, sorted by sample: each sample's first row
    ev_sample: np.ndarray        # sample code
    ev_cell: np.ndarray          # kind (index into _EVENT_KINDS) × number of genes + gene code
    pair_offsets: np.ndarray     # distinct (sample, gene) of any event or driver entry, sorted by sample
    pair_sample: np.ndarray
    pair_gene: np.ndarray
    pair_event: np.ndarray       # bool: an event of the four kinds
    pair_driver: np.ndarray      # highest driver likelihood (missing 0), -inf without an entry


def _source(snap: Snapshot) -> ir.Table:
    e = alterations.events(snap).select("sample_id", "gene_key", "kind")
    e = e.distinct().mutate(likelihood=ibis.null().cast("float64"))
    d = snap.table("driver")
    d = d.filter(~d.germline.fill_null(False))   # as alterations.drivers
    d = d.select("sample_id", gene_key=d.gene.upper(), kind=ibis.literal("DRIVER"),
                 likelihood=d.driver_likelihood.fill_null(0.0).cast("float64"))
    return e.union(d)


def _arrays(profiles: pa.Table, rows: pa.Table) -> _Arrays | None:
    ids = profiles.column("sample_id").to_pylist()
    code_of = {s: i for i, s in enumerate(ids) if s is not None}
    if len(code_of) != len(ids):
        return None   # a sample profiled twice: the SQL's join counts it twice; leave that to the SQL
    profiled = np.column_stack([np.asarray(profiles.column(c).fill_null(False).to_numpy(zero_copy_only=False), bool)
                                for c in _PROFILE_COLUMNS]) if ids else np.zeros((0, 3), bool)
    # Only events of profiled samples can count (the SQL joins them with the profiles).
    sample = np.asarray(pc.index_in(rows.column("sample_id"), value_set=pa.array(ids, pa.string())).fill_null(-1)
                        .to_numpy(zero_copy_only=False), np.int64)
    keep = sample >= 0
    rows, sample = rows.filter(pa.array(keep)), sample[keep]
    if rows.column("gene_key").null_count or rows.column("sample_id").null_count:
        return None   # a gene-less row is a group of its own in the SQL; leave that to the SQL
    enc = pc.dictionary_encode(rows.column("gene_key")).combine_chunks()
    gene = np.asarray(enc.indices.to_numpy(zero_copy_only=False), np.int64)
    names = np.array(enc.dictionary.to_pylist(), dtype=object)
    rank = np.empty(len(names), np.int64)
    rank[np.argsort(names.astype(str), kind="stable")] = np.arange(len(names))
    if len(set(names.tolist())) != len(names):
        return None
    kinds = rows.column("kind").to_numpy(zero_copy_only=False)
    is_driver = kinds == "DRIVER"
    ev_kind = np.full(len(kinds), -1, np.int64)
    for i, k in enumerate(_EVENT_KINDS):
        ev_kind[kinds == k] = i
    ev = ev_kind >= 0
    likelihood = np.asarray(rows.column("likelihood").to_numpy(zero_copy_only=False), float)
    if np.isnan(likelihood[is_driver]).any():
        return None   # DuckDB orders NaN above every number; leave that to the SQL
    # distinct (sample, gene) pairs with "any event" and the highest driver likelihood
    key = sample * len(names) + gene
    pair_key, inverse = np.unique(key, return_inverse=True)
    pair_event = np.zeros(len(pair_key), bool)
    pair_event[inverse[ev]] = True
    pair_driver = np.full(len(pair_key), -np.inf)
    np.maximum.at(pair_driver, inverse[is_driver], likelihood[is_driver])
    n_genes = max(len(names), 1)
    by_sample = np.argsort(sample[ev], kind="stable")   # events grouped by sample: a cohort reads only its rows
    ev_sample, ev_gene, ev_kind = sample[ev][by_sample], gene[ev][by_sample], ev_kind[ev][by_sample]
    pair_sample = pair_key // n_genes                   # np.unique sorted the pairs by sample already
    return _Arrays(code_of, profiled, names, rank, {g: i for i, g in enumerate(names.tolist())},
                   _offsets(ev_sample, len(ids)), ev_sample, ev_kind * n_genes + ev_gene,
                   _offsets(pair_sample, len(ids)), pair_sample, pair_key % n_genes, pair_event, pair_driver)


def _offsets(sorted_codes: np.ndarray, n: int) -> np.ndarray:
    """Row offsets of each sample code in rows sorted by it (n + 1 entries)."""
    return np.searchsorted(sorted_codes, np.arange(n + 1), side="left")


def _rows_of_samples(offsets: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """The row numbers of the given samples, from their offsets (one range per sample)."""
    start, stop = offsets[codes], offsets[codes + 1]
    lengths = stop - start
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    # arange(total) shifted per range: row = start[i] + (position within range i)
    shift = np.repeat(start - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return np.arange(total) + shift


def _load(snap: Snapshot) -> _Arrays | None:
    w = withdrawals(snap)
    if w is None:
        return None
    profiles = materialized_arrow(snap, "frequency_profiles", lambda: alterations.profiles(snap), lambda t: t, w)
    if profiles is None:
        return None
    return materialized_arrow(snap, "frequency_codes", lambda: _source(snap), lambda rows: _arrays(profiles, rows), w)


@dataclass
class Counts:
    """One cohort's denominators per kind and altered samples per kind and gene code."""
    profiled: dict[str, int]
    altered: dict[str, np.ndarray]   # kind -> counts per gene code


def _cohort_counts(a: _Arrays, samples: Iterable[str], kinds: tuple[str, ...], min_driver_likelihood: float) -> Counts:
    codes = np.array(sorted({a.code_of[s] for s in samples if s in a.code_of}), np.int64)
    n = len(a.genes)
    full = a.profiled.all(axis=1)
    # per event kind, the flag column a sample must be profiled for
    kind_profile = a.profiled[:, [_PROFILE_COLUMNS.index(alterations.PROFILE_OF_KIND[k]) for k in _EVENT_KINDS]]
    profiled = {"MUTATION": kind_profile[codes, 0], "AMP": kind_profile[codes, 1], "DEL": kind_profile[codes, 2],
                "FUSION": kind_profile[codes, 3], "DRIVER": full[codes], "ANY": full[codes]}
    altered: dict[str, np.ndarray] = {}
    if any(k in _EVENT_KINDS for k in kinds):
        rows = _rows_of_samples(a.ev_offsets, codes)
        cell = a.ev_cell[rows]
        counted = kind_profile[a.ev_sample[rows], cell // max(n, 1)]
        per_kind = np.bincount(cell[counted], minlength=len(_EVENT_KINDS) * n).reshape(len(_EVENT_KINDS), n)
        altered.update({k: per_kind[i] for i, k in enumerate(_EVENT_KINDS) if k in kinds})
    if "DRIVER" in kinds or "ANY" in kinds:
        rows = _rows_of_samples(a.pair_offsets, codes)
        rows = rows[full[a.pair_sample[rows]]]
        driver = a.pair_driver[rows] >= min_driver_likelihood
        if "DRIVER" in kinds:
            altered["DRIVER"] = np.bincount(a.pair_gene[rows[driver]], minlength=n)
        if "ANY" in kinds:
            altered["ANY"] = np.bincount(a.pair_gene[rows[driver | a.pair_event[rows]]], minlength=n)
    return Counts({k: int(profiled[k].sum()) for k in kinds}, altered)


def columns_of(a: _Arrays, counts: Counts, kinds: tuple[str, ...],
               wanted: list[str] | None) -> list[tuple[str, list[str], list[int]]]:
    """Per kind (in display order): the genes and their altered counts, most altered
    first, then by gene name — every altered gene, or exactly the `wanted` genes (0 where
    unaltered)."""
    out = []
    for kind in sorted(kinds, key=alterations.FREQUENCY_KINDS.index):
        c = counts.altered[kind]
        if wanted is None:
            idx = np.flatnonzero(c)
            idx = idx[np.lexsort((a.gene_rank[idx], -c[idx]))]
            names, values = a.genes[idx].tolist(), c[idx].tolist()
        else:
            values = [int(c[a.gene_code[g]]) if g in a.gene_code else 0 for g in wanted]
            order = sorted(range(len(wanted)), key=lambda i: (-values[i], wanted[i]))
            names, values = [wanted[i] for i in order], [values[i] for i in order]
        out.append((kind, names, values))
    return out


def frequencies(snap: Snapshot, cohorts: dict[str, Any], kinds: tuple[str, ...], wanted: list[str] | None,
                min_driver_likelihood: float) -> dict[str, tuple[dict[str, int], list[tuple[str, list[str], list[int]]]]] | None:
    """Per cohort: (profiled samples per kind, `columns_of`), or None when not covered."""
    a = _load(snap)
    if a is None:
        return None
    out = {}
    for name, c in cohorts.items():
        counts = _cohort_counts(a, c.sample_ids, kinds, min_driver_likelihood)
        out[name] = (counts.profiled, columns_of(a, counts, kinds, wanted))
    return out


def fully_profiled(snap: Snapshot, samples: Iterable[str]) -> list[str] | None:
    """Those of `samples` profiled for every data type (`alterations.fully_profiled_samples`),
    from the kept flags; None when not covered (the caller runs the SQL)."""
    a = _load(snap)
    if a is None:
        return None
    full = a.profiled.all(axis=1)
    return [s for s in samples if s in a.code_of and full[a.code_of[s]]]


def warm(snap: Snapshot) -> None:
    """Build this module's per-snapshot arrays now (`analysis.warm`)."""
    _load(snap)
