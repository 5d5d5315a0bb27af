"""Consent withdrawal: gone from now and from every freeze, recorded, never loaded again."""

from __future__ import annotations

import pytest
from cohort_builder import arrow, cohort_rows, ingest, ingest_cohort, patient_rows

from onconode.model import TABLES, TABLES_BY_NAME
from onconode.store import Store, StoreError
from onconode.store.withdraw import withdraw_patient


def rows_of(store: Store, patient_id: str, sample_id: str, version: int) -> int:
    """Rows of the patient visible at `version`, over every table."""
    n = 0
    for t in TABLES:
        if "patient_id" in t.column_names:
            n += store.table(t.name, version=version).filter(lambda r: r.patient_id == patient_id).count().execute()
        elif "sample_id" in t.column_names:
            n += store.table(t.name, version=version).filter(lambda r: r.sample_id == sample_id).count().execute()
    return n


def all_rows_of(store: Store, patient_id: str, sample_id: str) -> int:
    """Rows of the patient in the store file, whatever their version."""
    n = 0
    for t in TABLES:
        col, value = ("patient_id", patient_id) if "patient_id" in t.column_names else ("sample_id", sample_id)
        if col in t.column_names:
            n += store.con.execute(f'SELECT count(*) FROM "{t.name}" WHERE "{col}" = ?', [value]).fetchall()[0][0]
    return n


@pytest.fixture
def released(store: Store) -> Store:
    """Ten patients, a freeze, then P003 re-sequenced (two versions of its variants)."""
    ingest_cohort(store, n=10)
    store.create_freeze("DR-1")
    again = patient_rows("P003", 3)
    again["somatic_variant"] = again["somatic_variant"][:2]
    ingest(store, again)
    store.create_freeze("DR-2")
    return store


def test_withdrawal_removes_the_patient_from_now_and_every_freeze(released: Store) -> None:
    first = sum(len(r) for r in patient_rows("P003", 3).values())
    second = first - len(patient_rows("P003", 3)["somatic_variant"]) + 2
    expected = first + second  # both versions are deleted
    assert all_rows_of(released, "P003", "P003T") == expected
    other_before = {f: released.counts(f)["patient"] for f in ("DR-1", "DR-2")}

    removed = withdraw_patient(released, "P003", reason="request 2026-17")

    assert removed == expected
    assert all_rows_of(released, "P003", "P003T") == 0
    for freeze in ("DR-1", "DR-2", None):
        assert rows_of(released, "P003", "P003T", released.resolve(freeze)) == 0
    assert {f: released.counts(f)["patient"] for f in ("DR-1", "DR-2")} == {f: n - 1 for f, n in other_before.items()}
    assert rows_of(released, "P004", "P004T", released.current_version) > 0


def test_withdrawal_is_recorded_with_samples_version_and_rows(released: Store) -> None:
    version_before = released.current_version
    removed = withdraw_patient(released, "P003", reason="request 2026-17")
    rows = released.con.execute(
        "SELECT patient_id, sample_ids, version, rows_removed, reason FROM withdrawal"
    ).fetchall()
    assert rows == [("P003", "P003T", version_before + 1, removed, "request 2026-17")]
    assert released.versions()[-1].source == "withdraw"
    assert released.withdrawn_patients() == {"P003"}
    assert released.withdrawn_samples() == {"P003T"}


def test_a_second_withdrawal_is_a_clear_error(released: Store) -> None:
    withdraw_patient(released, "P003")
    version = released.current_version
    with pytest.raises(StoreError, match="P003 has already withdrawn consent; nothing to do"):
        withdraw_patient(released, "P003")
    assert released.current_version == version


def test_an_unknown_patient_is_a_clear_error(released: Store) -> None:
    with pytest.raises(StoreError, match="no patient P999 in the store"):
        withdraw_patient(released, "P999")
    assert released.con.execute("SELECT count(*) FROM withdrawal").fetchall()[0][0] == 0


def test_a_later_ingest_of_the_patient_is_skipped_with_a_warning(released: Store) -> None:
    withdraw_patient(released, "P003")
    rows = cohort_rows(1, first=3)  # P003 comes back from a hospital export
    more = cohort_rows(2, first=40)
    for table, extra in more.items():
        rows.setdefault(table, []).extend(extra)
    with released.transaction("test", "export with a withdrawn patient") as tx:
        for table, table_rows in rows.items():
            owner = TABLES_BY_NAME[table].owner
            tx.replace(table, arrow(table, table_rows), owners=[r[owner] for r in table_rows])

    assert rows_of(released, "P003", "P003T", released.current_version) == 0
    assert all_rows_of(released, "P003", "P003T") == 0
    assert rows_of(released, "P040", "P040T", released.current_version) > 0
    assert any("patient: skipped 1 row(s) of patients who withdrew consent" in w for w in tx.warnings)
    assert any(w.startswith("somatic_variant: skipped") for w in tx.warnings)
    skipped = len(patient_rows("P003", 3)["somatic_variant"])
    assert f"somatic_variant: skipped {skipped} row(s)" in " ".join(tx.warnings)
    loaded = sum(len(r) for r in more.values())
    assert released.versions()[-1].rows_added == loaded


def test_a_withdrawn_sample_is_skipped_even_when_its_genomic_data_comes_alone(released: Store) -> None:
    withdraw_patient(released, "P003")
    with released.transaction("test", "pipeline output of a withdrawn sample") as tx:
        tx.replace("tumor_profile", arrow("tumor_profile", patient_rows("P003", 3)["tumor_profile"]), owners=["P003T"])
    assert tx.warnings == ["tumor_profile: skipped 1 row(s) of patients who withdrew consent (see `onconode withdraw`)"]
    assert released.counts()["tumor_profile"] == 9
