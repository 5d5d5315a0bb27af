"""A sample's row in a per-snapshot table kept in memory (one row per sample: attribute
arrays, survival dates), and a cohort's rows as one NumPy array of them."""

from __future__ import annotations

import itertools
from typing import Any, Iterable

import numpy as np


class SampleRows:
    """Sample id -> row of one kept table (the first row where an id has several)."""

    def __init__(self, sample_ids: Iterable[Any]) -> None:
        self.row_of: dict[Any, int] = {}
        for i, sid in enumerate(sample_ids):
            self.row_of.setdefault(sid, i)

    def of_ids(self, sample_ids: Iterable[str]) -> np.ndarray:
        """The rows of these samples (those in the table), ascending."""
        rows = np.fromiter(map(self.row_of.get, sample_ids, itertools.repeat(-1)), np.int64)
        return np.sort(rows[rows >= 0])

    def of_cohort(self, cohort: Any) -> np.ndarray:
        """The rows of a cohort's samples (those in the table), ascending."""
        return self.of_ids(cohort.sample_ids)
