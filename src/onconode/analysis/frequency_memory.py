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

from onconode.analysis import alterations, cellkey
from onconode.analysis.cohort import Cohort
from onconode.analysis.materialized import materialized_arrow, withdrawals
from onconode.analysis.queries import Snapshot
from onconode.analysis.sample_rows import SampleRows

# Event kinds in code order; DRIVER is kept apart (pairs), ANY is derived.
_EVENT_KINDS = alterations.KINDS
_PROFILE_COLUMNS = ("mutations", "cna", "structural_variants")


@dataclass(frozen=True)
class _Arrays:
    rows: SampleRows             # sample_id (or a cohort's sample index position) -> row of the profile arrays
    profiled: np.ndarray         # samples × 3 (mutations, cna, structural_variants), bool
    full: np.ndarray             # per sample: profiled for every data type (DRIVER, ANY)
    kind_profile: np.ndarray     # samples × event kind: profiled for that kind's data type
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
    # The same rows again, ordered by gene code: a gene list reads its genes' rows as a
    # few contiguous ranges (random reads across ~1M rows cost more than the counting).
    evg_offsets: np.ndarray      # each gene code's first event row in this order (genes + 1 entries)
    evg_sample: np.ndarray
    evg_cell: np.ndarray
    pg_offsets: np.ndarray       # each gene code's first pair row in this order
    pg_sample: np.ndarray
    pg_gene: np.ndarray
    pg_event: np.ndarray
    pg_driver: np.ndarray


def _source(snap: Snapshot) -> ir.Table:
    e = alterations.events(snap).select("sample_id", "gene_key", "kind")
    e = e.distinct().mutate(likelihood=ibis.null().cast("float64"))
    d = alterations.somatic_driver_rows(snap)   # as alterations.drivers
    d = d.select("sample_id", gene_key=d.gene.upper(), kind=ibis.literal("DRIVER"),
                 likelihood=d.driver_likelihood.fill_null(0.0).cast("float64"))
    return e.union(d)


def _arrays(profiles: pa.Table, rows: pa.Table) -> _Arrays | None:
    ids = profiles.column("sample_id").to_pylist()
    rows_of_ids = SampleRows(ids)
    if None in rows_of_ids.row_of or len(rows_of_ids.row_of) != len(ids):
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
    pair_gene = pair_key % n_genes
    ev_cell = ev_kind * n_genes + ev_gene
    ev_by_gene = np.argsort(ev_gene, kind="stable")
    pair_by_gene = np.argsort(pair_gene, kind="stable")
    kind_profile = profiled[:, [_PROFILE_COLUMNS.index(alterations.PROFILE_OF_KIND[k]) for k in _EVENT_KINDS]]
    # Kept in every server worker for the store version's life: codes as int32 (samples,
    # genes and kind × gene cells number far below 2**31) halve ~150 MB at 5,000 patients.
    ev_sample, ev_cell, pair_sample, pair_gene = (x.astype(np.int32) for x in (ev_sample, ev_cell, pair_sample, pair_gene))
    return _Arrays(rows_of_ids, profiled, profiled.all(axis=1), kind_profile, names, rank,
                   {g: i for i, g in enumerate(names.tolist())},
                   _offsets(ev_sample, len(ids)), ev_sample, ev_cell,
                   _offsets(pair_sample, len(ids)), pair_sample, pair_gene, pair_event, pair_driver,
                   _offsets(ev_gene[ev_by_gene], n_genes), ev_sample[ev_by_gene], ev_cell[ev_by_gene],
                   _offsets(pair_gene[pair_by_gene], n_genes), pair_sample[pair_by_gene], pair_gene[pair_by_gene],
                   pair_event[pair_by_gene], pair_driver[pair_by_gene])


def _offsets(sorted_codes: np.ndarray, n: int) -> np.ndarray:
    """Row offsets of each code (sample or gene) in rows sorted by it (n + 1 entries)."""
    return np.searchsorted(sorted_codes, np.arange(n + 1), side="left")


def _rows_of_samples(offsets: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """The row numbers of the given samples (or genes), from their offsets (one range per code)."""
    start, stop = offsets[codes], offsets[codes + 1]
    lengths = stop - start
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    # arange(total) shifted per range: row = start[i] + (position within range i)
    shift = np.repeat(start - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return np.arange(total) + shift


def _load(snap: Snapshot, known_withdrawals: int | None = None) -> _Arrays | None:
    """The kept arrays (`known_withdrawals`: the count the caller read for its whole answer)."""
    w = withdrawals(snap) if known_withdrawals is None else known_withdrawals
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


def _cohort_counts(a: _Arrays, samples: Cohort | Iterable[str], kinds: tuple[str, ...], min_driver_likelihood: float,
                   gene_codes: np.ndarray | None = None, weights: np.ndarray | None = None) -> Counts:
    """Denominators and altered samples per gene code of a cohort (or of sample ids).
    With `gene_codes`, only those genes' rows are read (via the by-gene order) and only
    their counts are meaningful: a gene list of a few dozen genes reads thousands of
    rows, not every event of the cohort's samples. With `weights` (one per sample row:
    the record keys) each sample counts its weight instead of 1: the cells' key sums."""
    def count(cells: np.ndarray, of_samples: np.ndarray, n_cells: int) -> np.ndarray:
        if weights is None:
            return np.bincount(cells, minlength=n_cells)
        return cellkey.sums(cells, weights[of_samples], n_cells)

    codes = a.rows.of_cohort(samples) if isinstance(samples, Cohort) else a.rows.of_ids(samples)
    n = len(a.genes)
    full, kind_profile = a.full, a.kind_profile
    flag = {**{k: kind_profile[:, i] for i, k in enumerate(_EVENT_KINDS)}, "DRIVER": full, "ANY": full}
    member = None
    if gene_codes is not None:
        member = np.zeros(len(a.profiled), bool)
        member[codes] = True
    altered: dict[str, np.ndarray] = {}
    if any(k in _EVENT_KINDS for k in kinds):
        if member is None:
            rows = _rows_of_samples(a.ev_offsets, codes)
            sample, cell = a.ev_sample[rows], a.ev_cell[rows]
        else:
            rows = _rows_of_samples(a.evg_offsets, gene_codes)
            sample, cell = a.evg_sample[rows], a.evg_cell[rows]
            mine = member[sample]
            sample, cell = sample[mine], cell[mine]
        counted = kind_profile[sample, cell // max(n, 1)]
        per_kind = count(cell[counted], sample[counted], len(_EVENT_KINDS) * n).reshape(len(_EVENT_KINDS), n)
        altered.update({k: per_kind[i] for i, k in enumerate(_EVENT_KINDS) if k in kinds})
    if "DRIVER" in kinds or "ANY" in kinds:
        if member is None:
            rows = _rows_of_samples(a.pair_offsets, codes)
            rows = rows[full[a.pair_sample[rows]]]
            sample = a.pair_sample[rows]
            gene, event, driver = a.pair_gene[rows], a.pair_event[rows], a.pair_driver[rows] >= min_driver_likelihood
        else:
            rows = _rows_of_samples(a.pg_offsets, gene_codes)
            sample = a.pg_sample[rows]
            rows = rows[member[sample] & full[sample]]
            sample = a.pg_sample[rows]
            gene, event, driver = a.pg_gene[rows], a.pg_event[rows], a.pg_driver[rows] >= min_driver_likelihood
        if "DRIVER" in kinds:
            altered["DRIVER"] = count(gene[driver], sample[driver], n)
        if "ANY" in kinds:
            altered["ANY"] = count(gene[driver | event], sample[driver | event], n)
    if weights is None:
        return Counts({k: int(flag[k][codes].sum()) for k in kinds}, altered)
    return Counts({k: int(cellkey.sums(np.zeros(int(flag[k][codes].sum()), np.int64), weights[codes][flag[k][codes]], 1)[0])
                   for k in kinds}, altered)


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


def _gene_codes(a: _Arrays, wanted: list[str] | None) -> np.ndarray | None:
    """The codes of the genes asked for by name (None: every gene)."""
    if wanted is None:
        return None
    return np.array(sorted({a.gene_code[g] for g in wanted if g in a.gene_code}), np.int64)


def frequencies(snap: Snapshot, cohorts: dict[str, Any], kinds: tuple[str, ...], wanted: list[str] | None,
                min_driver_likelihood: float, known_withdrawals: int | None = None,
                ) -> dict[str, tuple[dict[str, int], list[tuple[str, list[str], list[int]]]]] | None:
    """Per cohort: (profiled samples per kind, `columns_of`), or None when not covered."""
    a = _load(snap, known_withdrawals)
    if a is None:
        return None
    gene_codes = _gene_codes(a, wanted)
    out = {}
    for name, c in cohorts.items():
        counts = _cohort_counts(a, c, kinds, min_driver_likelihood, gene_codes)
        out[name] = (counts.profiled, columns_of(a, counts, kinds, wanted))
    return out


def _record_keys(a: _Arrays, keys: cellkey.RecordKeys) -> np.ndarray:
    """The record key of each sample row of `a` (kept while `a` is the snapshot's arrays)."""
    found = _KEYS.get(id(a))
    if found is None or found[0] is not a or found[1] is not keys:
        while len(_KEYS) >= 4:
            _KEYS.pop(next(iter(_KEYS)))
        found = _KEYS[id(a)] = (a, keys, keys.of(a.rows.row_of))
    return found[2]


_KEYS: dict[int, tuple[_Arrays, cellkey.RecordKeys, np.ndarray]] = {}


def frequency_keys(snap: Snapshot, cohorts: dict[str, Any], kinds: tuple[str, ...], wanted: list[str] | None,
                   min_driver_likelihood: float, keys: cellkey.RecordKeys, known_withdrawals: int | None = None,
                   ) -> dict[str, "FrequencyKeys"] | None:
    """Per cohort: the cell keys of `frequencies`' cells, or None when not covered."""
    a = _load(snap, known_withdrawals)
    if a is None:
        return None
    gene_codes = _gene_codes(a, wanted)
    weights = _record_keys(a, keys)
    out = {}
    for name, c in cohorts.items():
        sums = _cohort_counts(a, c, kinds, min_driver_likelihood, gene_codes, weights)
        out[name] = FrequencyKeys(sums.profiled, sums.altered, a.gene_code)
    return out


@dataclass(frozen=True)
class FrequencyKeys:
    """One cohort's cell keys: per kind, of its profiled samples; per kind and gene (by
    gene code, or by name in `altered_by_name`), of the altered ones."""
    profiled: dict[str, int]
    altered_by_code: dict[str, np.ndarray]
    gene_code: dict[str, int]
    altered_by_name: dict[tuple[str, str], int] | None = None
    samples: int = 0   # of all the cohort's samples (set by the caller, which knows them)

    def altered(self, kinds: list[str], genes: list[str]) -> np.ndarray:
        """The cell keys of the altered samples of each (kind, gene) pair, 0 where none."""
        if self.altered_by_name is not None:
            return np.fromiter((self.altered_by_name.get(kg, 0) for kg in zip(kinds, genes)), np.int64, len(genes))
        codes = np.fromiter((self.gene_code.get(g, -1) for g in genes), np.int64, len(genes))
        kinds_of = np.asarray(kinds, dtype=object)
        out = np.zeros(len(genes), np.int64)
        for kind in set(kinds):
            at = (kinds_of == kind) & (codes >= 0)
            out[at] = self.altered_by_code[kind][codes[at]]
        return out


def fully_profiled(snap: Snapshot, samples: Iterable[str]) -> list[str] | None:
    """Those of `samples` profiled for every data type (`alterations.fully_profiled_samples`),
    from the kept flags; None when not covered (the caller runs the SQL)."""
    a = _load(snap)
    if a is None:
        return None
    row_of, full = a.rows.row_of, a.full
    return [s for s in samples if s in row_of and full[row_of[s]]]


def fully_profiled_positions(snap: Snapshot, index: Any) -> np.ndarray | None:
    """Per position of the sample index `index` (`cohort_memory.SampleIndex`): profiled for
    every data type, from the kept flags; None when not covered."""
    a = _load(snap)
    if a is None:
        return None
    rows = a.rows.of_positions(index)
    return (rows >= 0) & a.full[np.maximum(rows, 0)]


def warm(snap: Snapshot) -> None:
    """Build this module's per-snapshot arrays now (`analysis.warm`)."""
    _load(snap)
