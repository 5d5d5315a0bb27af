"""Federated counts and alteration frequencies.

`counts`: patients of a cohort, optionally per level of categorical variables. `frequency`:
per gene and alteration kind, altered samples out of profiled samples
(`analysis.frequency`). A node refuses a cohort of 1..4 patients; every count leaves the
node perturbed by the node's own cell keys (`analysis.cellkey`), a perturbed 1..4 as
"<5", and the combined figure then says at which nodes a part is hidden rather than
pretend it is exact.
"""

from __future__ import annotations

from typing import Any

from onconode.analysis import cohort as cohorts
from onconode.analysis.disclosure import DisclosureRefused, Rules
from onconode.analysis.federated.base import FederatedError, register
from onconode.analysis.federated.data import CATEGORICAL, check_variables, patient_frame
from onconode.analysis.frequency import FREQUENCY_KINDS, alteration_frequency


def _combine_cells(partials: dict[str, dict], key: str) -> dict[str, Any]:
    """Sum one labelled set of cells over nodes; hidden parts are named, not guessed."""
    labels = list(dict.fromkeys(label for p in partials.values() for label in p[key]))
    out: dict[str, Any] = {}
    for label in labels:
        known, hidden = 0, []
        for node, p in partials.items():
            v = p[key].get(label, 0)
            if isinstance(v, str):
                hidden.append(node)
            else:
                known += int(v)
        out[label] = known if not hidden else {"at_least": known, "hidden_at": hidden}
    return out


class Counts:
    name = "counts"
    version = "1.0"

    def start(self, params: dict) -> dict:
        for v in params.get("by") or []:
            if v not in CATEGORICAL and v not in (params.get("indicators") or {}) and v != "sex":
                raise FederatedError(f"parameter 'by': {v!r} is not a categorical variable ({', '.join(CATEGORICAL)}, sex or an indicator)")
        return {}

    def patients(self, snap: Any, params: dict) -> dict[str, frozenset[str]]:
        return {"analysed": frozenset(patient_frame(snap, params).patient_id)}

    def partial(self, snap: Any, params: dict, state: dict, rules: Rules) -> dict:
        df = patient_frame(snap, params)
        rules.check_group("cohort", len(df))
        out: dict[str, Any] = {"patients": len(df), "by": {}}
        by = params.get("by") or []
        check_variables(df, by, "by")
        for v in by:
            levels = df[v].astype(str).where(df[v].notna(), "unknown")
            members = df.patient_id.astype(str).groupby(levels).agg(list).sort_index()
            out["by"][v] = {level: rules.count_of(ids) for level, ids in members.items()}
        return out

    def combine(self, params: dict, state: dict, partials: dict[str, dict]) -> tuple[dict, dict | None]:
        by = {v: _combine_cells({n: p["by"] for n, p in partials.items()}, v) for v in params.get("by") or []}
        return state, {"algorithm": "counts", "patients": sum(p["patients"] for p in partials.values()),
                       "patients_per_node": {n: p["patients"] for n, p in partials.items()}, "by": by}


class Frequency:
    name = "frequency"
    version = "1.0"

    def start(self, params: dict) -> dict:
        bad = [k for k in params.get("kinds") or [] if k not in FREQUENCY_KINDS]
        if bad:
            raise FederatedError(f"parameter 'kinds': {bad} not among {', '.join(FREQUENCY_KINDS)}")
        if not params.get("genes"):
            raise FederatedError("parameter 'genes': name the genes (a task lists them, so every node answers the same rows)")
        return {}

    def patients(self, snap: Any, params: dict) -> dict[str, frozenset[str]]:
        return {"cohort": cohorts.evaluate(snap, params.get("cohort") or {"op": "all"}).patient_ids}

    def partial(self, snap: Any, params: dict, state: dict, rules: Rules) -> dict:
        try:
            cohort = cohorts.evaluate(snap, params.get("cohort") or {"op": "all"})
        except cohorts.CohortError as exc:
            raise FederatedError(f"parameter 'cohort': {exc}") from None
        rules.check_group("cohort", cohort.patients)
        res = alteration_frequency(snap, cohort, params["genes"], tuple(params.get("kinds") or FREQUENCY_KINDS),
                                   float(params.get("min_driver_likelihood", 0.5)))
        shown = res.controlled(rules)   # perturbed by the node's cell keys
        small = [k for k, v in shown["profiled"].items() if isinstance(v, str)]
        if small:
            raise DisclosureRefused(f"fewer than {rules.settings.min_cell} samples are profiled for {', '.join(small)}; widen the cohort")
        altered = {f"{r['gene']}|{r['kind']}": r["altered"] for r in shown["rows"]}
        return {"profiled": shown["profiled"], "altered": altered}

    def combine(self, params: dict, state: dict, partials: dict[str, dict]) -> tuple[dict, dict | None]:
        profiled = {k: sum(p["profiled"][k] for p in partials.values()) for k in next(iter(partials.values()))["profiled"]}
        altered = _combine_cells(partials, "altered")
        rows = []
        for key, v in altered.items():
            gene, kind = key.split("|")
            exact = isinstance(v, int)
            rows.append({"gene": gene, "kind": kind, "altered": v, "profiled": profiled[kind],
                         "frequency": v / profiled[kind] if exact and profiled[kind] else None})
        return state, {"algorithm": "frequency", "profiled": profiled, "rows": rows}


register(Counts())
register(Frequency())
