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
import numpy as np

from onconode.analysis import alterations, cohort_memory, tool_criteria
from onconode.analysis.materialized import execute_compiled
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


def _samples(snap: Snapshot, n: Any) -> ir.Table:
    if isinstance(n, And):
        parts = [_samples(snap, a) for a in n.args]
        out = parts[0]
        for p in parts[1:]:
            out = out.intersect(p)
        return out
    if isinstance(n, Or):
        parts = [_samples(snap, a) for a in n.args]
        out = parts[0]
        for p in parts[1:]:
            out = out.union(p)
        return out
    if isinstance(n, Not):
        return _universe(snap).select("sample_id").difference(_samples(snap, n.arg))
    return _leaf(snap, n).distinct()


def select(snap: Snapshot, definition: Any) -> ir.Table:
    """The cohort as an unexecuted Ibis table of (sample_id, patient_id)."""
    ids = _samples(snap, parse(definition))
    return _universe(snap).semi_join(ids, "sample_id")


class Cohort:
    """An evaluated cohort: which samples and patients, on which store version.

    A cohort evaluated in memory holds its samples as positions in the snapshot's sample
    index (`cohort_memory.SampleIndex`); the id sets are built the first time something
    asks for them, since a count, a comparison or a survival curve of 5,000 samples
    mostly needs only the positions."""

    def __init__(self, sample_ids: frozenset[str], patient_ids: frozenset[str], version: int | None,
                 members: frozenset[tuple[str, str]] = frozenset()) -> None:
        self._sample_ids, self._patient_ids, self._members = sample_ids, patient_ids, members
        self.version = version
        self.index: Any = None            # cohort_memory.SampleIndex, when evaluated in memory
        self.codes: np.ndarray | None = None   # the samples' positions in it, sorted

    @classmethod
    def of_codes(cls, index: Any, codes: np.ndarray, version: int | None) -> "Cohort":
        c = cls(None, None, version, None)  # type: ignore[arg-type]
        c.index, c.codes = index, codes
        return c

    @property
    def sample_ids(self) -> frozenset[str]:
        if self._sample_ids is None:
            self._sample_ids = frozenset(self.index.sample_list(self.codes))
        return self._sample_ids

    @property
    def patient_ids(self) -> frozenset[str]:
        if self._patient_ids is None:
            self._patient_ids = frozenset(self.index.patient_ids[self.index.patient_codes(self.codes)].tolist())
        return self._patient_ids

    @property
    def members(self) -> frozenset[tuple[str, str]]:
        """(sample_id, patient_id) pairs."""
        if self._members is None:
            self._members = frozenset(zip(self.index.sample_list(self.codes), self.index.patient_list(self.codes)))
        return self._members

    @property
    def samples(self) -> int:
        return len(self.codes) if self.codes is not None else len(self.sample_ids)

    @property
    def patients(self) -> int:
        return len(self.index.patient_codes(self.codes)) if self.codes is not None else len(self.patient_ids)

    def _same_index(self, other: "Cohort") -> bool:
        """Both evaluated in memory on one sample index: compared by position."""
        return self.codes is not None and other.codes is not None and other.index is self.index

    def shared_samples(self, other: "Cohort") -> int:
        """How many samples both cohorts hold."""
        if self._same_index(other):
            return len(np.intersect1d(self.codes, other.codes, assume_unique=True))
        return len(self.sample_ids & other.sample_ids)

    def shares_patients(self, other: "Cohort") -> bool:
        """Whether a patient has samples in both cohorts."""
        if self._same_index(other):
            mine = np.zeros(len(self.index.patient_ids), bool)
            mine[self.index.patient_code[self.codes]] = True
            mine[self.index.no_patient] = False   # samples without a patient share nobody
            return bool(mine[self.index.patient_code[other.codes]].any())
        return bool((self.patient_ids & other.patient_ids) - {None})

    def without(self, other: "Cohort") -> "Cohort":
        """This cohort minus every patient of `other` (with all their samples): the
        disjoint "rest" group that comparisons and survival need, where a sample-level NOT
        would keep a patient whose other biopsy is in `other`."""
        if self._same_index(other):   # a patient-less sample goes when `other` has one, as with the ids (None in both)
            taken = np.zeros(len(self.index.patient_ids), bool)
            taken[self.index.patient_code[other.codes]] = True
            return Cohort.of_codes(self.index, self.codes[~taken[self.index.patient_code[self.codes]]], self.version)
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
    """The cohort's samples and patients on `snap`: in memory when every criterion allows
    (`cohort_memory`), else by the definition's SQL, compiled once per store snapshot
    (`materialized.execute_compiled`)."""
    tree = parse(definition)
    version = getattr(snap, "version", None)
    fast = cohort_memory.evaluate(snap, tree)
    if fast is not None:
        return Cohort.of_codes(*fast, version)
    samples, patients = evaluate_sql(snap, tree)
    return Cohort(frozenset(samples), frozenset(patients), version, frozenset(zip(samples, patients)))


def evaluate_sql(snap: Snapshot, definition: Any) -> tuple[list[str], list[str]]:
    """The cohort's (sample_id, patient_id) pairs as two lists, by its SQL (every criterion)."""
    tree = parse(definition)
    key = json.dumps(to_json(tree), sort_keys=True)
    df = execute_compiled(snap, "cohort:" + key, lambda: select(snap, tree))
    return df["sample_id"].to_pylist(), df["patient_id"].to_pylist()
