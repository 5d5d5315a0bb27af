"""A consent withdrawal reaches the node's federated tables at once, on a freeze too: a
withdrawal deletes the patient from every version without changing a freeze's version,
so a table kept per version alone would still count them."""

from __future__ import annotations

from pathlib import Path

from onconode.analysis.federated.data import patient_frame
from onconode.store import Store
from onconode.synth import load_cohort
from onconode.store.withdraw import withdraw_patient

TASK = {"cohort": {"op": "all"}}


def _frame_ids(home: Path, freeze: str | None) -> set[str]:
    """The patient table of a task, as the node agent computes it: the store opened afresh."""
    with Store.open(home, read_only=True) as store:
        return set(patient_frame(store.snapshot(freeze), TASK).patient_id)


def test_a_withdrawn_patient_leaves_federated_tables_of_the_current_version_and_of_a_freeze(tmp_path: Path) -> None:
    home = tmp_path / "node"
    with Store.init(home) as store:
        load_cohort(store, patients=30, seed=5, median_variants=3, workers=1)
        store.create_freeze("DR-1")
    before = {f: _frame_ids(home, f) for f in (None, "DR-1")}
    gone = sorted(before["DR-1"])[3]

    with Store.open(home) as store:
        withdraw_patient(store, gone)

    for freeze in (None, "DR-1"):
        after = _frame_ids(home, freeze)
        assert gone not in after, f"withdrawn patient still in the federated table of {freeze or 'the current version'}"
        assert after == before[freeze] - {gone}
