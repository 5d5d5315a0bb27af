"""Group comparison of two or more cohorts: which alterations are enriched in which group,
and how the groups differ clinically.

Per gene and alteration kind, altered vs not altered among each group's profiled samples:
Fisher's exact test for two groups, Pearson chi-squared for more, Benjamini–Hochberg
q-values over all genes tested. Clinical attributes: categorical ones by chi-squared on
their counts, numeric ones by Mann–Whitney U (two groups) or Kruskal–Wallis. Groups must
not share samples: the tests assume independent groups.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from scipy import stats as sps

from onconode.analysis import frequency
from onconode.analysis.frequency import FrequencyKeys
from onconode.analysis.alterations import DEFAULT_SCOPE, Scope
from onconode.analysis.cohort import Cohort
from onconode.analysis.cellkey import KEY_RANGE, RecordKeys, sums
from onconode.analysis.disclosure import WITHHELD, Rules
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
    frequency_keys: dict[str, Callable[[RecordKeys], FrequencyKeys]] = field(default_factory=dict)   # per group
    clinical_keys: Callable[[RecordKeys], "ClinicalKeys"] | None = None
    uncovered_keys: dict[str, Callable[[RecordKeys], dict[str, dict[str, int]]] | None] = field(default_factory=dict)  # per group: panels

    def exact(self) -> dict[str, Any]:
        return {"analysis": "group_comparison", "groups": self.groups, "definition": self.scope.describe(),
                "alterations": self.alterations, "categorical": self.categorical, "numeric": self.numeric}

    def controlled(self, rules: Rules) -> dict[str, Any]:
        """Every cell perturbed with its own cell key (altered, not altered and profiled
        samples per group); the tests and q-values are computed from the perturbed table
        and withheld where it has a suppressed cell. Rows with a shown p come first, by p;
        rows whose p is withheld follow by gene name, so their order reveals nothing."""
        keys = rules._keys()
        fk = [self.frequency_keys[n](keys) for n in self.groups]
        rows, k = self.alterations, len(self.groups)
        kinds, genes = [r["kind"] for r in rows], [r["gene"] for r in rows]
        altered = np.array([r["altered"] for r in rows], np.int64).reshape(-1, k)
        profiled = np.array([r["profiled"] for r in rows], np.int64).reshape(-1, k)
        a_keys = np.column_stack([f.altered(kinds, genes) for f in fk]) if rows else np.zeros((0, k), np.int64)
        # a gene's profiled samples: the kind's, less those on a panel without the gene (their keys too)
        left_out = [(self.uncovered_keys.get(n) or (lambda _k: {}))(keys) for n in self.groups]
        p_keys = np.array([[(f.profiled[kind] - lo.get(kind, {}).get(gene, 0)) % KEY_RANGE for f, lo in zip(fk, left_out)]
                           for kind, gene in zip(kinds, genes)], np.int64).reshape(-1, k)
        # every cell perturbed at once: altered, not altered (its key: profiled minus altered) and profiled
        perturbed = np.asarray(rules.values(np.concatenate([altered, profiled - altered, profiled]).ravel(),
                                            np.concatenate([a_keys, (p_keys - a_keys) % KEY_RANGE, p_keys]).ravel()),
                               np.int64).reshape(3, -1, k)
        small = (perturbed > 0) & (perturbed < rules.settings.min_cell)
        tested = np.flatnonzero(~small[:2].any(axis=(0, 2)))
        ps = _tests(np.stack([perturbed[0][tested], perturbed[1][tested]], axis=2).tolist(), k)
        p_of, q_of = dict(zip(tested.tolist(), ps)), dict(zip(tested.tolist(), benjamini_hochberg(ps)))
        shown = rules.shown_all(perturbed).tolist()
        alts = [{"gene": r["gene"], "kind": r["kind"], "test": r["test"], "altered": shown[0][i], "not_altered": shown[1][i],
                 "profiled": shown[2][i], "p": p_of.get(i, WITHHELD), "q": q_of.get(i, WITHHELD)} for i, r in enumerate(rows)]
        alts.sort(key=lambda r: (isinstance(r["p"], str), r["p"] if not isinstance(r["p"], str) else 0.0, r["gene"], r["kind"]))
        ck = self.clinical_keys(keys) if self.clinical_keys else None
        cats = []
        for i, r in enumerate(self.categorical):
            values = list(r["counts"])
            cells = [rules.values(r["counts"][v], ck.categorical[i][j]) for j, v in enumerate(values)]
            small = any(0 < c < rules.settings.min_cell for row in cells for c in row)
            p = WITHHELD if small else (chi_squared(cells)[1] if len(values) > 1 else 1.0)
            cats.append({"attribute": r["attribute"], "counts": {v: [rules.shown(c) for c in row] for v, row in zip(values, cells)},
                         "p": p})
        nums = []
        for i, r in enumerate(self.numeric):
            shown_n = rules.counts([g["n"] for g in r["groups"]], ck.numeric[i])
            small = not all(rules.stats_safe(n) for n in shown_n)   # decided on what is shown, never the true n
            nums.append({"attribute": r["attribute"], "test": r["test"], "p": WITHHELD if small else r["p"],
                         "groups": [{"n": n, **({k: WITHHELD for k in ("q1", "median", "q3")} if small else
                                                {k: g[k] for k in ("q1", "median", "q3")})}
                                    for n, g in zip(shown_n, r["groups"])]})
        return {"analysis": "group_comparison", "groups": self.groups, "definition": self.scope.describe(), "alterations": alts,
                "categorical": cats, "numeric": nums,
                "statistics": "alteration and categorical tests and q-values are computed from the perturbed counts; "
                              "q-values adjust over the genes whose p is shown; numeric tests use the values themselves"}


def _tests(tables: list[list[list[int]]], groups: int) -> list[float]:
    """Fisher's exact test per 2 × 2 table (two groups), else chi-squared per table."""
    return fisher_exact_many(tables) if groups == 2 else [chi_squared(t)[1] for t in tables]


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
    ps = _tests(tables, len(names))
    for r, p in zip(out.alterations, ps):
        r["test"], r["p"] = ("fisher_exact" if len(names) == 2 else "chi_squared"), p
    for r, q in zip(out.alterations, benjamini_hochberg([r["p"] for r in out.alterations])):
        r["q"] = q
    out.alterations.sort(key=lambda r: (r["p"], r["gene"]))
    out.frequency_keys = {n: freqs[n].keys_of for n in names}
    out.uncovered_keys = {n: freqs[n].uncovered_keys_of for n in names}
    _clinical(snap, groups, out, w)
    return out


def _clinical(snap: Snapshot, groups: dict[str, Cohort], out: Comparison, known_withdrawals: int | None = None) -> None:
    arrays = attribute_arrays(snap, known_withdrawals)
    categorical, numeric = clinical_comparison(arrays, groups)
    out.categorical += categorical
    out.numeric += numeric
    out.clinical_keys = functools.partial(clinical_keys, arrays, groups)


@dataclass(frozen=True)
class ClinicalKeys:
    """The cell keys of `clinical_comparison`'s counts: per categorical attribute, per
    value, per group; per numeric attribute, per group (of its samples with a value)."""
    categorical: list[list[list[int]]]
    numeric: list[list[int]]


def clinical_keys(a: AttributeArrays, groups: dict[str, Cohort], keys: RecordKeys) -> ClinicalKeys:
    """`clinical_comparison`'s counts again, each sample weighted by its record key."""
    weights = keys.of(a.frame["sample_id"].tolist())
    rows = [a.rows_of(c) for c in groups.values()]
    categorical = []
    for attr in CATEGORICAL:
        values = _listed_values(a, attr, rows)
        per_group = [sums(a.count_code[attr][r], weights[r], len(a.strings[attr]))[values] for r in rows]
        categorical.append([[int(g[i]) for g in per_group] for i in range(len(values))])
    group_of = _group_of(a, rows)
    numeric = []
    for attr in NUMERIC:
        in_group = group_of[a.sorted_rows[attr]]
        valued = in_group >= 0
        numeric.append(sums(in_group[valued], weights[a.sorted_rows[attr]][valued], len(rows)).tolist())
    return ClinicalKeys(categorical, numeric)


def _listed_values(a: AttributeArrays, attr: str, rows: list[np.ndarray]) -> np.ndarray:
    """The value codes listed for `attr`: those some group has a non-missing row of."""
    names = a.strings[attr]
    seen = sum(np.bincount(a.value_code[attr][r] + 1, minlength=len(names) + 1) for r in rows)   # missing -1 -> 0
    return np.flatnonzero(seen[1:])


def _group_of(a: AttributeArrays, rows: list[np.ndarray]) -> np.ndarray:
    """Each row's group (-1: none)."""
    group_of = np.full(len(a.frame), -1, np.int64)
    for i, r in enumerate(rows):
        group_of[r] = i
    return group_of


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
        values = _listed_values(a, attr, rows)
        per_group = [np.bincount(a.count_code[attr][r], minlength=len(names))[values].tolist() for r in rows]
        counts = {names[v]: [g[i] for g in per_group] for i, v in enumerate(values.tolist())}
        p = chi_squared([counts[v] for v in counts])[1] if len(values) > 1 else 1.0
        categorical.append({"attribute": attr, "counts": counts, "p": p})
    group_of = _group_of(a, rows)
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
