"""Versions, freezes, re-ingest and failed ingests of the versioned store."""

from __future__ import annotations

import pyarrow as pa
import pytest
from cohort_builder import arrow, cohort_rows, ingest, ingest_cohort, patient_rows

from onconode.store import IntegrityError, Store, StoreError


def variant_count_per_gene(store: Store, freeze: str | None = None) -> dict[str, int]:
    t = store.table("somatic_variant", freeze=freeze)
    res = t.group_by("gene").aggregate(n=t.count()).to_pyarrow().to_pylist()
    return {r["gene"]: r["n"] for r in res}


def test_a_new_store_is_at_version_zero_and_empty(store: Store) -> None:
    assert store.current_version == 0
    assert set(store.counts().values()) == {0}


def test_every_ingest_makes_a_new_version_with_its_source_and_row_counts(store: Store) -> None:
    v1 = ingest_cohort(store, n=3)
    v2 = ingest_cohort(store, n=2, first=10)
    assert (v1, v2) == (1, 2)
    assert store.current_version == 2
    versions = store.versions()
    assert [v.version for v in versions] == [0, 1, 2]
    expected_rows = sum(len(r) for r in cohort_rows(2, first=10).values())
    assert versions[2].source == "test" and versions[2].rows_added == expected_rows
    assert versions[2].rows_removed == 0


def test_a_freeze_gives_the_same_answer_after_later_ingests(store: Store) -> None:
    ingest_cohort(store, n=8)
    freeze = store.create_freeze("DR-1", "first release")
    assert freeze.version == 1
    before_counts = store.counts("DR-1")
    before_genes = variant_count_per_gene(store, "DR-1")

    ingest_cohort(store, n=5, first=20)  # new patients
    changed = patient_rows("P001", 1)
    changed["somatic_variant"] = changed["somatic_variant"][:1]  # re-sequenced: fewer variants
    ingest(store, changed)

    assert store.counts("DR-1") == before_counts
    assert variant_count_per_gene(store, "DR-1") == before_genes
    assert store.counts()["patient"] == 13
    assert store.counts() != before_counts


def test_a_freeze_cannot_be_redefined_and_ids_are_checked(store: Store) -> None:
    store.create_freeze("DR-2026-11")
    with pytest.raises(StoreError, match="already exists"):
        store.create_freeze("DR-2026-11")
    with pytest.raises(StoreError, match="not valid"):
        store.create_freeze("../etc")
    with pytest.raises(StoreError, match="no freeze 'DR-9'.*known freezes: DR-2026-11"):
        store.counts("DR-9")


def test_reingesting_a_sample_replaces_its_rows_and_retires_the_old_ones(store: Store) -> None:
    ingest_cohort(store, n=4)
    old_n = len(patient_rows("P002", 2)["somatic_variant"])
    rows = patient_rows("P002", 2)
    rows["somatic_variant"] = rows["somatic_variant"][:2]
    ingest(store, {"somatic_variant": rows["somatic_variant"]})

    current = store.table("somatic_variant").filter(lambda t: t.sample_id == "P002T").to_pyarrow()
    assert current.num_rows == 2
    assert store.versions()[-1].rows_removed == old_n
    # the old rows are history, visible at version 1 only
    assert store.table("somatic_variant", version=1).filter(lambda t: t.sample_id == "P002T").count().execute() == old_n
    retired = store.con.execute(
        'SELECT count(*) FROM somatic_variant WHERE sample_id = ? AND "_removed" = 2', ["P002T"]
    ).fetchall()[0][0]
    assert retired == old_n


def test_reingesting_the_same_data_twice_creates_no_duplicates(store: Store) -> None:
    ingest_cohort(store, n=6)
    counts = store.counts()
    ingest_cohort(store, n=6)
    assert store.counts() == counts
    t = store.table("somatic_variant")
    keys = t.group_by(["sample_id", "chromosome", "position", "ref", "alt"]).aggregate(n=t.count())
    assert keys.n.max().execute() == 1


def test_an_owner_listed_without_rows_loses_its_old_rows(store: Store) -> None:
    ingest_cohort(store, n=5)  # P005 has an EGFR amplification driver
    assert store.table("driver").count().execute() == 1
    with store.transaction("test", "re-run without drivers") as tx:
        tx.replace("driver", arrow("driver", []), owners=["P005T"])
    assert store.table("driver").count().execute() == 0


def _assert_unchanged(store: Store, counts: dict[str, int], version: int) -> None:
    assert store.current_version == version
    assert store.counts() == counts
    assert store.table("patient").count().execute() == counts["patient"]


def test_an_exception_mid_transaction_leaves_the_previous_version(store: Store) -> None:
    ingest_cohort(store, n=4)
    counts, version = store.counts(), store.current_version
    with pytest.raises(RuntimeError, match="reader crashed"):
        with store.transaction("test", "crashes half way") as tx:
            rows = cohort_rows(3, first=50)
            tx.replace("patient", arrow("patient", rows["patient"]))
            tx.replace("somatic_variant", arrow("somatic_variant", rows["somatic_variant"]))
            raise RuntimeError("reader crashed")
    _assert_unchanged(store, counts, version)
    assert ingest_cohort(store, n=2, first=50) == version + 1


def test_duplicate_keys_fail_the_whole_ingest_with_the_key_named(store: Store) -> None:
    ingest_cohort(store, n=4)
    counts, version = store.counts(), store.current_version
    rows = cohort_rows(2, first=60)
    rows["somatic_variant"].append(dict(rows["somatic_variant"][0]))
    with pytest.raises(IntegrityError, match=r"somatic_variant: duplicate rows .*sample_id=P060T, chromosome=1, position=1060.*\(2 times\)"):
        ingest(store, rows)
    _assert_unchanged(store, counts, version)


def test_a_duplicate_of_a_current_row_of_another_owner_fails(store: Store) -> None:
    ingest_cohort(store, n=2)
    counts, version = store.counts(), store.current_version
    # sample P001T re-registered under another patient while P001 still holds it
    with pytest.raises(IntegrityError, match=r"sample: duplicate rows .*sample_id=P001T"):
        ingest(store, {"sample": [{"sample_id": "P001T", "patient_id": "P002"}]})
    _assert_unchanged(store, counts, version)


def test_a_missing_required_value_fails_the_whole_ingest(store: Store) -> None:
    ingest_cohort(store, n=3)
    counts, version = store.counts(), store.current_version
    rows = cohort_rows(2, first=70)
    rows["tumor_profile"][1]["ref_genome"] = None
    with pytest.raises(IntegrityError, match=r"tumor_profile.ref_genome is required but 1 incoming row"):
        ingest(store, rows)
    _assert_unchanged(store, counts, version)


def test_a_missing_required_column_fails_the_whole_ingest(store: Store) -> None:
    ingest_cohort(store, n=3)
    counts, version = store.counts(), store.current_version
    no_dataset = pa.table({"patient_id": ["P090", "P091"], "sex": ["male", "female"]})
    with pytest.raises(IntegrityError, match=r"patient.dataset_id is required but 2 incoming row"):
        with store.transaction("test", "patients without a dataset") as tx:
            tx.replace("sample", arrow("sample", [{"sample_id": "P090T", "patient_id": "P090"}]))
            tx.replace("patient", no_dataset)
    _assert_unchanged(store, counts, version)


def test_a_column_outside_the_model_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match=r"patient: columns \['hospital_patient_number'\] are not in the model"):
        with store.transaction("test") as tx:
            tx.replace("patient", pa.table({"patient_id": ["P1"], "dataset_id": ["D"], "hospital_patient_number": ["123"]}))
    assert store.current_version == 0


def test_a_streamed_record_batch_reader_loads_like_a_table(store: Store) -> None:
    rows = cohort_rows(3)["somatic_variant"]
    table = arrow("somatic_variant", rows)
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=4))
    with store.transaction("test", "streamed") as tx:
        n = tx.replace("somatic_variant", reader, owners=[r["sample_id"] for r in rows])
    assert n == len(rows) == store.counts()["somatic_variant"]


def test_a_read_only_store_refuses_to_ingest(tmp_path) -> None:
    Store.init(tmp_path / "node").close()
    with Store.open(tmp_path / "node", read_only=True) as ro:
        with pytest.raises(StoreError, match="read-only"):
            ro.transaction("test")


def test_opening_a_folder_without_a_store_says_to_run_init(tmp_path) -> None:
    with pytest.raises(StoreError, match="run `onconode --home .* init` first"):
        Store.open(tmp_path / "nowhere")


def test_a_store_from_an_older_model_opened_read_only_reads_its_new_tables_as_empty(tmp_path):
    """A node upgraded to a model with more tables (e.g. gene_panel) serves read-only
    before anything writes: the new tables read as empty instead of failing every analysis."""
    home = tmp_path / "node"
    with Store.init(home) as store:
        store.con.execute('DROP TABLE "gene_panel"')   # as a store written before the table existed
        store.con.execute('DROP TABLE "survival_endpoint"')
    with Store.open(home, read_only=True) as store:
        snap = store.snapshot()
        assert snap.table("gene_panel").count().to_pyarrow().as_py() == 0
        assert store.counts()["survival_endpoint"] == 0
