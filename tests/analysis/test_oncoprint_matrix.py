"""The OncoPrint's rows hold each sample's run of (gene, labels) pairs."""

from __future__ import annotations

import numpy as np

from onconode.analysis.oncoprint import matrix_rows

PAIRS = [("KRAS", ["MISSENSE"]), ("TP53", ["HOTSPOT_MISSENSE", "NONSENSE_OR_FRAMESHIFT"]), ("KRAS", ["AMP"])]
CELLS = np.array([0, 1, 2, 1])   # the cells' pairs: one pair may serve several cells


def test_rows_hold_each_samples_run_of_cells_as_gene_labels_pairs():
    ids = ["S1", "S2", "S3"]
    first, end = np.array([0, 2, 4]), np.array([2, 4, 4])
    rows = matrix_rows(ids, first, end, PAIRS, CELLS)
    assert rows == [{"sample_id": a, "alterations": dict(PAIRS[c] for c in CELLS[f:e])} for a, f, e in zip(ids, first, end)]
    assert rows[1] == {"sample_id": "S2", "alterations": {"KRAS": ["AMP"], "TP53": ["HOTSPOT_MISSENSE", "NONSENSE_OR_FRAMESHIFT"]}}
    assert rows[2] == {"sample_id": "S3", "alterations": {}}
    assert rows[0]["alterations"]["TP53"] is rows[1]["alterations"]["TP53"]   # shared, not copied
