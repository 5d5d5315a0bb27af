"""The analyses as a researcher calls them: JSON-serialisable parameters in, what the
disclosure gate lets through out.

Each function takes the gate, the user, a snapshot and cohort *definitions* (the JSON
filter trees of `cohort.py`), evaluates them, computes, and returns
`gate.release(...)` — so the REST API, the CLI and the web portal only parse and render,
and no interface can reach an analysis result without passing the gate.
"""

from __future__ import annotations

from typing import Any

from onconode.analysis import cohort as cohorts
from onconode.analysis import compare as compare_mod
from onconode.analysis import frequency as frequency_mod
from onconode.analysis import oncoprint as oncoprint_mod
from onconode.analysis import response as response_mod
from onconode.analysis import summary as summary_mod
from onconode.analysis import survival as survival_mod
from onconode.analysis import swimmer as swimmer_mod
from onconode.analysis.disclosure import Count, Gate
from onconode.analysis.queries import Snapshot

Definition = dict[str, Any]


def _groups(snap: Snapshot, definitions: dict[str, Definition], disjoint: bool) -> dict[str, cohorts.Cohort]:
    """Evaluate named group definitions; with `disjoint`, a patient in an earlier group
    is taken out of the later ones (so "biomarker" then "all" means "the rest")."""
    out: dict[str, cohorts.Cohort] = {}
    for name, d in definitions.items():
        c = cohorts.evaluate(snap, d)
        if disjoint:
            for earlier in out.values():
                c = c.without(earlier)
        out[name] = c
    return out


def count(gate: Gate, user: str, snap: Snapshot, definition: Definition, label: str = "cohort") -> dict[str, Any]:
    c = cohorts.evaluate(snap, definition)
    return gate.release(user, snap, Count(label, c.patient_ids, c.sample_ids), {label: c.patient_ids})


def summary(gate: Gate, user: str, snap: Snapshot, definition: Definition) -> dict[str, Any]:
    c = cohorts.evaluate(snap, definition)
    return gate.release(user, snap, summary_mod.summarise(snap, c), {"cohort": c.patient_ids})


def frequency(gate: Gate, user: str, snap: Snapshot, definition: Definition, genes: list[str] | None = None,
              kinds: list[str] | None = None, min_driver_likelihood: float = 0.5) -> dict[str, Any]:
    c = cohorts.evaluate(snap, definition)
    res = frequency_mod.alteration_frequency(snap, c, genes, tuple(kinds or frequency_mod.FREQUENCY_KINDS), min_driver_likelihood)
    return gate.release(user, snap, res, {"cohort": c.patient_ids})


def oncoprint(gate: Gate, user: str, snap: Snapshot, definition: Definition, genes: list[str]) -> dict[str, Any]:
    c = cohorts.evaluate(snap, definition)
    return gate.release(user, snap, oncoprint_mod.oncoprint(snap, c, genes), {"cohort": c.patient_ids})


def compare(gate: Gate, user: str, snap: Snapshot, groups: dict[str, Definition], genes: list[str] | None = None,
            kinds: list[str] | None = None, disjoint: bool = True) -> dict[str, Any]:
    g = _groups(snap, groups, disjoint)
    res = compare_mod.compare(snap, g, genes, tuple(kinds or ("ANY",)))
    return gate.release(user, snap, res, {n: c.patient_ids for n, c in g.items()})


def biomarker_response(gate: Gate, user: str, snap: Snapshot, definition: Definition, treatment: dict[str, Any],
                       biomarker: Definition, covariates: list[str] | None = None) -> dict[str, Any]:
    c = cohorts.evaluate(snap, definition)
    b = cohorts.evaluate(snap, biomarker)
    res = response_mod.biomarker_response(snap, c, treatment, b, covariates)  # type: ignore[arg-type]
    # The figures describe the cohort's *treated* patients: the group-size rule applies to
    # them, not to the cohort padded with untreated patients.
    return gate.release(user, snap, res, {"treated patients": res.patients})


def survival(gate: Gate, user: str, snap: Snapshot, groups: dict[str, Definition], endpoint: str = "os",
             treatment: dict[str, Any] | None = None, left_truncation: bool = True,
             cox_covariates: list[str] | None = None, disjoint: bool = True) -> dict[str, Any]:
    g = _groups(snap, groups, disjoint)
    res = survival_mod.survival_analysis(snap, g, endpoint, treatment, left_truncation, cox_covariates)
    return gate.release(user, snap, res, res.analysed)  # the patients behind each curve (treated, dated)


def swimmer(gate: Gate, user: str, snap: Snapshot, definition: Definition,
            treatment: dict[str, Any] | None = None) -> dict[str, Any]:
    """Each patient's treatment lines: exact within the user's licence, else withheld."""
    c = cohorts.evaluate(snap, definition)
    res = swimmer_mod.swimmer(snap, c, treatment)
    return gate.release(user, snap, res, {"treated patients": frozenset(l["patient_id"] for l in res.lanes)})
