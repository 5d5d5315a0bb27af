"""Tracker attacks on the disclosure gate, run the way an unlicensed user would run them.

One implementation, shared by the test suite (`tests/analysis/test_trackers.py`) and the
benchmark that publishes the figures (`benchmarks/trackers.py`), so the published numbers
are the tested ones.

The attacker only sees what `Gate.release` lets through: it asks `service.count` (the
entry point the REST API and the portal call) for cohort definitions and reads the
`patients` figure. A suppressed figure (a marker string) or a refused query
(`DisclosureRefused`) is an answer it cannot subtract, so an attack that needs it fails
for that cell; each family therefore tries several formulations and uses the first whose
every term was answered (the attacker sees which ones were).

Targets are *small cells*: conjunctions of two cohort criteria (tumour location × gene
mutated, × biopsy site, × sex, ...) whose true patient count is 1..4, drawn with a fixed
seed from every such cell of the store. The families (Denning & Schwartz 1979; Asghar &
Kaafar 2020; `reference/disclosure-perturbation.md`):

- direct:       |A∧B| asked for itself (the yardstick)
- union:        |A∧B| = |A| + |B| − |A∨B|
- intersection: |A∧B| = |A| − |A∧¬B|   (or |B| − |B∧¬A|)
- complement:   |A∧B| = |all| − |¬(A∧B)|   (or |all| − |¬A| − |¬B| + |¬A∧¬B|)
- tracker:      |C| = |C∨T| + |C∨¬T| − |all|   (or − |T| − |¬T|), T a large padding set
- averaging:    the tracker with many different padding sets, averaged (each set gives
                the same true answer from a different record set, so consistent
                perturbation gives near-independent noise); reported separately.
- refusals:     whether a query is refused, when the gate refuses on the *true* count:
                the cell is split by purity intervals, bisected while refused (not
                empty), and the non-empty leaves counted; reported separately.

The attacker knows its targets are small (1..4: asking for the cell itself shows the
small-cell marker) and clamps its estimate into that range.

Baseline (what "no better than guessing" means): with no answers at all, an attacker who
knows the published perturbation table and the prior distribution of small-cell counts
can do no better than always guessing the most common small count; it is right with
probability max_k π_k, π being the share of each count 1..4 among all small cells of the
store. (The p-table adds nothing without answers: small cells are suppressed.) A family
beats guessing when a one-sided binomial test rejects "success rate ≤ that baseline".
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Literal

from scipy.stats import binomtest

from onconode.analysis import cohort as cohorts
from onconode.analysis import service
from onconode.analysis.disclosure import DisclosureRefused, Gate
from onconode.analysis.queries import Snapshot

Definition = dict[str, Any]
Identities = Literal["visitor", "colluding"]

ALL: Definition = {"op": "all"}
SMALL = range(1, 5)
FAMILIES = ("direct", "union", "intersection", "complement", "tracker")
AVERAGING = "averaging"
REFUSALS = "refusals"
FAMILIES_AND_AVERAGING = FAMILIES + (AVERAGING, REFUSALS)
ALPHA = 0.001

LOCATIONS = ["Breast", "Lung", "Colorectum", "Prostate", "Skin", "Ovary", "Esophagus", "Pancreas",
             "Bone/Soft tissue", "Neuroendocrine", "CUP", "Kidney", "Stomach", "Bile duct", "Urothelial tract",
             "Uterus", "Nervous system"]
GENES = ["TP53", "KRAS", "CDKN2A", "APC", "PIK3CA", "MYC", "TERT", "PTEN", "AR", "SMAD4", "BRAF", "ERBB2",
         "CCND1", "BRCA2", "BRCA1", "CDH1", "VHL", "ESR1", "KEAP1", "GATA3", "STK11", "FBXW7", "EGFR"]
SITES = ["Liver", "Lymph node", "Primary", "Soft tissue", "Peritoneum", "Lung", "Skin", "Bone"]

# Large answerable padding sets for the trackers (each with its complement large too).
PADDING: list[Definition] = [
    {"op": "sex", "values": ["female"]},
    {"op": "wgd", "value": True},
    {"op": "age_at_biopsy", "min": 60},
    {"op": "biopsy_site", "sites": ["Liver", "Lymph node"]},
    {"op": "purity", "min": 0.6},
    {"op": "tumour_location", "locations": ["Breast", "Lung", "Prostate", "Skin"]},
    {"op": "age_at_biopsy", "min": 50, "max": 70},
    {"op": "biopsy_site", "sites": ["Liver", "Primary", "Bone"]},
    {"op": "purity", "min": 0.4, "max": 0.8},
    {"op": "tumour_location", "locations": ["Colorectum", "Ovary", "Esophagus", "Pancreas", "Breast"]},
    {"op": "age_at_biopsy", "max": 55},
    {"op": "wgd", "value": False},
    {"op": "sex", "values": ["male"]},
    {"op": "purity", "max": 0.5},
    {"op": "biopsy_site", "sites": ["Lymph node", "Soft tissue", "Peritoneum", "Skin"]},
    {"op": "age_at_biopsy", "min": 45, "max": 65},
]


def _and(*args: Definition) -> Definition:
    return {"op": "and", "args": list(args)}


def _or(*args: Definition) -> Definition:
    return {"op": "or", "args": list(args)}


def _not(arg: Definition) -> Definition:
    return {"op": "not", "arg": arg}


@dataclass(frozen=True)
class Cell:
    """A target: the patients matching both criteria (what `{"op": "and"}` of them selects)."""
    name: str
    a: Definition
    b: Definition
    true: int

    @property
    def definition(self) -> Definition:
        return _and(self.a, self.b)


def criteria() -> dict[str, list[tuple[str, Definition]]]:
    """The criteria a researcher combines in the cohort builder, by kind."""
    return {
        "location": [(loc, {"op": "tumour_location", "locations": [loc]}) for loc in LOCATIONS],
        "gene": [(f"{g} mutated", {"op": "gene_altered", "gene": g, "alteration": "mutation"}) for g in GENES],
        "site": [(f"biopsy {s}", {"op": "biopsy_site", "sites": [s]}) for s in SITES],
        "sex": [(sx, {"op": "sex", "values": [sx]}) for sx in ("female", "male")],
        "genome": [("HRD", {"op": "hrd", "status": ["HR_DEFICIENT"]}), ("WGD", {"op": "wgd", "value": True}),
                   ("MSI", {"op": "msi", "status": ["MSI"]})],
    }


CELL_KINDS = [("location", "gene"), ("location", "site"), ("location", "sex"), ("location", "genome"),
              ("gene", "site"), ("gene", "sex"), ("gene", "genome")]


@dataclass(frozen=True)
class Targets:
    cells: list[Cell]
    prior: dict[int, float]          # share of each count 1..4 among every small cell
    population: int                  # how many small cells the store has

    @property
    def baseline(self) -> float:
        """P(exact) of the best guess without answers: always the most common small count."""
        return max(self.prior.values())

    @property
    def best_guess(self) -> int:
        return max(self.prior, key=lambda k: (self.prior[k], -k))


def small_cells(snap: Snapshot, n: int = 60, seed: int = 15) -> Targets:
    """Every two-criterion conjunction with 1..4 patients, and `n` of them drawn with `seed`.
    True counts come from the analysis layer itself (no gate): the ground truth."""
    crit = criteria()
    members = {name: cohorts.evaluate(snap, d).members for kind in crit.values() for name, d in kind}
    population: list[Cell] = []
    for ka, kb in CELL_KINDS:
        for (na, da), (nb, db) in itertools.product(crit[ka], crit[kb]):
            shared = members[na] & members[nb]
            true = len({p for _, p in shared})
            if true in SMALL:
                population.append(Cell(f"{na} ∧ {nb}", da, db, true))
    if len(population) < n:
        raise ValueError(f"the store has only {len(population)} small cells; {n} were asked for")
    counts = Counter(c.true for c in population)
    prior = {k: counts[k] / len(population) for k in SMALL}
    return Targets(random.Random(seed).sample(population, n), prior, len(population))


@dataclass
class Oracle:
    """What an unlicensed user gets back from `service.count`: a number, or None when the
    figure is suppressed or the query refused. Each query is made as `identity()`."""
    gate: Gate
    snap: Snapshot
    identity: Callable[[], str]
    queries: int = 0

    def __call__(self, definition: Definition) -> int | None:
        self.queries += 1
        try:
            out = service.count(self.gate, self.identity(), self.snap, definition)
        except DisclosureRefused:
            return None
        v = out["patients"]
        return v if isinstance(v, int) and not isinstance(v, bool) else None


def _identities(mode: Identities, family: str, cell: int, tag: str) -> Callable[[], str]:
    """Who the gate thinks is asking, named as `web.researcher.gate_user` names an
    anonymous requester. "visitor": one address for the whole attack on a cell (what a
    per-user history sees); "colluding": a new address for every query (address rotation,
    or several people pooling their answers). `tag` keeps runs apart on one node."""
    if mode == "visitor":
        name = f"anonymous:{tag}-{family}-{cell}"
        return lambda: name
    counter = itertools.count()
    return lambda: f"anonymous:{tag}-{family}-{cell}-{next(counter)}"


Formula = list[tuple[int, Definition]]   # Σ sign × count(definition)


def _evaluate(ask: Oracle, formula: Formula) -> int | None:
    total = 0
    for sign, d in formula:
        v = ask(d)
        if v is None:
            return None
        total += sign * v
    return total


def formulas(family: str, cell: Cell) -> Iterator[Formula]:
    """The family's formulations of |A∧B|, in the order the attacker tries them."""
    a, b, c = cell.a, cell.b, cell.definition
    if family == "direct":
        yield [(1, c)]
    elif family == "union":
        yield [(1, a), (1, b), (-1, _or(a, b))]
    elif family == "intersection":
        yield [(1, a), (-1, _and(a, _not(b)))]
        yield [(1, b), (-1, _and(b, _not(a)))]
    elif family == "complement":
        yield [(1, ALL), (-1, _not(c))]
        yield [(1, ALL), (-1, _not(a)), (-1, _not(b)), (1, _and(_not(a), _not(b)))]
    elif family == "tracker":
        for t in PADDING:
            yield [(1, _or(c, t)), (1, _or(c, _not(t))), (-1, ALL)]
            yield [(1, _or(c, t)), (1, _or(c, _not(t))), (-1, t), (-1, _not(t))]
    else:
        raise ValueError(f"unknown attack family {family!r}; choose one of {FAMILIES}")


def clamp(estimate: float) -> int:
    """The attacker's final guess: its estimate rounded into the small range 1..4."""
    return int(min(max(round(estimate), SMALL.start), SMALL.stop - 1))


@dataclass
class Outcome:
    cell: Cell
    raw: float | None          # the arithmetic result, None when no formulation was answered
    queries: int

    @property
    def estimate(self) -> int | None:
        return None if self.raw is None else clamp(self.raw)

    @property
    def exact(self) -> bool:
        return self.estimate == self.cell.true


def attack(family: str, cell: Cell, ask: Oracle) -> Outcome:
    for f in formulas(family, cell):
        v = _evaluate(ask, f)
        if v is not None:
            return Outcome(cell, v, ask.queries)
    return Outcome(cell, None, ask.queries)


def averaging(cell: Cell, ask: Oracle) -> Outcome:
    """Asghar & Kaafar: every padding set gives the same true |C| from other record sets;
    the mean of the answered ones is the estimate."""
    c = cell.definition
    estimates = [v for t in PADDING
                 if (v := _evaluate(ask, [(1, _or(c, t)), (1, _or(c, _not(t))), (-1, t), (-1, _not(t))])) is not None]
    return Outcome(cell, sum(estimates) / len(estimates) if estimates else None, ask.queries)


PURITY_STEP = 1e-4   # purity is stored to four decimals
REFUSAL_BUDGET = 120  # queries an attacker spends on one cell: twice what the attack needed (~54) when refusals followed true sizes


def refusals(cell: Cell, ask: Oracle) -> Outcome:
    """A part of a small cell is refused (or shown as a marker) when it is not empty and
    answered 0 when it is: bisect the cell by purity intervals, on half-step boundaries no
    stored value can sit on, down to single values, and count the non-empty ones."""
    c = cell.definition
    found = 0
    stack = [(0, int(round(1 / PURITY_STEP)))]
    while stack:
        if ask.queries >= REFUSAL_BUDGET:   # every part refused alike: the bisection learns nothing, give up
            return Outcome(cell, None, ask.queries)
        lo, hi = stack.pop()
        part = _and(c, {"op": "purity", "min": (lo - 0.5) * PURITY_STEP, "max": (hi + 0.5) * PURITY_STEP})
        v = ask(part)
        if v == 0:
            continue
        if lo == hi:
            found += 1
        else:
            mid = (lo + hi) // 2
            stack += [(lo, mid), (mid + 1, hi)]
    return Outcome(cell, found, ask.queries)


@dataclass
class FamilyResult:
    family: str
    outcomes: list[Outcome]
    baseline: float
    alpha: float = ALPHA
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def cells(self) -> int:
        return len(self.outcomes)

    @property
    def answered(self) -> int:
        return sum(o.raw is not None for o in self.outcomes)

    @property
    def recovered(self) -> int:
        return sum(o.exact for o in self.outcomes)

    @property
    def share_exact(self) -> float:
        return self.recovered / self.cells

    @property
    def mae(self) -> float | None:
        """Mean absolute error of the final estimate over the cells the attack answered."""
        errs = [abs(o.estimate - o.cell.true) for o in self.outcomes if o.estimate is not None]
        return sum(errs) / len(errs) if errs else None

    @property
    def p_value(self) -> float:
        """One-sided binomial test of "this family recovers cells no more often than the baseline"."""
        return float(binomtest(self.recovered, self.cells, self.baseline, alternative="greater").pvalue)

    @property
    def beats_guessing(self) -> bool:
        return self.p_value < self.alpha

    def summary(self) -> dict[str, Any]:
        return {"family": self.family, "cells": self.cells, "answered": self.answered, "recovered_exactly": self.recovered,
                "share_exact": round(self.share_exact, 4), "mae": None if self.mae is None else round(self.mae, 4),
                "baseline": round(self.baseline, 4), "p_value": self.p_value, "alpha": self.alpha,
                "beats_guessing": self.beats_guessing,
                "queries_per_cell": round(sum(o.queries for o in self.outcomes) / self.cells, 2)}


def run(gate: Gate, snap: Snapshot, targets: Targets, identities: Identities = "visitor",
        families: tuple[str, ...] = FAMILIES_AND_AVERAGING, tag: str = "tracker") -> dict[str, FamilyResult]:
    """Every family against every target cell, through `gate`, as `identities` (named
    with `tag`, so a later run on the same node is not taken for the same people)."""
    out: dict[str, FamilyResult] = {}
    for family in families:
        outcomes = []
        for i, cell in enumerate(targets.cells):
            ask = Oracle(gate, snap, _identities(identities, family, i, tag))
            special = {AVERAGING: averaging, REFUSALS: refusals}.get(family)
            outcomes.append(special(cell, ask) if special else attack(family, cell, ask))
        out[family] = FamilyResult(family, outcomes, targets.baseline)
    return out


def table(results: dict[str, FamilyResult]) -> str:
    """The figures as a plain-text table (the test's failure message, the benchmark's output)."""
    head = f"{'family':<13}{'cells':>6}{'answered':>9}{'exact':>7}{'share':>8}{'MAE':>7}{'baseline':>9}{'p':>10}  beats guessing"
    rows = [head]
    for r in results.values():
        mae = "—" if r.mae is None else f"{r.mae:.2f}"
        rows.append(f"{r.family:<13}{r.cells:>6}{r.answered:>9}{r.recovered:>7}{r.share_exact:>8.1%}{mae:>7}"
                    f"{r.baseline:>9.1%}{r.p_value:>10.2g}  {'YES' if r.beats_guessing else 'no'}")
    return "\n".join(rows)
