"""Cohort definitions: a JSON filter tree (AND / OR / NOT over clinical and genomic
criteria) that evaluates, on a snapshot, to the samples and patients it selects.

A definition is data, not code: interfaces receive it as JSON, `parse` validates it with
pydantic and names the offending place in the tree (`args[1].gene: ...`), and `select`
turns it into one Ibis expression, so every value a user typed reaches the database as
a literal, never as SQL text. The tree is over *samples* (a patient with two biopsies
can match with one of them); patient-level criteria (sex, dataset, treatment, response)
select all samples of the patients they match.

    {"op": "and", "args": [
        {"op": "tumour_type", "doids": ["9256"]},
        {"op": "gene_altered", "gene": "KRAS", "alteration": "mutation", "hotspot": true},
        {"op": "treatment", "mechanism": "Anti-EGFR"}]}
"""

from __future__ import annotations

import json
from typing import Any

import ibis
import ibis.expr.types as ir

from onconode.analysis import alterations, tool_criteria
from onconode.analysis.materialized import compiled_sql, run_sql
from onconode.analysis.cohort_definition import (  # noqa: F401  (the definition language, re-exported)
    AgeAtBiopsy, All, And, BestResponse, BiopsySite, CohortError, Dataset, GeneAltered, Hrd, Msi, Not, Or,
    Purity, SexIs, Targeted, Tmb, ToolVersion, Treatment, TreatmentCriteria, TumourLocation, TumourType, Wgd, parse, to_json,
)
from onconode.analysis.treatments import best_responses, matching_treatments
from onconode.analysis.queries import Snapshot


# -- evaluation ----------------------------------------------------------------------

def _universe(snap: Snapshot) -> ir.Table:
    return snap.table("sample").select("sample_id", "patient_id")


def _samples_of_patients(snap: Snapshot, patients: ir.Table) -> ir.Table:
    return _universe(snap).semi_join(patients, "patient_id").select("sample_id")


def _gene_samples(snap: Snapshot, n: GeneAltered) -> ir.Table:
    gene = n.gene.upper()
    if n.alteration == "driver":
        d = alterations.drivers(snap, n.min_driver_likelihood or 0.0)
        return d.filter(d.gene.upper() == gene).select("sample_id")
    kinds = n.event_kinds()
    if n.alteration == "mutation" and n.protein_change is not None:
        m = alterations.mutations(snap)
        forms = alterations.protein_change_forms(n.protein_change)
        hgvs = m.hgvs_protein.lower()
        m = m.filter(m.gene.upper() == gene, ibis.or_(*[hgvs == f for f in forms]))
        e = alterations.mutation_events(snap).semi_join(m.select("sample_id"), "sample_id")
    else:
        e = alterations.events(snap, kinds)
    e = e.filter(alterations.gene_is(e, [gene]))
    if n.coding_effects is not None:
        e = e.filter(e.coding_effect.isin(n.coding_effects))
    if n.hotspot is not None:
        e = e.filter(e.hotspot == n.hotspot)
    if n.biallelic is not None:
        e = e.filter(e.biallelic == n.biallelic)
    return e.select("sample_id")


def _profile(snap: Snapshot) -> ir.Table:
    return snap.table("tumor_profile")


def _range(col: ir.NumericValue, lo: float | None, hi: float | None) -> list[ir.BooleanValue]:
    out = []
    if lo is not None:
        out.append(col >= lo)
    if hi is not None:
        out.append(col <= hi)
    return out


def _leaf(snap: Snapshot, n: Any) -> ir.Table:
    s = snap.table("sample")
    if isinstance(n, All):
        return s.select("sample_id")
    if isinstance(n, Dataset):
        p = snap.table("patient")
        return _samples_of_patients(snap, p.filter(p.dataset_id.isin(n.ids)))
    if isinstance(n, TumourType):
        wanted = n.matching_doids()
        doids = s.primary_tumor_doids.fill_null("").split(",")
        hit = doids.filter(lambda x: x.strip().isin(sorted(wanted))).length() > 0
        return s.filter(hit).select("sample_id")
    if isinstance(n, TumourLocation):
        locs = [x.lower() for x in n.locations]
        return s.filter(s.primary_tumor_location.lower().isin(locs)).select("sample_id")
    if isinstance(n, BiopsySite):
        sites = [x.lower() for x in n.sites]
        return s.filter(s.biopsy_site.lower().isin(sites)).select("sample_id")
    if isinstance(n, SexIs):
        p = snap.table("patient")
        return _samples_of_patients(snap, p.filter(p.sex.isin(n.values)))
    if isinstance(n, AgeAtBiopsy):
        p = snap.table("patient")
        j = s.join(p, "patient_id")
        age = j.sampling_date.year() - j.birth_year
        return j.filter(*_range(age, n.min, n.max)).select("sample_id")
    if isinstance(n, Treatment):
        return _samples_of_patients(snap, matching_treatments(snap, n).select("patient_id"))
    if isinstance(n, BestResponse):
        crit = n.treatment or TreatmentCriteria()
        b = best_responses(snap, matching_treatments(snap, crit))
        return _samples_of_patients(snap, b.filter(b.best_response.isin(n.values)).select("patient_id"))
    if isinstance(n, GeneAltered):
        return _gene_samples(snap, n)
    if isinstance(n, tool_criteria.TOOL_NODES):
        return tool_criteria.samples(snap, n)
    if isinstance(n, ToolVersion):
        tv = snap.table("tool_version")
        tv = tv.filter(tv.tool == n.tool.lower())
        wanted = [w.removeprefix("v") for w in n.versions]
        v = tv.version.replace("v", "")
        return tv.filter(ibis.or_(*[(v == w) | v.startswith(w + ".") for w in wanted])).select("sample_id")
    tp = _profile(snap)
    if isinstance(n, Tmb):
        conds = _range(tp.tmb_per_mb, n.min_per_mb, n.max_per_mb)
        if n.status is not None:
            conds.append(tp.tmb_status == n.status)
        return tp.filter(*conds).select("sample_id")
    if isinstance(n, Msi):
        return tp.filter(tp.msi_status.isin(n.status)).select("sample_id")
    if isinstance(n, Hrd):
        return tp.filter(tp.hr_status.isin(n.status)).select("sample_id")
    if isinstance(n, Targeted):
        return tp.filter(tp.targeted.fill_null(False) == n.value).select("sample_id")
    if isinstance(n, Wgd):
        return tp.filter(tp.whole_genome_duplication == n.value).select("sample_id")
    if isinstance(n, Purity):
        return tp.filter(*_range(tp.purity, n.min, n.max)).select("sample_id")
    raise CohortError(f"no evaluation for filter {type(n).__name__}")  # pragma: no cover - the union is closed


class _Algebra:
    """How a definition's tree combines its criteria's samples: as Ibis tables (one
    expression for engines other than the store's DuckDB), or as SQL text of compiled
    parts (`_SqlAlgebra`). One walk (`_samples`) serves both, so both mean the same."""

    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap

    def leaf(self, n: Any) -> Any:
        return _leaf(self.snap, n).distinct()

    def universe(self) -> Any:
        return _universe(self.snap).select("sample_id")

    def intersect(self, a: Any, b: Any) -> Any:
        return a.intersect(b)

    def union(self, a: Any, b: Any) -> Any:
        return a.union(b)

    def difference(self, a: Any, b: Any) -> Any:
        return a.difference(b)


class _SqlAlgebra(_Algebra):
    """Each criterion compiled to SQL on its own, once per store version and withdrawal
    count (`materialized.compiled_sql`), and combined with INTERSECT / UNION ALL / EXCEPT.

    Why: Ibis needs 50–300 ms of Python to compile a whole definition, several times what
    DuckDB needs to run it, and definitions recombine the same criteria (a researcher
    refining a cohort, the same gene with another tumour type). Compiled per criterion, a
    new definition of known criteria costs no compilation. Every value a user typed is
    still a literal Ibis compiled into a criterion's SQL; the combining text holds only
    those parts and keywords."""

    def leaf(self, n: Any) -> Any:
        key = "cohort-criterion:" + json.dumps(to_json(n), sort_keys=True)
        return compiled_sql(self.snap, key, lambda: _leaf(self.snap, n).distinct().select("sample_id"))

    def universe(self) -> Any:
        return compiled_sql(self.snap, "cohort-universe", lambda: _universe(self.snap))

    @staticmethod
    def _of(sql: str) -> str:
        return f"SELECT sample_id FROM ({sql})"

    def intersect(self, a: Any, b: Any) -> Any:
        return f"{self._of(a)} INTERSECT {self._of(b)}"

    def union(self, a: Any, b: Any) -> Any:
        return f"{self._of(a)} UNION ALL {self._of(b)}"

    def difference(self, a: Any, b: Any) -> Any:
        return f"{self._of(a)} EXCEPT {self._of(b)}"


def _samples(alg: _Algebra, n: Any) -> Any:
    if isinstance(n, (And, Or)):
        combine = alg.intersect if isinstance(n, And) else alg.union
        out = _samples(alg, n.args[0])
        for a in n.args[1:]:
            out = combine(out, _samples(alg, a))
        return out
    if isinstance(n, Not):
        return alg.difference(alg.universe(), _samples(alg, n.arg))
    return alg.leaf(n)


def select(snap: Snapshot, definition: Any) -> ir.Table:
    """The cohort as an unexecuted Ibis table of (sample_id, patient_id)."""
    ids = _samples(_Algebra(snap), parse(definition))
    return _universe(snap).semi_join(ids, "sample_id")


class Cohort:
    """An evaluated cohort: which samples and patients (with which sample belongs to which
    patient), on which store version."""

    def __init__(self, sample_ids: frozenset[str], patient_ids: frozenset[str], version: int | None,
                 members: frozenset[tuple[str, str]] = frozenset()) -> None:
        self.sample_ids, self.patient_ids, self.members = sample_ids, patient_ids, members
        self.version = version

    @property
    def samples(self) -> int:
        return len(self.sample_ids)

    @property
    def patients(self) -> int:
        return len(self.patient_ids)

    def shared_samples(self, other: "Cohort") -> int:
        """How many samples both cohorts hold."""
        return len(self.sample_ids & other.sample_ids)

    def shares_patients(self, other: "Cohort") -> bool:
        """Whether a patient has samples in both cohorts."""
        return bool((self.patient_ids & other.patient_ids) - {None})

    def without(self, other: "Cohort") -> "Cohort":
        """This cohort minus every patient of `other` (with all their samples): the
        disjoint "rest" group that comparisons and survival need, where a sample-level NOT
        would keep a patient whose other biopsy is in `other`."""
        keep = self.patient_ids - other.patient_ids
        pairs = frozenset((s, p) for s, p in self.members if p in keep)
        if self.sample_ids and not self.members:
            raise ValueError("this cohort does not know which sample belongs to which patient; build it with evaluate()")
        return Cohort(frozenset(s for s, _ in pairs), frozenset(keep), self.version, pairs)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Cohort):
            return NotImplemented
        return (self.version, self.sample_ids, self.patient_ids, self.members) == \
            (other.version, other.sample_ids, other.patient_ids, other.members)

    def __hash__(self) -> int:
        return hash((self.version, self.sample_ids, self.patient_ids))

    def __repr__(self) -> str:
        return f"Cohort({self.samples} samples, {self.patients} patients, version {self.version})"


def evaluate(snap: Snapshot, definition: Any) -> Cohort:
    """The cohort's samples and patients on `snap`, by the definition's SQL (`evaluate_sql`)."""
    samples, patients = evaluate_sql(snap, definition)
    return Cohort(frozenset(samples), frozenset(patients), getattr(snap, "version", None), frozenset(zip(samples, patients)))


def evaluate_sql(snap: Snapshot, definition: Any) -> tuple[list[str], list[str]]:
    """The cohort's (sample_id, patient_id) pairs as two lists, by its SQL: on the store's
    DuckDB its criteria's compiled parts combined (`_SqlAlgebra`), elsewhere one Ibis
    expression (`select`)."""
    tree = parse(definition)
    universe = compiled_sql(snap, "cohort-universe", lambda: _universe(snap))
    if universe is None:
        df = select(snap, tree).to_pyarrow()
    else:
        ids = _samples(_SqlAlgebra(snap), tree)
        df = run_sql(snap, f"SELECT u.sample_id, u.patient_id FROM ({universe}) AS u "
                           f"WHERE u.sample_id IN (SELECT sample_id FROM ({ids}))")
    return df["sample_id"].to_pylist(), df["patient_id"].to_pylist()
