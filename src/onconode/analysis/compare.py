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
from onconode.analysis.cohort import Cohort
from onconode.analysis.disclosure import Rules
from onconode.analysis.queries import Snapshot
from onconode.analysis.stats import benjamini_hochberg, chi_squared, fisher_exact_many
from onconode.analysis.summary import sample_attributes

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
            shared = groups[a].sample_ids & groups[b].sample_ids
            if shared:
                raise GroupError(f"groups {a!r} and {b!r} share {len(shared)} samples; make them disjoint "
                                 "(e.g. add NOT of the other group's definition)")


@dataclass
class Comparison:
    groups: list[str]
    alterations: list[dict[str, Any]] = field(default_factory=list)  # gene, kind, altered[], profiled[], p, q, test
    categorical: list[dict[str, Any]] = field(default_factory=list)  # attribute, counts{value: []}, p
    numeric: list[dict[str, Any]] = field(default_factory=list)      # attribute, per group n/median/q1/q3, p

    def exact(self) -> dict[str, Any]:
        return {"analysis": "group_comparison", "groups": self.groups, "alterations": self.alterations,
                "categorical": self.categorical, "numeric": self.numeric}

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
        return {"analysis": "group_comparison", "groups": self.groups, "alterations": alts,
                "categorical": cats, "numeric": nums}


def compare(snap: Snapshot, groups: dict[str, Cohort], genes: list[str] | None = None,
            kinds: tuple[str, ...] = ("ANY",), min_driver_likelihood: float = 0.5) -> Comparison:
    _check_groups(groups)
    names = list(groups)
    freqs = frequency.alteration_frequencies(snap, groups, genes, kinds, min_driver_likelihood)
    found = {n: {(r["kind"], r["gene"]): r["altered"] for r in freqs[n].rows} for n in names}
    keys = sorted({k for f in found.values() for k in f})
    out = Comparison(names)
    tables = []
    for kind, gene in keys:
        altered = [found[n].get((kind, gene), 0) for n in names]
        profiled = [freqs[n].profiled[kind] for n in names]
        tables.append([[a, p - a] for a, p in zip(altered, profiled)])
        out.alterations.append({"gene": gene, "kind": kind, "altered": altered, "profiled": profiled})
    # two groups: every gene's Fisher test at once; more: chi-squared per gene
    ps = fisher_exact_many(tables) if len(names) == 2 else [chi_squared(t)[1] for t in tables]
    for r, p in zip(out.alterations, ps):
        r["test"], r["p"] = ("fisher_exact" if len(names) == 2 else "chi_squared"), p
    for r, q in zip(out.alterations, benjamini_hochberg([r["p"] for r in out.alterations])):
        r["q"] = q
    out.alterations.sort(key=lambda r: (r["p"], r["gene"]))
    _clinical(snap, groups, out)
    return out


def _clinical(snap: Snapshot, groups: dict[str, Cohort], out: Comparison) -> None:
    attrs = {n: sample_attributes(snap, c) for n, c in groups.items()}
    for a in CATEGORICAL:
        values = sorted({str(v) for df in attrs.values() for v in df[a].dropna().unique()})   # str of each distinct value
        per_group = [df[a].astype(str).value_counts() for df in attrs.values()]
        counts = {v: [int(vc.get(v, 0)) for vc in per_group] for v in values}
        p = chi_squared([counts[v] for v in values])[1] if len(values) > 1 else 1.0
        out.categorical.append({"attribute": a, "counts": counts, "p": p})
    for a in NUMERIC:
        data = [df[a].dropna().to_numpy(dtype=float) for df in attrs.values()]
        if any(len(d) == 0 for d in data):
            p, test = None, None
        elif len(data) == 2:
            test, p = "mann_whitney_u", float(sps.mannwhitneyu(data[0], data[1], alternative="two-sided").pvalue)
        else:
            test, p = "kruskal_wallis", float(sps.kruskal(*data).pvalue)
        out.numeric.append({"attribute": a, "test": test, "p": p, "groups": [
            {"n": len(d), **({"q1": float(np.quantile(d, .25)), "median": float(np.median(d)), "q3": float(np.quantile(d, .75))}
                             if len(d) else {"q1": None, "median": None, "q3": None})} for d in data]})
