"""The OncoPrint's rows built in C are the dicts the Python expression gives, and bad runs
are refused with a message, never read out of bounds."""

from __future__ import annotations

import numpy as np
import pytest

from onconode.analysis import _oncoprint

PAIRS = [("KRAS", ["MISSENSE"]), ("TP53", ["HOTSPOT_MISSENSE", "NONSENSE_OR_FRAMESHIFT"]), ("KRAS", ["AMP"])]


def test_rows_hold_each_samples_run_of_gene_labels_pairs():
    ids = ["S1", "S2", "S3"]
    first, end = np.array([0, 2, 3]), np.array([2, 3, 3])
    rows = _oncoprint.matrix(ids, first, end, PAIRS)
    assert rows == [{"sample_id": a, "alterations": dict(PAIRS[f:e])} for a, f, e in zip(ids, first, end)]
    assert rows[2] == {"sample_id": "S3", "alterations": {}}


@pytest.mark.parametrize("first, end", [([0, 2], [2, 4]), ([1, 0], [0, 1]), ([-1, 0], [0, 1])])
def test_a_run_outside_the_pairs_is_refused(first, end):
    with pytest.raises(ValueError, match="outside the 3 pairs"):
        _oncoprint.matrix(["S1", "S2"], np.array(first), np.array(end), PAIRS)


def test_runs_must_be_int64_one_per_sample_and_pairs_tuples():
    with pytest.raises(ValueError, match="one per sample"):
        _oncoprint.matrix(["S1", "S2"], np.array([0]), np.array([1]), PAIRS)
    with pytest.raises(ValueError, match="int64"):
        _oncoprint.matrix(["S1"], np.array([0.0]), np.array([1.0]), PAIRS)
    with pytest.raises(TypeError, match="pairs\\[0\\]"):
        _oncoprint.matrix(["S1"], np.array([0]), np.array([1]), [["KRAS", ["AMP"]]])
