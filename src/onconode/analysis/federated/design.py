"""Node side: a task's covariates turned into a model matrix, identically at every node.

Covariates are variable names (numeric, or 0/1 indicators) or factors written with
their levels, `{"factor": "tumour_type", "levels": ["Colorectum", "Lung", "Breast"]}`,
the first level the reference. The levels are part of the task, not discovered from the
data, so every node builds the same columns in the same order and a node with no
patient at some level simply contributes zeros; patients at a level not listed are left
out (as are patients with a missing value), and the result says how many.

`disclosure_levels` gives what the regression rules check at a node: each factor level
and each class of a 0/1 covariate must hold at least the minimum number of subjects
(levels a node does not have are not a disclosure), the outcome classes of a binary
outcome both at least the minimum (a class of 0 would say every patient responded).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

import numpy as np
import pandas as pd

from onconode.analysis.federated.base import FederatedError
from onconode.analysis.federated.data import check_variables

INTERCEPT = "(intercept)"


def _factor(c: Any) -> tuple[str, list[str]] | None:
    if isinstance(c, dict):
        if set(c) != {"factor", "levels"} or not isinstance(c["levels"], list) or len(c["levels"]) < 2:
            raise FederatedError(f"covariate {c!r}: write a factor as {{\"factor\": NAME, \"levels\": [REFERENCE, LEVEL, ...]}} "
                                 "with at least two levels")
        levels = [str(x) for x in c["levels"]]
        if len(set(levels)) < len(levels):
            raise FederatedError(f"covariate {c!r}: a factor's levels must be distinct; list each level once")
        return str(c["factor"]), levels
    if not isinstance(c, str):
        raise FederatedError(f"covariate {c!r}: give a variable name or a factor with its levels")
    return None


def column_names(params: dict, intercept: bool = True) -> list[str]:
    """The model's columns, known to the coordinator from the task alone."""
    names = [INTERCEPT] if intercept else []
    for c in params.get("covariates") or []:
        f = _factor(c)
        names += [f"{f[0]}[{lvl}]" for lvl in f[1][1:]] if f else [c]
    return names


def variables(params: dict) -> list[str]:
    return [(_factor(c) or (c, []))[0] for c in params.get("covariates") or []]


_BUILT: "OrderedDict[tuple, tuple[pd.DataFrame, Any]]" = OrderedDict()


def build(df: pd.DataFrame, params: dict, needed: list[str], intercept: bool = True,
          where: str = "covariates") -> tuple[np.ndarray, pd.DataFrame, dict[str, dict[str, int]]]:
    """(model matrix, the complete-case rows it was built from — patient_id, `needed` and
    the numeric covariates —, level counts for the disclosure rules). `needed` are further
    columns (outcome, times) that must be present.
    Every round of an iterative fit asks again; the answer is kept (node memory only)."""
    key = (id(df), json.dumps(params.get("covariates"), sort_keys=True), tuple(needed), intercept)
    if key in _BUILT and _BUILT[key][0] is df:
        _BUILT.move_to_end(key)
        return _BUILT[key][1]
    out = _build(df, params, needed, intercept, where)
    _BUILT[key] = (df, out)
    while len(_BUILT) > 8:
        _BUILT.popitem(last=False)
    return out


def _build(df: pd.DataFrame, params: dict, needed: list[str], intercept: bool,
           where: str) -> tuple[np.ndarray, pd.DataFrame, dict[str, dict[str, int]]]:
    covs = params.get("covariates") or []
    check_variables(df, variables(params) + needed, where)
    factors = dict(f for f in map(_factor, covs) if f)
    used = list(dict.fromkeys([*variables(params), *needed]))
    # The complete, listed cases as a mask over the node's table; only the columns the
    # caller reads afterwards are copied (copying the text columns cost more than the fit).
    rows = df[used].notna().all(axis=1).to_numpy()
    codes = {name: _level_codes(df[name], levels) for name, levels in factors.items()}
    for k in codes.values():
        rows &= k >= 0
    codes = {name: k[rows] for name, k in codes.items()}
    keep = df.loc[rows, ["patient_id", *(c for c in used if c not in factors)]]
    cols: list[np.ndarray] = [np.ones(len(keep))] if intercept else []
    levels: dict[str, dict[str, int]] = {}
    for c in covs:
        f = _factor(c)
        if f:
            counts = np.bincount(codes[f[0]], minlength=len(f[1]))
            levels[f[0]] = {lvl: int(n) for lvl, n in zip(f[1], counts) if n > 0}
            cols += [(codes[f[0]] == i).astype(float) for i in range(1, len(f[1]))]
        else:
            x = keep[c].to_numpy(float)
            if np.isin(x, (0.0, 1.0)).all():
                levels[c] = {k: n for k, n in {"0": int((x == 0).sum()), "1": int((x == 1).sum())}.items() if n > 0}
            cols.append(x)
    # column-major: each covariate contiguous, so Xᵀ products (glm.local_step) run on contiguous rows
    X = np.array(cols, dtype=float).T if cols else np.empty((len(keep), 0))
    return X, keep, levels


def _level_codes(values: pd.Series, levels: list[str]) -> np.ndarray:
    """Each value's position among the task's levels (compared as text), -1 for a value
    the task does not list."""
    text = values if pd.api.types.is_string_dtype(values) else values.astype(str)
    return pd.Categorical(text, categories=levels).codes.astype(np.int64)
