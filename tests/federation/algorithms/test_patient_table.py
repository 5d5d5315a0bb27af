"""A node's patient table means what the portal's analyses mean: the responder of a task
with treatment criteria is `response.response_data`'s responder for the same criteria."""

from __future__ import annotations

import numpy as np
import pytest

from onconode.analysis import cohort as cohorts
from onconode.analysis import response
from onconode.analysis.federated.data import patient_frame

CRITERIA = [{}, {"drug_type": "chemotherapy"}, {"mechanism": "Anti-EGFR"}, {"drug": "Oxaliplatin"},
            {"line_min": 2}, {"line_max": 1, "drug_type": "Targeted therapy"}]
COHORTS = [{"op": "all"}, {"op": "tumour_location", "locations": ["Colorectum", "Lung"]}]


@pytest.mark.parametrize("tree", COHORTS, ids=["whole node", "two tumour types"])
@pytest.mark.parametrize("criteria", CRITERIA, ids=lambda c: ",".join(c) or "any line")
def test_responder_is_the_response_analysis_unit(snaps, tree, criteria):
    snap = snaps["NL"]
    frame = patient_frame(snap, {"cohort": tree, "treatment": criteria}).set_index("patient_id")
    cohort = cohorts.evaluate(snap, tree)
    unit = response.response_data(snap, cohort, criteria, cohort).set_index("patient_id")
    expected = unit.responder.map({True: 1.0, False: 0.0}).astype(float)
    assert sorted(frame.index) == sorted(cohort.patient_ids)
    got = frame.responder.reindex(expected.index)
    np.testing.assert_array_equal(got.to_numpy(), expected.to_numpy())
    assert frame.responder.drop(expected.index).isna().all()  # no matching line: not in the unit
    assert expected.notna().sum() > 0  # the comparison covers responders and non-responders
    assert set(expected.dropna()) == {0.0, 1.0}


def test_treatment_lines_counts_every_line_of_the_patient(snaps):
    snap = snaps["SE"]
    frame = patient_frame(snap, {"cohort": {"op": "all"}}).set_index("patient_id")
    t = snap.table("treatment").to_pyarrow().to_pandas()
    counts = t.groupby("patient_id").size().reindex(frame.index).fillna(0).astype(float)
    np.testing.assert_array_equal(frame.treatment_lines.to_numpy(), counts.to_numpy())
