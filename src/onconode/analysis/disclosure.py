"""Disclosure control: the one gate every aggregate passes before a user sees it.

Applied to anyone whose approved data access does not cover every patient behind the
numbers (DESIGN.md "Disclosure control"; reference/disclosure-perturbation.md):

- every count is perturbed by the cell-key method (`cellkey`): bounded, zero-mean noise
  that depends only on which units are in the cell, so the same cell always gets the
  same answer and differencing overlapping answers (trackers) yields noise, not a
  hidden count; a perturbed value of 1..4 is shown as "<5", a zero stays zero;
- frequencies are perturbed numerator / perturbed denominator; statistics (Fisher,
  chi-squared, Benjamini–Hochberg, log-rank) are computed from the perturbed tables and
  the answer says so; a statistic whose table has a suppressed cell is "withheld";
- no patient-level rows, no minimum or maximum of a measurement (each is one person's
  value); every cohort or group of 1..4 patients is refused;
- regression: parameters ≤ 0.33 × N, every level of a factor (and both outcome classes)
  with ≥ 5 subjects, saturated models refused;
- survival: event times binned (30 days), bins merged until each (the last included)
  holds ≥ 5 events in every group with events; the curve, numbers at risk and log-rank
  come from perturbed counts of entries, events and censorings per group and bin.

Markers (`MARKERS`): "<5" is a perturbed count of 1..4; "withheld" is a value not shown
for another reason, never a small count. A node operator may make the thresholds and the
noise stricter, never laxer (`DisclosureSettings`). Within `licensed_scope(user,
snapshot)` — the patients the user's approved, signed data access covers, filled in by
the access-governance module — figures are exact.

Analyses build result objects; only `Gate.release` turns one into what a user sees:
`result.exact()` inside the licence, `result.controlled(rules)` outside it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from onconode.analysis.cellkey import PTable, RecordKeys
from onconode.analysis.history import QueryHistory

SETTINGS_FILE = "disclosure.toml"


class DisclosureRefused(PermissionError):
    """The request would disclose too little a group; the message says what to change."""


class DisclosureSettingsError(ValueError):
    pass


class DisclosureSettings(BaseModel):
    """Thresholds and noise; each may only move in the stricter direction from the default.

    `noise_max` (D) bounds the cell-key noise and `noise_variance` (V) is its variance:
    larger is stricter (and less accurate: docs/disclosure-control.md lists the expected
    error). Small perturbed values 1..min_cell−1 are suppressed."""
    model_config = ConfigDict(extra="forbid", frozen=True)

    min_cell: int = 5
    min_group: int = 5
    differencing_min: int = 5   # federated tasks only (their model partials are not perturbed)
    noise_max: int = 3
    noise_variance: float = 2.0
    survival_bin_days: int = 30
    min_events_per_bin: int = 5
    regression_max_parameter_ratio: float = 0.33
    regression_min_level: int = 5

    @model_validator(mode="after")
    def _only_stricter(self) -> "DisclosureSettings":
        d = DEFAULTS_RAW
        laxer = [f"{k} = {getattr(self, k)} (may not be below the default {v})" for k, v in d.items()
                 if k != "regression_max_parameter_ratio" and getattr(self, k) < v]
        if self.regression_max_parameter_ratio > d["regression_max_parameter_ratio"]:
            laxer.append(f"regression_max_parameter_ratio = {self.regression_max_parameter_ratio} "
                         f"(may not be above the default {d['regression_max_parameter_ratio']})")
        if self.regression_max_parameter_ratio <= 0:
            laxer.append("regression_max_parameter_ratio must be above 0")
        if laxer:
            raise ValueError("disclosure thresholds may only be made stricter: " + "; ".join(laxer))
        if self.noise_variance >= self.noise_max:
            raise ValueError(f"noise_variance = {self.noise_variance} must be below noise_max = {self.noise_max}: "
                             "a count of 1 cannot carry more variance with zero-mean noise bounded by noise_max; "
                             "raise noise_max too")
        return self

    @classmethod
    def load(cls, home: Path) -> "DisclosureSettings":
        """The node's settings from `<home>/disclosure.toml`, or the defaults."""
        path = Path(home) / SETTINGS_FILE
        if not path.exists():
            return cls()
        try:
            return cls.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
        except tomllib.TOMLDecodeError as exc:
            raise DisclosureSettingsError(f"{path}: not valid TOML ({exc})") from None
        except ValidationError as exc:
            msgs = "; ".join((".".join(map(str, e["loc"])) + ": " if e["loc"] else "") + e["msg"].removeprefix("Value error, ")
                             for e in exc.errors())
            raise DisclosureSettingsError(f"{path}: {msgs}") from None

    @property
    def suppressed(self) -> str:
        return f"<{self.min_cell}"


DEFAULTS_RAW: dict[str, Any] = {
    "min_cell": 5, "min_group": 5, "differencing_min": 5, "noise_max": 3, "noise_variance": 2.0, "survival_bin_days": 30,
    "min_events_per_bin": 5, "regression_max_parameter_ratio": 0.33, "regression_min_level": 5,
}

WITHHELD = "withheld"
Cell = int | str


def markers(settings: DisclosureSettings) -> dict[str, str]:
    """What each marker in a controlled answer means (the legend every answer carries)."""
    return {
        settings.suppressed: f"a count whose perturbed value is 1 to {settings.min_cell - 1}: too few to show",
        WITHHELD: "not shown for another reason (a statistic of a table with a suppressed cell, a share of a suppressed "
                  "count, or a patient-level value); it says nothing about the size of the count",
    }


PERTURBED_NOTE = ("counts are perturbed by the cell-key method (bounded noise, the same for the same patients every time); "
                  "statistics are computed from the perturbed counts")


class Rules:
    """The disclosure primitives the analyses' `controlled` views are built from.

    `keys` are the node's record keys; without them (a federated step computed for a
    coordinator's KM) only `cell`'s plain suppression is available."""

    def __init__(self, settings: DisclosureSettings, keys: RecordKeys | None = None) -> None:
        self.settings = settings
        self.keys = keys
        self.ptable = PTable(settings.noise_max, settings.noise_variance)

    # -- perturbed counts (cell-key method) ----------------------------------------------
    def key(self, units: Iterable[str]) -> int:
        """The cell key of a cell holding exactly `units`."""
        return self._keys().cell(units)

    def _keys(self) -> RecordKeys:
        if self.keys is None:
            raise RuntimeError("these disclosure rules have no record keys; build them with Gate.for_home(home)")
        return self.keys

    def values(self, counts: Iterable[int], cell_keys: Iterable[int]) -> list[int]:
        """The perturbed values of cells (before suppression): what statistics use."""
        return self.ptable.perturb(np.fromiter(counts, np.int64), np.fromiter(cell_keys, np.int64)).tolist()

    def shown(self, value: int) -> Cell:
        """A perturbed value as shown: "<5" for 1..4."""
        return self.settings.suppressed if 0 < value < self.settings.min_cell else int(value)

    def shown_all(self, values: np.ndarray) -> np.ndarray:
        """`shown` of every perturbed value of an array (an object array of the same shape)."""
        values = np.asarray(values, np.int64)
        out = values.astype(object)
        out[(values > 0) & (values < self.settings.min_cell)] = self.settings.suppressed
        return out

    def counts(self, counts: Iterable[int], cell_keys: Iterable[int], listed: bool = False) -> list[Cell]:
        """Cells as shown without a licence: perturbed, "<5" where the perturbed value is 1..4.
        `listed`: the cells are listed only because they are not empty (values present,
        genes altered), so a perturbed 0 would still say 1 or more: it is shown as "<5"."""
        n = np.fromiter(counts, np.int64)
        values = self.ptable.perturb(n, np.fromiter(cell_keys, np.int64))
        out = self.shown_all(values)
        if listed:
            out[(values == 0) & (n > 0)] = self.settings.suppressed
        return out.tolist()

    def count(self, n: int, cell_key: int) -> Cell:
        return self.counts([n], [cell_key])[0]

    def count_of(self, units: Iterable[str], listed: bool = False) -> Cell:
        """The shown count of a cell holding exactly `units` (`listed`: as in `counts`)."""
        units = list(units)
        return self.counts([len(units)], [self.key(units)], listed)[0]

    @staticmethod
    def share(numerator: Cell, denominator: Cell) -> float | str | None:
        """Perturbed numerator / perturbed denominator; "withheld" when either is suppressed."""
        if isinstance(numerator, str) or isinstance(denominator, str):
            return WITHHELD
        return numerator / denominator if denominator else None

    # -- plain suppression (no keys) -----------------------------------------------------
    def cell(self, n: int) -> Cell:
        return self.settings.suppressed if 0 < n < self.settings.min_cell else int(n)

    def is_small(self, n: int) -> bool:
        return 0 < n < self.settings.min_cell

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
        `min_events_per_bin` events in every group that has events in it. The tail's
        events join the last bin, and bins are merged backwards until that last bin holds
        enough in every group too, so no step of any curve rests on fewer patients."""
        w = self.settings.survival_bin_days
        need = self.settings.min_events_per_bin
        t = np.asarray(times, float)
        e = np.asarray(events) == 1
        g = np.zeros(len(t), int) if groups is None else np.unique(np.asarray(groups), return_inverse=True)[1]
        if len(t) == 0:
            return np.array([])
        top = np.ceil(max(t.max(), 1e-9) / w) * w
        edges: list[float] = []
        per_bin: list[np.ndarray] = []
        pending = np.zeros(g.max() + 1, int)
        for right in np.arange(w, top + w, w):
            in_bin = (t > right - w) & (t <= right) & e
            pending += np.bincount(g[in_bin], minlength=len(pending))
            if pending.sum() >= need and all(p == 0 or p >= need for p in pending):
                edges.append(float(right))
                per_bin.append(pending.copy())
                pending[:] = 0
        # the tail (events after the last full bin) joins the bins before it until every
        # group's events in the merged last bin are none or enough
        if edges and edges[-1] >= top:
            return np.asarray(edges, float)
        while per_bin:
            pending += per_bin.pop()
            edges.pop()
            if all(p == 0 or p >= need for p in pending):
                break
        edges.append(float(top))
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
    """A plain patient / sample count, e.g. a catalogue figure or a cohort's size (the
    units themselves, for their cell keys)."""
    label: str
    patient_ids: frozenset[str]
    sample_ids: frozenset[str]

    def exact(self) -> dict[str, Any]:
        return {"analysis": "count", "label": self.label, "patients": len(self.patient_ids), "samples": len(self.sample_ids)}

    def controlled(self, rules: "Rules") -> dict[str, Any]:
        return {"analysis": "count", "label": self.label, "patients": rules.count_of(self.patient_ids),
                "samples": rules.count_of(self.sample_ids)}


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
    may not be shown at all (a group of 1..4 patients).

    No per-user history for the node's own analyses: consistent perturbation makes
    repeated and overlapping queries yield the same noise, not the hidden count, so
    nothing about earlier queries is kept (an anonymous visitor is never refused because
    of what someone else asked). A federation node passes a `history`: its model
    partials are not perturbed, so the differencing guard stays for them."""

    def __init__(self, settings: DisclosureSettings, keys: RecordKeys,
                 licensed_scope: LicensedScope = no_licence, history: QueryHistory | None = None) -> None:
        self.settings = settings
        self.rules = Rules(settings, keys)
        self.licensed_scope = licensed_scope
        self.history = history

    @classmethod
    def for_home(cls, home: Path, licensed_scope: LicensedScope = no_licence) -> "Gate":
        home = Path(home)
        return cls(DisclosureSettings.load(home), RecordKeys.for_home(home), licensed_scope)

    def admit(self, user: str, snapshot: Any, groups: dict[str, Iterable[str]]) -> Clearance:
        sets = {name: frozenset(p) for name, p in groups.items()}
        sizes = {name: len(p) for name, p in sets.items()}
        scope = self.licensed_scope(user, snapshot)
        if scope and all(p <= scope for p in sets.values()):
            return Clearance(True, sizes)
        for name, p in sets.items():
            self.rules.check_group(name, len(p))
        if self.history is not None:
            self._check_differencing(user, sets)
            for p in sets.values():
                self.history.record(user, p)
        return Clearance(False, sizes)

    def _check_differencing(self, user: str, sets: dict[str, frozenset[str]]) -> None:
        assert self.history is not None
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
        if clearance.exact:
            out = result.exact()
            out["disclosure"] = "exact (within your licensed data)"
            return out
        out = result.controlled(self.rules)
        out["disclosure"] = "controlled"
        out["perturbation"] = {"method": "cell-key", "noise_max": self.settings.noise_max,
                               "noise_variance": self.settings.noise_variance, "note": PERTURBED_NOTE}
        out["markers"] = markers(self.settings)
        return out
