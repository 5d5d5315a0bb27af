"""The OncoPrint's rows built in C are the dicts the Python expression gives, and bad runs
are refused with a message, never read out of bounds."""

from __future__ import annotations

import numpy as np
import pytest

from onconode.analysis import _oncoprint

PAIRS = [("KRAS", ["MISSENSE"]), ("TP53", ["HOTSPOT_MISSENSE", "NONSENSE_OR_FRAMESHIFT"]), ("KRAS", ["AMP"])]
CELLS = np.array([0, 1, 2, 1])   # the cells' pairs: one pair may serve several cells


def test_rows_hold_each_samples_run_of_cells_as_gene_labels_pairs():
    ids = ["S1", "S2", "S3"]
    first, end = np.array([0, 2, 4]), np.array([2, 4, 4])
    rows = _oncoprint.matrix(ids, first, end, PAIRS, CELLS)
    assert rows == [{"sample_id": a, "alterations": dict(PAIRS[c] for c in CELLS[f:e])} for a, f, e in zip(ids, first, end)]
    assert rows[1] == {"sample_id": "S2", "alterations": {"KRAS": ["AMP"], "TP53": ["HOTSPOT_MISSENSE", "NONSENSE_OR_FRAMESHIFT"]}}
    assert rows[2] == {"sample_id": "S3", "alterations": {}}
    assert rows[0]["alterations"]["TP53"] is rows[1]["alterations"]["TP53"]   # shared, not copied


@pytest.mark.parametrize("first, end", [([0, 2], [2, 5]), ([1, 0], [0, 1]), ([-1, 0], [0, 1])])
def test_a_run_outside_the_cells_is_refused(first, end):
    with pytest.raises(ValueError, match="outside the 4 cells"):
        _oncoprint.matrix(["S1", "S2"], np.array(first), np.array(end), PAIRS, CELLS)


def test_a_cell_naming_no_pair_is_refused():
    with pytest.raises(ValueError, match="cell 1: pair 3 outside the 3 pairs"):
        _oncoprint.matrix(["S1"], np.array([0]), np.array([2]), PAIRS, np.array([0, 3]))


def test_runs_must_be_int64_one_per_sample_and_pairs_tuples():
    with pytest.raises(ValueError, match="one per sample"):
        _oncoprint.matrix(["S1", "S2"], np.array([0]), np.array([1]), PAIRS, CELLS)
    with pytest.raises(ValueError, match="int64"):
        _oncoprint.matrix(["S1"], np.array([0.0]), np.array([1.0]), PAIRS, CELLS)
    with pytest.raises(ValueError, match="one per cell"):
        _oncoprint.matrix(["S1"], np.array([0]), np.array([1]), PAIRS, CELLS.astype(float))
    with pytest.raises(TypeError, match="pairs\\[0\\]"):
        _oncoprint.matrix(["S1"], np.array([0]), np.array([1]), [["KRAS", ["AMP"]]], np.array([0]))
