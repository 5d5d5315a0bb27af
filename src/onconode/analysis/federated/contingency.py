"""Federated contingency table: each node counts its own table, the coordinator adds them.

The task fixes the row and column levels (so every node's table has the same shape);
patients with another or a missing value are left out. A node refuses a table with any
cell of 1..4 patients (DataSHIELD's rule: the whole table, since with the margins a
suppressed cell could be recomputed). Tests on the summed table equal the pooled ones:
Pearson chi-squared, Fisher's exact test for 2 × 2, and for 2 × 2 the
Cochran–Mantel–Haenszel test and Mantel–Haenszel odds ratio stratified by node (a
country's case mix then cannot confound the association).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats as sps

from onconode.analysis.disclosure import DisclosureRefused, Rules
from onconode.analysis.federated.base import FederatedError, register
from onconode.analysis.federated.data import check_variables, patient_frame
from onconode.analysis.stats import chi_squared, fisher_exact


def _label(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _spec(params: dict) -> tuple[str, list[str], str, list[str]]:
    out = []
    for axis in ("row", "column"):
        var, levels = params.get(axis), params.get(f"{axis}_levels")
        if not isinstance(var, str) or not isinstance(levels, list) or len(levels) < 2:
            raise FederatedError(f"parameters '{axis}' and '{axis}_levels': name a variable and list at least two of its "
                                 "levels (e.g. \"row\": \"msi_status\", \"row_levels\": [\"MSI\", \"MSS\"])")
        out += [var, [str(x) for x in levels]]
    return out[0], out[1], out[2], out[3]


def mantel_haenszel(tables: list[np.ndarray]) -> dict[str, float]:
    """CMH test (no continuity correction) and the MH common odds ratio of 2 × 2 strata."""
    num = den = a_sum = e_sum = var = 0.0
    for t in tables:
        (a, b), (c, d) = t.astype(float)
        n = a + b + c + d
        if n < 2:
            continue
        num += a * d / n
        den += b * c / n
        a_sum += a
        e_sum += (a + b) * (a + c) / n
        var += (a + b) * (c + d) * (a + c) * (b + d) / (n * n * (n - 1))
    stat = (a_sum - e_sum) ** 2 / var if var > 0 else 0.0
    return {"statistic": stat, "p": float(sps.chi2.sf(stat, 1)), "odds_ratio": num / den if den > 0 else float("inf")}


class Contingency:
    name = "contingency"
    version = "1.0"

    def start(self, params: dict) -> dict:
        _spec(params)
        return {}

    def _table(self, snap: Any, params: dict) -> tuple[np.ndarray, Any]:
        row, rlev, col, clev = _spec(params)
        df = patient_frame(snap, params)
        check_variables(df, [row, col], "row/column")
        df = df.dropna(subset=[row, col])
        r, c = df[row].map(_label), df[col].map(_label)
        keep = r.isin(rlev) & c.isin(clev)
        r, c, df = r[keep], c[keep], df[keep]
        table = np.array([[int(((r == a) & (c == b)).sum()) for b in clev] for a in rlev])
        return table, df

    def patients(self, snap: Any, params: dict) -> dict[str, frozenset[str]]:
        return {"analysed": frozenset(self._table(snap, params)[1].patient_id)}

    def partial(self, snap: Any, params: dict, state: dict, rules: Rules) -> dict:
        table, _ = self._table(snap, params)
        row, rlev, col, clev = _spec(params)
        small = [f"{row}={rlev[i]} × {col}={clev[j]}" for i, j in zip(*np.nonzero((table > 0) & (table < rules.settings.min_cell)))]
        if small:
            raise DisclosureRefused(f"cells with 1..{rules.settings.min_cell - 1} patients ({'; '.join(small)}); "
                                    "merge levels or widen the cohort")
        return {"table": table.tolist()}

    def combine(self, params: dict, state: dict, partials: dict[str, dict]) -> tuple[dict, dict | None]:
        row, rlev, col, clev = _spec(params)
        tables = {n: np.asarray(p["table"], int) for n, p in partials.items()}
        pooled = sum(tables.values())
        stat, p, dof = chi_squared(pooled.tolist())
        out: dict[str, Any] = {"algorithm": "contingency", "rows": {"variable": row, "levels": rlev},
                               "columns": {"variable": col, "levels": clev}, "table": pooled.tolist(),
                               "per_node": {n: t.tolist() for n, t in tables.items()},
                               "chi_squared": {"statistic": stat, "df": dof, "p": p}}
        if pooled.shape == (2, 2):
            out["fisher_p"] = fisher_exact(pooled.tolist())
            if len(tables) > 1:
                out["cmh"] = mantel_haenszel(list(tables.values()))
        return state, out


register(Contingency())
