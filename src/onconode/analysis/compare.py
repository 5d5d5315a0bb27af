"""Group comparison of two or more cohorts: which alterations are enriched in which group,
and how the groups differ clinically.

Per gene and alteration kind, altered vs not altered among each group's profiled samples:
Fisher's exact test for two groups, Pearson chi-squared for more, Benjamini–Hochberg
q-values over all genes tested. Clinical attributes: categorical ones by chi-squared on
their counts, numeric ones by Mann–Whitney U (two groups) or Kruskal–Wallis. Groups must
not share samples: the tests assume independent groups.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats as sps

from onconode.analysis import frequency
from onconode.analysis.alterations import DEFAULT_SCOPE, Scope
from onconode.analysis.cohort import Cohort
from onconode.analysis.disclosure import Rules
from onconode.analysis.queries import Snapshot
from onconode.analysis.materialized import withdrawals
from onconode.analysis.stats import benjamini_hochberg, chi_squared, fisher_exact_many, mann_whitney_u_sorted, quartiles_sorted
from onconode.analysis.summary import AttributeArrays, attribute_arrays

CATEGORICAL = ("sex", "primary_tumor_location", "biopsy_site", "msi_status", "tmb_status", "hr_status")
NUMERIC = ("age_at_biopsy", "tmb_per_mb", "purity", "ploidy")


class GroupError(ValueError):
    pass


def _check_groups(groups: dict[str, Cohort]) -> None:
    if len(groups) < 2:
        raise GroupError("a comparison needs at least two groups")
    names = list(groups)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            shared = groups[a].shared_samples(groups[b])
            if shared:
                raise GroupError(f"groups {a!r} and {b!r} share {shared} samples; make them disjoint "
                                 "(e.g. add NOT of the other group's definition)")


@dataclass
class Comparison:
    groups: list[str]
    alterations: list[dict[str, Any]] = field(default_factory=list)  # gene, kind, altered[], profiled[], p, q, test
    categorical: list[dict[str, Any]] = field(default_factory=list)  # attribute, counts{value: []}, p
    numeric: list[dict[str, Any]] = field(default_factory=list)      # attribute, per group n/median/q1/q3, p
    scope: Scope = DEFAULT_SCOPE                                      # what counted as a mutation, which samples

    def exact(self) -> dict[str, Any]:
        return {"analysis": "group_comparison", "groups": self.groups, "definition": self.scope.describe(),
                "alterations": self.alterations, "categorical": self.categorical, "numeric": self.numeric}

    def controlled(self, rules: Rules) -> dict[str, Any]:
        alts = []
        for r in self.alterations:
            table = [[a, p - a] for a, p in zip(r["altered"], r["profiled"])]
            cells, hidden = rules.table(table)
            alts.append({"gene": r["gene"], "kind": r["kind"], "test": r["test"],
                         "altered": [c[0] for c in cells], "profiled": [rules.cell(p) for p in r["profiled"]],
                         "p": None if hidden else r["p"], "q": None if hidden else r["q"]})
        cats = []
        for r in self.categorical:
            values = list(r["counts"])
            cells, hidden = rules.table([r["counts"][v] for v in values])
            cats.append({"attribute": r["attribute"], "counts": dict(zip(values, cells)), "p": None if hidden else r["p"]})
        nums = []
        for r in self.numeric:
            small = any(rules.is_small(g["n"]) or g["n"] == 0 for g in r["groups"])
            nums.append({"attribute": r["attribute"], "test": r["test"], "p": None if small else r["p"],
                         "groups": [{"n": rules.cell(g["n"]), **({} if small else {k: g[k] for k in ("q1", "median", "q3")})}
                                    for g in r["groups"]]})
        return {"analysis": "group_comparison", "groups": self.groups, "definition": self.scope.describe(),
                "alterations": alts, "categorical": cats, "numeric": nums}


def compare(snap: Snapshot, groups: dict[str, Cohort], genes: list[str] | None = None,
            kinds: tuple[str, ...] = ("ANY",), min_driver_likelihood: float = 0.5, scope: Scope = DEFAULT_SCOPE) -> Comparison:
    """Per gene and kind, each group's altered and profiled samples (the gene's panel-aware
    denominators) and the test across groups; then the clinical attributes."""
    _check_groups(groups)
    names = list(groups)
    w = withdrawals(snap)   # read once for the per-snapshot arrays of this answer
    freqs = frequency.alteration_frequencies(snap, groups, genes, kinds, min_driver_likelihood, known_withdrawals=w, scope=scope)
    found = {n: {(r["kind"], r["gene"]): r["altered"] for r in freqs[n].rows} for n in names}
    keys = sorted({k for f in found.values() for k in f})
    out = Comparison(names, scope=scope)
    tables = []
    for kind, gene in keys:
        altered = [found[n].get((kind, gene), 0) for n in names]
        profiled = [freqs[n].profiled_for(kind, gene) for n in names]
        tables.append([[a, p - a] for a, p in zip(altered, profiled)])
        out.alterations.append({"gene": gene, "kind": kind, "altered": altered, "profiled": profiled})
    # two groups: every gene's Fisher test at once; more: chi-squared per gene
    ps = fisher_exact_many(tables) if len(names) == 2 else [chi_squared(t)[1] for t in tables]
    for r, p in zip(out.alterations, ps):
        r["test"], r["p"] = ("fisher_exact" if len(names) == 2 else "chi_squared"), p
    for r, q in zip(out.alterations, benjamini_hochberg([r["p"] for r in out.alterations])):
        r["q"] = q
    out.alterations.sort(key=lambda r: (r["p"], r["gene"]))
    _clinical(snap, groups, out, w)
    return out


def _clinical(snap: Snapshot, groups: dict[str, Cohort], out: Comparison, known_withdrawals: int | None = None) -> None:
    categorical, numeric = clinical_comparison(attribute_arrays(snap, known_withdrawals), groups)
    out.categorical += categorical
    out.numeric += numeric


def clinical_comparison(a: AttributeArrays, groups: dict[str, Cohort]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Categorical attributes: chi-squared on each value's count per group (values: the
    non-missing ones any group has, as strings, sorted). Numeric: Mann–Whitney U (two
    groups) or Kruskal–Wallis, and each group's n and quartiles, missing values left
    out. Counted from the snapshot's `summary.AttributeArrays` by the groups' rows:
    bincounts of codes and one order sorted per snapshot, no per-question pandas."""
    categorical: list[dict[str, Any]] = []
    numeric: list[dict[str, Any]] = []
    rows = [a.rows_of(c) for c in groups.values()]
    for attr in CATEGORICAL:
        names = a.strings[attr]
        # the values listed: those some group has a non-missing row of (value code -1 = missing, shifted to 0)
        seen = sum(np.bincount(a.value_code[attr][r] + 1, minlength=len(names) + 1) for r in rows)
        values = np.flatnonzero(seen[1:])
        per_group = [np.bincount(a.count_code[attr][r], minlength=len(names))[values].tolist() for r in rows]
        counts = {names[v]: [g[i] for g in per_group] for i, v in enumerate(values.tolist())}
        p = chi_squared([counts[v] for v in counts])[1] if len(values) > 1 else 1.0
        categorical.append({"attribute": attr, "counts": counts, "p": p})
    group_of = np.full(len(a.frame), -1, np.int64)
    for i, r in enumerate(rows):
        group_of[r] = i
    for attr in NUMERIC:
        in_group = group_of[a.sorted_rows[attr]]          # each valued row's group, in ascending order of the value
        ordered = a.sorted_values[attr]
        data = [ordered[in_group == i] for i in range(len(rows))]
        if any(len(d) == 0 for d in data):
            p, test = None, None
        elif len(data) == 2:
            both = in_group >= 0
            test, p = "mann_whitney_u", mann_whitney_u_sorted(ordered[both], in_group[both] == 0)
        else:
            test, p = "kruskal_wallis", float(sps.kruskal(*data).pvalue)
        numeric.append({"attribute": attr, "test": test, "p": p, "groups": [
            {"n": len(d), **(dict(zip(("q1", "median", "q3"), quartiles_sorted(d))) if len(d)
                             else {"q1": None, "median": None, "q3": None})} for d in data]})
    return categorical, numeric
