"""Cohort evaluation in memory, as bit masks over the snapshot's samples.

`cohort.evaluate` turns a definition into one SQL query. At Hartwig scale that query is
~30 DuckDB operators over small tables and takes ~25 ms however few rows it touches —
most of a simple count's time. The tables a common definition reads are small once the
per-snapshot alteration events exist: 5,000 samples, 10,000 treatment lines, and one
gene's events out of ~1 million. So this module keeps them per store, version and
withdrawal count (`materialized.materialized_arrow`: the same temporary tables the SQL
reads, read once) as a `SampleIndex`: every sample a position, every criterion a boolean
mask over the positions (kept per DOID, per gene, per drug). A definition is then a few
NumPy operations on 5,000-element masks — microseconds — where Python set algebra over
sample ids cost milliseconds; the cohort's id sets are built only when something asks
for them (`cohort.Cohort`).

It covers `all`, `tumour_type`, `gene_altered` (mutation / amplification / deletion /
fusion / any, with coding effect, hotspot and biallelic filters), `treatment` and
`and` / `or` / `not` over them. Any other criterion, a non-ASCII text value (DuckDB's
and Python's lower-casing differ outside ASCII) or a snapshot the per-store tables do
not cover returns None, and the caller runs the SQL. The semantics are the SQL's,
including NULLs (a missing value never matches); tests compare both paths.
"""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from onconode.analysis import alterations
from onconode.analysis import cohort_definition as C
from onconode.analysis.materialized import materialized_arrow, withdrawals
from onconode.analysis.queries import Snapshot

# ibis' strip() is DuckDB trim() with these characters (str.strip() would take more).
_TRIM = " \t\n\r\x0b\x0c"
_KIND_CODE = {k: i for i, k in enumerate(alterations.KINDS)}
_NONE = np.zeros(0, np.int64)


def _codes(values: pa.ChunkedArray | pa.Array, value_set: pa.Array, missing: int) -> np.ndarray:
    """Each value's position in `value_set` (`missing` for a NULL or an unknown value)."""
    found = pc.index_in(values, value_set=value_set).fill_null(missing)
    return np.asarray(found.to_numpy(zero_copy_only=False), np.int64)


def _flags(values: pa.ChunkedArray) -> np.ndarray:
    """A nullable boolean column as 1 / 0 / -1 (NULL): a NULL equals neither."""
    return np.asarray(pc.cast(values, pa.int8()).fill_null(-1).to_numpy(zero_copy_only=False), np.int8)


# Every OncoPrint label seen (append-only): a label's code is its position here.
LABELS: list[str] = []
_LABEL_CODE: dict[str, int] = {}


def label_code(label: str) -> int:
    code = _LABEL_CODE.get(label)
    if code is None:
        code = _LABEL_CODE[label] = len(LABELS)
        LABELS.append(label)
    return code


class _GeneEvents:
    """One gene's events as arrays (rows of samples outside the snapshot dropped)."""

    def __init__(self, index: "SampleIndex", rows: pa.Table) -> None:
        code = _codes(rows.column("sample_id"), index.sample_array, -1)
        keep = code >= 0
        rows = rows.filter(pa.array(keep))
        self.sample = code[keep]
        self.kind = np.array([_KIND_CODE[k] for k in rows.column("kind").to_pylist()], np.int64)
        effects = rows.column("coding_effect").to_pylist()
        self.effects = sorted({e for e in effects if e is not None})   # the effect codes' names; NULL = their count
        self.effect = np.array([self.effects.index(e) if e is not None else len(self.effects) for e in effects], np.int64)
        self.hotspot = _flags(rows.column("hotspot"))
        self.label = np.array([label_code(alterations.label(k, e, h)) for k, e, h in
                               zip(rows.column("kind").to_pylist(), effects, rows.column("hotspot").to_pylist())], np.int64)
        self.biallelic = _flags(rows.column("biallelic"))


class _Treatments:
    """Treatment lines (patient position, line number) and, per drug field value, the
    lines with a drug of that value."""

    def __init__(self, index: "SampleIndex", lines: pa.Table, drugs: pa.Table) -> None:
        self.patient = _codes(lines.column("patient_id"), index.patient_array, index.no_patient)
        self.line = np.asarray(pc.cast(lines.column("line"), pa.float64()).fill_null(np.nan)
                               .to_numpy(zero_copy_only=False), float)
        rows_of: dict[Any, list[int]] = {}
        for row, t in enumerate(lines.column("treatment_id").to_pylist()):
            rows_of.setdefault(t, []).append(row)
        # distinct (drug, type, mechanism) -> the lines of the treatments with such a drug
        per_drug: dict[tuple[Any, Any, Any], set[Any]] = {}
        for t, *fields in zip(*(drugs.column(c).to_pylist() for c in ("treatment_id", "drug", "type", "mechanism"))):
            if t is not None:
                per_drug.setdefault(tuple(fields), set()).add(t)
        self.drug_rows: list[np.ndarray] = []
        self.drugs_with: dict[tuple[int, str], set[int]] = {}   # (field, value) -> drug numbers
        for k, (fields, treatments) in enumerate(per_drug.items()):
            self.drug_rows.append(np.array(sorted(r for t in treatments for r in rows_of.get(t, ())), np.int64))
            for i, v in enumerate(fields):
                if v is not None:
                    self.drugs_with.setdefault((i, v), set()).add(k)

    def rows(self, wanted: list[tuple[int, str]]) -> np.ndarray | None:
        """The lines with one drug matching every (field, value); None: every line."""
        if not wanted:
            return None
        drugs = set.intersection(*(self.drugs_with.get(w, set()) for w in wanted))
        if not drugs:
            return np.zeros(0, np.int64)
        return np.concatenate([self.drug_rows[k] for k in sorted(drugs)])


class SampleIndex:
    """The snapshot's samples, sorted by id, each a position; their patients; the samples
    listing each primary-tumour DOID. Kept per store, version and withdrawal count; per-gene
    events and the treatment lines are added the first time a criterion needs them."""

    def __init__(self, rows: pa.Table) -> None:
        patient_of: dict[str, Any] = {}
        doids_of: dict[str, Any] = {}
        for s, p, d in zip(*(rows.column(c).to_pylist() for c in ("sample_id", "patient_id", "primary_tumor_doids"))):
            if s is not None:
                patient_of[s], doids_of[s] = p, d
        ids = sorted(patient_of)
        self.sample_ids = np.array(ids, dtype=object)
        self.sample_array = pa.array(ids, pa.string())
        patients = sorted({p for p in patient_of.values() if p is not None})
        self.no_patient = len(patients)   # the position of "no patient": never selected by a criterion
        self.patient_ids = np.array(patients + [None], dtype=object)
        self.patient_array = pa.array(patients, pa.string())
        position = {p: i for i, p in enumerate(patients)}
        self.patient_code = np.array([position.get(patient_of[s], self.no_patient) for s in ids], np.int64)
        self.size = len(ids)
        listing: dict[str, list[int]] = {}
        for i, s in enumerate(ids):
            for x in (doids_of[s] or "").split(","):
                listing.setdefault(x.strip(_TRIM), []).append(i)
        self.samples_of_doid = {d: np.array(v, np.int64) for d, v in listing.items()}   # DOID -> positions
        self._genes: dict[str, _GeneEvents] = {}
        self._treatments: _Treatments | None = None

    def samples_of_patients(self, patients: np.ndarray) -> np.ndarray:
        """The mask of every sample of the patients marked in `patients` (a patient mask)."""
        patients[self.no_patient] = False
        return patients[self.patient_code]

    def sample_list(self, codes: np.ndarray) -> list[str]:
        return self.sample_ids[codes].tolist()

    def patient_list(self, codes: np.ndarray) -> list[Any]:
        """The patient of each sample at `codes` (None for a sample without one)."""
        return self.patient_ids[self.patient_code[codes]].tolist()

    def patient_codes(self, codes: np.ndarray) -> np.ndarray:
        """The distinct patients of the samples at `codes`."""
        seen = np.zeros(len(self.patient_ids), bool)
        seen[self.patient_code[codes]] = True
        return np.flatnonzero(seen)

    # Per-gene events and treatment lines are kept on the index only for the store's own
    # snapshots: a view that changes tables (harmonized codes) may share this index (its
    # sample table unchanged) but not those rows, so it builds them for each question.
    def gene_events(self, snap: Snapshot, gene: str, known_withdrawals: int) -> _GeneEvents:
        events = self._genes.get(gene) if _own(snap) else None
        if events is None:
            events = _GeneEvents(self, alterations.events_of_genes(snap, [gene], known_withdrawals))
            if _own(snap):
                self._genes[gene] = events
        return events

    def treatments(self, snap: Snapshot, known_withdrawals: int) -> _Treatments | None:
        found = self._treatments if _own(snap) else None
        if found is None:
            lines = materialized_arrow(snap, "cohort_treatment_lines", lambda: _line_table(snap), known_withdrawals=known_withdrawals)
            drugs = materialized_arrow(snap, "cohort_treatment_drugs", lambda: _drug_table(snap), known_withdrawals=known_withdrawals)
            if lines is None or drugs is None:
                return None
            found = _Treatments(self, lines, drugs)
            if _own(snap):
                self._treatments = found
        return found


def _own(snap: Snapshot) -> bool:
    """A snapshot of the store's own rows (not a view that changes some tables)."""
    return not getattr(snap, "changed_tables", ())


def _sample_table(snap: Snapshot) -> ir.Table:
    return snap.table("sample").select("sample_id", "patient_id", "primary_tumor_doids")


def _line_table(snap: Snapshot) -> ir.Table:
    return snap.table("treatment").select("treatment_id", "patient_id", "line")


def _drug_table(snap: Snapshot) -> ir.Table:
    d = snap.table("treatment_drug")   # lower-cased by DuckDB, as the SQL path compares them
    return d.select("treatment_id", drug=d.drug.lower(), type=d.type.lower(), mechanism=d.mechanism.lower())


def _allowed(codes: Any, size: int) -> np.ndarray:
    """A lookup table over codes 0..size-1, True at the allowed ones: a vectorised `in`."""
    out = np.zeros(size, bool)
    out[list(codes)] = True
    return out


class _Unsupported(Exception):
    pass


class _Evaluator:
    def __init__(self, snap: Snapshot, index: SampleIndex, known_withdrawals: int) -> None:
        self.snap, self.index, self.w = snap, index, known_withdrawals

    def node(self, n: Any) -> np.ndarray:
        if isinstance(n, C.And):
            out = self.node(n.args[0])
            for a in n.args[1:]:
                out &= self.node(a)
            return out
        if isinstance(n, C.Or):
            out = self.node(n.args[0])
            for a in n.args[1:]:
                out |= self.node(a)
            return out
        if isinstance(n, C.Not):
            return ~self.node(n.arg)
        if isinstance(n, C.All):
            return np.ones(self.index.size, bool)
        if isinstance(n, C.TumourType):
            out = np.zeros(self.index.size, bool)
            for d in n.matching_doids():   # the SQL path's own expansion
                out[self.index.samples_of_doid.get(d, _NONE)] = True
            return out
        if isinstance(n, C.GeneAltered):
            return self.gene(n)
        if isinstance(n, C.Treatment):
            return self.treatment(n)
        raise _Unsupported(type(n).__name__)

    def gene(self, n: Any) -> np.ndarray:
        if n.alteration == "driver" or n.protein_change is not None:
            raise _Unsupported("gene_altered " + n.alteration)
        e = self.index.gene_events(self.snap, n.gene.upper(), self.w)
        keep = _allowed((_KIND_CODE[k] for k in n.event_kinds()), len(_KIND_CODE))[e.kind]   # the SQL path's own map
        if n.coding_effects is not None:
            keep &= _allowed((e.effects.index(c) for c in n.coding_effects if c in e.effects), len(e.effects) + 1)[e.effect]
        if n.hotspot is not None:
            keep &= e.hotspot == int(n.hotspot)   # a NULL flag (-1) equals nothing, as in SQL
        if n.biallelic is not None:
            keep &= e.biallelic == int(n.biallelic)
        out = np.zeros(self.index.size, bool)
        out[e.sample[keep]] = True
        return out

    def treatment(self, n: Any) -> np.ndarray:
        wanted = [(i, v) for i, v in enumerate((n.drug, n.drug_type, n.mechanism)) if v is not None]
        if any(not v.isascii() for _, v in wanted):
            raise _Unsupported("non-ASCII treatment criterion")
        t = self.index.treatments(self.snap, self.w)
        if t is None:
            raise _Unsupported("snapshot without per-store tables")
        rows = t.rows([(i, v.lower()) for i, v in wanted])
        patients = t.patient if rows is None else t.patient[rows]
        if n.line_min is not None or n.line_max is not None:   # a line without a number never matches a range
            line = t.line if rows is None else t.line[rows]
            ok = ~np.isnan(line)
            if n.line_min is not None:
                ok &= line >= n.line_min
            if n.line_max is not None:
                ok &= line <= n.line_max
            patients = patients[ok]
        chosen = np.zeros(len(self.index.patient_ids), bool)
        chosen[patients] = True
        return self.index.samples_of_patients(chosen)


def index(snap: Snapshot, known_withdrawals: int | None = None) -> SampleIndex | None:
    """The snapshot's kept `SampleIndex`; None when the per-store tables do not cover it
    (e.g. a view that maps the sample table: harmonized codes)."""
    w = withdrawals(snap) if known_withdrawals is None else known_withdrawals
    if w is None:
        return None
    return materialized_arrow(snap, "cohort_samples", lambda: _sample_table(snap), SampleIndex, w)


def evaluate(snap: Snapshot, tree: Any) -> tuple[SampleIndex, np.ndarray] | None:
    """The cohort as its sample positions (sorted) in the snapshot's index, or None when
    the tree or the snapshot is not covered (the caller runs the SQL)."""
    w = withdrawals(snap)   # once: every table below is read at this count
    found = index(snap, w) if w is not None else None
    if found is None:
        return None
    try:
        chosen = _Evaluator(snap, found, w).node(tree)
    except _Unsupported:
        return None
    return found, np.flatnonzero(chosen)


def warm(snap: Snapshot) -> None:
    """Build and read this module's per-snapshot tables now (`analysis.warm`)."""
    w = withdrawals(snap)
    found = index(snap, w) if w is not None else None
    if found is not None:
        found.treatments(snap, w)
    alterations.events_of_genes(snap, [], w)
