"""Disclosure control: the one gate every aggregate passes before a user sees it.

Rules (DESIGN.md "Disclosure control"; DataSHIELD-style thresholds from
reference/federation.md), applied to anyone whose approved data access does not cover
every patient behind the numbers:

- counts of 1..4 are shown as "<5", and a second cell of the same row or column is
  hidden too when the margins would give the first one away (secondary suppression);
  a statistic computed from a table with a hidden cell is withheld, because with the
  margins it pins the cell down (a Fisher p-value identifies the table);
- no patient-level rows, no minimum or maximum of a measurement (each is one person's
  value); every cohort or group of 1..4 patients is refused;
- differencing: a cohort that differs by 1..4 patients from a cohort the same user has
  already queried is refused (the difference would describe those few patients);
- regression: parameters ≤ 0.33 × N, every level of a factor (and both outcome classes)
  with ≥ 5 subjects, saturated models refused;
- survival: event times binned (30 days), bins merged until each holds ≥ 5 events; the
  curve, numbers at risk and the log-rank test are computed on the binned times.

A node operator may make thresholds stricter, never laxer (the [disclosure] section of the
node's settings, `onconode.settings.DisclosureSettings`). Within
`licensed_scope(user, snapshot)` — the patients the user's approved, signed data access
covers, filled in by the access-governance module — figures are exact.

Analyses build result objects; only `Gate.release` turns one into what a user sees:
`result.exact()` inside the licence, `result.controlled(rules)` outside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Protocol, Sequence

import numpy as np

from onconode.analysis.history import QueryHistory
from onconode.settings import DisclosureSettings, Settings

class DisclosureRefused(PermissionError):
    """The request would disclose too little a group; the message says what to change."""


Cell = int | str


class Rules:
    """The disclosure primitives the analyses' `controlled` views are built from."""

    def __init__(self, settings: DisclosureSettings) -> None:
        self.settings = settings

    def cell(self, n: int) -> Cell:
        return self.settings.suppressed if 0 < n < self.settings.min_cell else int(n)

    def is_small(self, n: int) -> bool:
        return 0 < n < self.settings.min_cell

    def table(self, counts: Sequence[Sequence[int]]) -> tuple[list[list[Cell]], bool]:
        """Suppress small cells of a table whose row and column totals are shown, plus the
        cells needed so no total reveals a hidden one. Returns (cells, any_hidden)."""
        m = np.asarray(counts, dtype=int)
        hidden = (m > 0) & (m < self.settings.min_cell)
        changed = True
        while changed:
            changed = False
            for axis in (0, 1):
                lines = hidden if axis == 1 else hidden.T
                vals = m if axis == 1 else m.T
                for i in range(lines.shape[0]):
                    if lines[i].sum() == 1 and lines.shape[1] > 1:
                        candidates = [(vals[i, j], j) for j in range(lines.shape[1]) if not lines[i, j]]
                        if candidates:
                            _, j = min(candidates)  # the smallest other cell (a 0 too: it would be known)
                            lines[i, j] = True
                            changed = True
        out = [[self.settings.suppressed if hidden[i, j] else int(m[i, j]) for j in range(m.shape[1])] for i in range(m.shape[0])]
        return out, bool(hidden.any())

    def check_group(self, name: str, patients: int) -> None:
        if 0 < patients < self.settings.min_group:
            raise DisclosureRefused(
                f"group {name!r} has fewer than {self.settings.min_group} patients; widen its definition")

    def check_regression(self, n: int, parameters: int, levels: dict[str, dict[str, int]]) -> str | None:
        """Why a regression may not be shown (None when it may)."""
        s = self.settings
        if parameters >= n:
            return f"the model is saturated ({parameters} parameters for {n} subjects)"
        if parameters > s.regression_max_parameter_ratio * n:
            return (f"{parameters} parameters for {n} subjects exceeds {s.regression_max_parameter_ratio} × N; "
                    "use fewer covariates or a larger cohort")
        for factor, counts in levels.items():
            small = [str(k) for k, v in counts.items() if v < s.regression_min_level]
            if small:
                return (f"{factor} has levels with fewer than {s.regression_min_level} subjects ({', '.join(small)}); "
                        "merge or drop them")
        return None

    def survival_grid(self, times: np.ndarray, events: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
        """Right edges of time bins: fixed-width bins merged until each holds at least
        `min_events_per_bin` events in every group that has events in it (a short last
        bin joins the one before), so no step of any curve rests on fewer patients."""
        w = self.settings.survival_bin_days
        need = self.settings.min_events_per_bin
        t = np.asarray(times, float)
        e = np.asarray(events) == 1
        g = np.zeros(len(t), int) if groups is None else np.unique(np.asarray(groups), return_inverse=True)[1]
        if len(t) == 0:
            return np.array([])
        top = np.ceil(max(t.max(), 1e-9) / w) * w
        edges: list[float] = []
        pending = np.zeros(g.max() + 1, int)
        for right in np.arange(w, top + w, w):
            in_bin = (t > right - w) & (t <= right) & e
            pending += np.bincount(g[in_bin], minlength=len(pending))
            if pending.sum() >= need and all(p == 0 or p >= need for p in pending):
                edges.append(float(right))
                pending[:] = 0
        if not edges:
            return np.array([top])
        if edges[-1] < top:
            edges[-1] = float(top)  # the tail's few events join the last full bin
        return np.asarray(edges, float)

    def bin_times(self, times: np.ndarray, grid: np.ndarray) -> np.ndarray:
        """Each time moved to the right edge of its bin of `grid`."""
        idx = np.searchsorted(grid, np.asarray(times, float), side="left")
        return grid[np.minimum(idx, len(grid) - 1)]

    def bin_entries(self, entries: np.ndarray, grid: np.ndarray) -> np.ndarray:
        """Delayed-entry times moved to the left edge of their bin (a patient is at risk
        from the start of the bin they entered in, never before the grid)."""
        lefts = np.concatenate([[0.0], grid[:-1]])
        idx = np.searchsorted(grid, np.asarray(entries, float), side="left")
        return lefts[np.minimum(idx, len(grid) - 1)]


@dataclass(frozen=True)
class Count:
    """A plain patient / sample count, e.g. a catalogue figure or a cohort's size."""
    label: str
    patients: int
    samples: int

    def exact(self) -> dict[str, Any]:
        return {"analysis": "count", "label": self.label, "patients": self.patients, "samples": self.samples}

    def controlled(self, rules: "Rules") -> dict[str, Any]:
        return {"analysis": "count", "label": self.label, "patients": rules.cell(self.patients), "samples": rules.cell(self.samples)}


class Disclosable(Protocol):
    def exact(self) -> dict[str, Any]: ...
    def controlled(self, rules: Rules) -> dict[str, Any]: ...


LicensedScope = Callable[[str, Any], set[str]]


def no_licence(user: str, snapshot: Any) -> set[str]:
    """Default licensed scope: nobody's approved access covers anyone (the access
    governance module replaces this with the patients of the user's active licences)."""
    return set()


@dataclass(frozen=True)
class Clearance:
    exact: bool
    groups: dict[str, int]


class Gate:
    """Decides, for one user and the patient groups behind a result, whether the user
    sees exact figures (all within their licence) or controlled ones, and refuses what
    may not be shown at all."""

    def __init__(self, settings: DisclosureSettings, history: QueryHistory,
                 licensed_scope: LicensedScope = no_licence) -> None:
        self.settings = settings
        self.rules = Rules(settings)
        self.history = history
        self.licensed_scope = licensed_scope

    @classmethod
    def for_home(cls, home: Path, licensed_scope: LicensedScope = no_licence) -> "Gate":
        home = Path(home)
        return cls(Settings.load(home).disclosure, QueryHistory(home / "analysis" / "history"), licensed_scope)

    def admit(self, user: str, snapshot: Any, groups: dict[str, Iterable[str]]) -> Clearance:
        sets = {name: frozenset(p) for name, p in groups.items()}
        sizes = {name: len(p) for name, p in sets.items()}
        scope = self.licensed_scope(user, snapshot)
        if scope and all(p <= scope for p in sets.values()):
            return Clearance(True, sizes)
        for name, p in sets.items():
            self.rules.check_group(name, len(p))
        self._check_differencing(user, sets)
        for p in sets.values():
            self.history.record(user, p)
        return Clearance(False, sizes)

    def _check_differencing(self, user: str, sets: dict[str, frozenset[str]]) -> None:
        lo, hi = 1, self.settings.differencing_min - 1
        seen = self.history.cohorts(user)
        names = list(sets)
        for i, name in enumerate(names):
            p = sets[name]
            others = [(f"group {names[j]!r} of this request", sets[names[j]]) for j in range(i)]
            for prior, q in [("a cohort you queried before", q) for q in seen] + others:
                if abs(len(p) - len(q)) > hi:
                    continue
                d = len(p ^ q)
                if lo <= d <= hi:
                    raise DisclosureRefused(
                        f"group {name!r} differs from {prior} by fewer than {self.settings.differencing_min} "
                        "patients; comparing the two would describe those few patients. Change the definition "
                        "so the groups differ by more, or apply for data access")

    def release(self, user: str, snapshot: Any, result: Disclosable, groups: dict[str, Iterable[str]]) -> dict[str, Any]:
        """What `user` may see of `result`, computed on the patients in `groups`."""
        clearance = self.admit(user, snapshot, groups)
        out = result.exact() if clearance.exact else result.controlled(self.rules)
        out["disclosure"] = "exact (within your licensed data)" if clearance.exact else "controlled"
        return out
