"""A cohort's samples as row numbers of a per-snapshot table kept in memory.

The NumPy paths of the analyses (attribute arrays, alteration arrays) keep one row per
sample. A cohort evaluated in memory holds its samples as positions in the snapshot's
`cohort_memory.SampleIndex`, not as ids: asking it for `sample_ids` builds a set of
thousands of strings, and looking each up in a dict costs ~0.5 ms per 5,000 samples.
So each kept table translates index positions into its rows once per index (an array,
kept weakly with the index, which is itself kept per store version and withdrawals),
and a cohort's rows are then one NumPy gather. Cohorts evaluated by SQL (ids only) are
looked up by id.
"""

from __future__ import annotations

import itertools
import weakref
from typing import Any, Iterable

import numpy as np


class SampleRows:
    """Sample id -> row of one kept table (the first row where an id has several)."""

    def __init__(self, sample_ids: Iterable[Any]) -> None:
        self.row_of: dict[Any, int] = {}
        for i, sid in enumerate(sample_ids):
            self.row_of.setdefault(sid, i)
        self._by_index: "weakref.WeakKeyDictionary[Any, np.ndarray]" = weakref.WeakKeyDictionary()

    def of_ids(self, sample_ids: Iterable[str]) -> np.ndarray:
        """The rows of these samples (those in the table), ascending."""
        rows = np.fromiter(map(self.row_of.get, sample_ids, itertools.repeat(-1)), np.int64)
        return np.sort(rows[rows >= 0])

    def of_cohort(self, cohort: Any) -> np.ndarray:
        """The rows of a cohort's samples (those in the table), ascending: by its index
        positions when it has them, else by its sample ids."""
        index, codes = getattr(cohort, "index", None), getattr(cohort, "codes", None)
        if index is None or codes is None:
            return self.of_ids(cohort.sample_ids)
        rows = self.of_positions(index)[np.asarray(codes, np.int64)]
        return np.sort(rows[rows >= 0])

    def of_positions(self, index: Any) -> np.ndarray:
        """Per position of the sample index `index`, the row of that sample (-1: none)."""
        translate = self._by_index.get(index)
        if translate is None:
            translate = np.fromiter(map(self.row_of.get, index.sample_ids.tolist(), itertools.repeat(-1)), np.int64)
            self._by_index[index] = translate
        return translate
