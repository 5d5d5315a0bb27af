"""Floating-point aggregates that do not depend on the order rows arrive in.

SQL gives rows in no fixed order (a scan, a hash join, DuckDB's threads each summing a
share), and a float sum depends on the order of its terms: two server workers once showed
the same mean differing in the last bit, and a cached answer and a fresh one disagreed.
The one rule here: a float that a user sees and that aggregates rows is computed over its
values **sorted ascending**, in SQL (`mean`: the values collected, sorted, then averaged
in that order — DuckDB and Spark alike, through Ibis) and in Python (`ascending`). Integer
counts and sums are exact in any order and need none of this.
"""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir
import numpy as np


def mean(column: ir.NumericColumn) -> ir.FloatingScalar:
    """The mean of the column's non-null values, summed in ascending order (NULL when
    there are none). Collects each group's values: for per-sample or per-patient figures,
    not for variant-level columns."""
    return column.collect().sort().means()


def ascending(values: Any) -> np.ndarray:
    """`values` as floats sorted ascending: what numpy's sums and moments read."""
    return np.sort(np.asarray(values, dtype=float))
