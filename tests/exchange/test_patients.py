"""Exports read a freeze one patient at a time, with every table's rows for that patient."""

from pathlib import Path

from onconode.exchange.patients import freeze_relations, iter_patients
from onconode.store.store import Store
from onconode.store.withdraw import withdraw_patient
from tests.conftest import frozen_synthetic_store


def test_each_patient_comes_once_with_their_own_rows_of_every_table(tmp_path: Path) -> None:
    home = frozen_synthetic_store(tmp_path / "node", patients=6, seed=3, median_variants=20, freeze="f1")
    with Store.open(home, read_only=True) as store:
        v = store.resolve("f1")
        relations = freeze_relations(store, v)
        records = list(iter_patients(store.con, relations, batch=4))
        counts = store.counts("f1")
    assert [r.patient_id for r in records] == sorted(r.patient_id for r in records)
    assert len(records) == counts["patient"] == 6
    for table in ("sample", "somatic_variant", "treatment", "driver"):
        assert sum(len(r.rows(table)) for r in records) == counts[table], table
    for r in records:
        samples = {s["sample_id"] for s in r.rows("sample")}
        assert all(v["sample_id"] in samples for v in r.rows("somatic_variant"))
        assert r.one("patient")["patient_id"] == r.patient_id
        assert len(r.rows("dataset")) == 1


def test_a_withdrawn_patient_is_not_exported_from_an_earlier_freeze(tmp_path: Path) -> None:
    home = frozen_synthetic_store(tmp_path / "node", patients=4, seed=5, median_variants=10, freeze="f1")
    with Store.open(home) as store:
        gone = store.con.execute("SELECT min(patient_id) FROM patient").fetchall()[0][0]
        withdraw_patient(store, gone)
    with Store.open(home, read_only=True) as store:
        ids = [r.patient_id for r in iter_patients(store.con, freeze_relations(store, store.resolve("f1")))]
    assert gone not in ids and len(ids) == 3
