"""Cohort evaluation in memory, for the definitions researchers ask most.

`cohort.evaluate` turns a definition into one SQL query. At Hartwig scale that query is
~30 DuckDB operators over small tables and takes ~25 ms however few rows it touches —
most of a simple count's time. The tables a common definition reads are small once the
per-snapshot alteration events exist: 5,000 samples, 10,000 treatment lines, and one
gene's events out of ~1 million. So this module keeps them in Python per store, version
and withdrawal count (`materialized.materialized_arrow`: the same temporary tables the
SQL reads, read once into Arrow) and evaluates the tree as set algebra in well under a
millisecond.

It covers `all`, `tumour_type`, `gene_altered` (mutation / amplification / deletion /
fusion / any, with coding effect, hotspot and biallelic filters), `treatment` and
`and` / `or` / `not` over them. Any other criterion, a non-ASCII text value (DuckDB's
and Python's lower-casing differ outside ASCII) or a snapshot the per-store tables do
not cover returns None, and the caller runs the SQL. The semantics are the SQL's,
including NULLs (a missing value never matches); tests compare both paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis.expr.types as ir
import pyarrow as pa

from onconode.analysis import alterations
from onconode.analysis.materialized import materialized_arrow, withdrawals
from onconode.analysis.queries import Snapshot

# ibis' strip() is DuckDB trim() with these characters (str.strip() would take more).
_TRIM = " \t\n\r\x0b\x0c"


@dataclass(frozen=True)
class _Samples:
    patient_of: dict[str, str]                 # sample -> patient (the snapshot's samples)
    samples_of: dict[str, frozenset[str]]      # patient -> samples
    samples_of_doid: dict[str, frozenset[str]]  # DOID (trimmed) -> the samples listing it
    universe: frozenset[str]                   # every sample of the snapshot


def _samples(rows: pa.Table) -> _Samples:
    patient_of: dict[str, str] = {}
    by_patient: dict[str, set[str]] = {}
    by_doid: dict[str, set[str]] = {}
    for s, p, d in zip(*(rows.column(c).to_pylist() for c in ("sample_id", "patient_id", "primary_tumor_doids"))):
        if s is None:
            continue
        patient_of[s] = p
        if p is not None:
            by_patient.setdefault(p, set()).add(s)
        for x in (d or "").split(","):
            by_doid.setdefault(x.strip(_TRIM), set()).add(s)
    return _Samples(patient_of, {p: frozenset(v) for p, v in by_patient.items()},
                    {d: frozenset(v) for d, v in by_doid.items()}, frozenset(patient_of))


@dataclass(frozen=True)
class _Lines:
    all: list[tuple[Any, Any, Any]]                           # (treatment_id, patient_id, line) per row
    of_treatment: dict[Any, list[tuple[Any, Any, Any]]]       # the same rows by treatment_id


def _treatment_lines(rows: pa.Table) -> _Lines:
    lines = list(zip(*(rows.column(c).to_pylist() for c in ("treatment_id", "patient_id", "line"))))
    by: dict[Any, list[tuple[Any, Any, Any]]] = {}
    for row in lines:
        by.setdefault(row[0], []).append(row)
    return _Lines(lines, by)


def _drugs(rows: pa.Table) -> dict[tuple[Any, Any, Any], frozenset[str]]:
    """Treatment lines per distinct (drug, type, mechanism) of one of their drugs: a
    criterion checks the few hundred distinct drugs, not every drug row."""
    out: dict[tuple[Any, Any, Any], set[str]] = {}
    for t, *fields in zip(*(rows.column(c).to_pylist() for c in ("treatment_id", "drug", "type", "mechanism"))):
        if t is not None:
            out.setdefault(tuple(fields), set()).add(t)
    return {k: frozenset(v) for k, v in out.items()}


def _sample_table(snap: Snapshot) -> ir.Table:
    return snap.table("sample").select("sample_id", "patient_id", "primary_tumor_doids")


def _line_table(snap: Snapshot) -> ir.Table:
    return snap.table("treatment").select("treatment_id", "patient_id", "line")


def _drug_table(snap: Snapshot) -> ir.Table:
    d = snap.table("treatment_drug")   # lower-cased by DuckDB, as the SQL path compares them
    return d.select("treatment_id", drug=d.drug.lower(), type=d.type.lower(), mechanism=d.mechanism.lower())


class _Unsupported(Exception):
    pass


class _Evaluator:
    def __init__(self, snap: Snapshot, samples: _Samples, known_withdrawals: int) -> None:
        self.snap, self.s, self.w = snap, samples, known_withdrawals
        self.universe = samples.universe

    def of_patients(self, patients: set[Any]) -> set[str]:
        return {s for p in patients if p in self.s.samples_of for s in self.s.samples_of[p]}

    def node(self, n: Any) -> set[str]:
        from onconode.analysis import cohort as C

        if isinstance(n, C.And):
            out = self.node(n.args[0])
            for a in n.args[1:]:
                out &= self.node(a)
            return out
        if isinstance(n, C.Or):
            out = set()
            for a in n.args:
                out |= self.node(a)
            return out
        if isinstance(n, C.Not):
            return set(self.universe - self.node(n.arg))
        if isinstance(n, C.All):
            return set(self.universe)
        if isinstance(n, C.TumourType):
            wanted = n.matching_doids()   # the SQL path's own expansion
            out = set()
            for d in wanted:
                out |= self.s.samples_of_doid.get(d, frozenset())
            return out
        if isinstance(n, C.GeneAltered):
            return self.gene(n)
        if isinstance(n, C.Treatment):
            return self.treatment(n)
        raise _Unsupported(type(n).__name__)

    def gene(self, n: Any) -> set[str]:
        if n.alteration == "driver" or n.protein_change is not None:
            raise _Unsupported("gene_altered " + n.alteration)
        e = alterations.events_of_genes(self.snap, [n.gene.upper()], self.w)
        kinds = n.event_kinds()   # the SQL path's own map
        cols = [e.column(c).to_pylist() for c in ("sample_id", "kind", "coding_effect", "hotspot", "biallelic")]
        effects = set(n.coding_effects) if n.coding_effects is not None else None
        out = set()
        for s, kind, effect, hot, bi in zip(*cols):
            if kind not in kinds or (effects is not None and effect not in effects):
                continue
            if (n.hotspot is not None and hot != n.hotspot) or (n.biallelic is not None and bi != n.biallelic):
                continue   # a NULL flag equals nothing, as in SQL
            out.add(s)
        return out

    def treatment(self, n: Any) -> set[str]:
        wanted = [(i, v) for i, v in enumerate((n.drug, n.drug_type, n.mechanism)) if v is not None]
        if any(not v.isascii() for _, v in wanted):
            raise _Unsupported("non-ASCII treatment criterion")
        wanted = [(i, v.lower()) for i, v in wanted]
        kept = materialized_arrow(self.snap, "cohort_treatment_lines", lambda: _line_table(self.snap), _treatment_lines, self.w)
        drugs = materialized_arrow(self.snap, "cohort_treatment_drugs", lambda: _drug_table(self.snap), _drugs, self.w)
        if kept is None or drugs is None:
            raise _Unsupported("snapshot without per-store tables")
        matching: set[str] = set()
        for fields, treatments in drugs.items():
            if all(fields[i] == v for i, v in wanted):
                matching |= treatments
        # with drug criteria, only the matching treatments' lines; else every line
        rows = [r for t in matching for r in kept.of_treatment.get(t, ())] if wanted else kept.all
        patients = set()
        for t, p, line in rows:
            if (n.line_min is not None or n.line_max is not None) and line is None:
                continue
            if (n.line_min is not None and line < n.line_min) or (n.line_max is not None and line > n.line_max):
                continue
            patients.add(p)
        return self.of_patients(patients)


def evaluate(snap: Snapshot, tree: Any) -> tuple[list[str], list[str]] | None:
    """The cohort's (sample_ids, patient_ids) pairs as two lists, or None when the tree or
    the snapshot is not covered (the caller runs the SQL)."""
    w = withdrawals(snap)   # once: every table below is read at this count
    if w is None:
        return None
    samples = materialized_arrow(snap, "cohort_samples", lambda: _sample_table(snap), _samples, w)
    if samples is None:   # a view that maps the sample table (harmonized codes): the SQL answers
        return None
    try:
        chosen = _Evaluator(snap, samples, w).node(tree)
    except _Unsupported:
        return None
    ids = sorted(chosen & samples.universe)
    return ids, [samples.patient_of[s] for s in ids]


def warm(snap: Snapshot) -> None:
    """Build and read this module's per-snapshot tables now (`analysis.warm`)."""
    w = withdrawals(snap)
    if w is None:
        return
    materialized_arrow(snap, "cohort_samples", lambda: _sample_table(snap), _samples, w)
    materialized_arrow(snap, "cohort_treatment_lines", lambda: _line_table(snap), _treatment_lines, w)
    materialized_arrow(snap, "cohort_treatment_drugs", lambda: _drug_table(snap), _drugs, w)
    alterations.events_of_genes(snap, [], w)
