"""`export-parquet`: a freeze as hive-partitioned Parquet, all-or-nothing, readable again."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cohort_builder import ingest_cohort
from typer.testing import CliRunner

from onconode.interfaces.cli.main import app
from onconode.model import MODEL_VERSION, TABLES, TABLES_BY_NAME
from onconode.store import Store, StoreError
from onconode.store.parquet import SETTINGS, ParquetSnapshot, export_parquet
from onconode.store.withdraw import withdraw_patient


@pytest.fixture
def frozen(store: Store) -> Store:
    """Twelve patients frozen as DR-1, then four more ingested after the freeze."""
    ingest_cohort(store, n=12)
    store.create_freeze("DR-1")
    ingest_cohort(store, n=4, first=50)
    return store


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    """An empty folder that receives exports (the store lives elsewhere in tmp_path)."""
    path = tmp_path / "exports"
    path.mkdir()
    return path


def sorted_rows(table) -> list[dict]:
    rows = table.to_pyarrow().to_pylist()
    return sorted(rows, key=lambda r: tuple(str(v) for v in r.values()))


def test_every_table_is_written_under_its_own_folder_with_a_manifest(frozen: Store, exports: Path) -> None:
    dest = exports / "DR-1"
    written = export_parquet(frozen, dest, "DR-1")
    assert written == frozen.counts("DR-1")
    assert sorted(p.name for p in dest.iterdir()) == sorted([t.name for t in TABLES] + ["manifest.json"])
    manifest = json.loads((dest / "manifest.json").read_text())
    assert manifest["freeze"] == "DR-1" and manifest["version"] == 1 and manifest["model_version"] == MODEL_VERSION
    assert {t: v["rows"] for t, v in manifest["tables"].items()} == written
    assert manifest["tables"]["somatic_variant"]["partition_by"] == ["chromosome"]


def test_somatic_variants_are_partitioned_by_chromosome(frozen: Store, exports: Path) -> None:
    export_parquet(frozen, exports / "out", "DR-1")
    parts = sorted(p.name for p in (exports / "out" / "somatic_variant").iterdir())
    assert parts == ["chromosome=1", "chromosome=12", "chromosome=17", "chromosome=7", "chromosome=X"]
    assert all(list(p.glob("*.parquet")) for p in (exports / "out" / "somatic_variant").iterdir())


def test_the_export_holds_the_freeze_not_the_current_rows(frozen: Store, exports: Path) -> None:
    export_parquet(frozen, exports / "out", "DR-1")
    snap = ParquetSnapshot(exports / "out")
    assert snap.freeze == "DR-1" and snap.version == 1
    for name in ("patient", "sample", "tumor_profile", "somatic_variant", "driver", "treatment_drug"):
        assert sorted_rows(snap.table(name)) == sorted_rows(frozen.snapshot("DR-1").table(name)), name
    assert snap.table("patient").count().execute() == 12


def test_read_back_tables_have_the_model_columns_and_types(frozen: Store, exports: Path) -> None:
    export_parquet(frozen, exports / "out")
    snap = ParquetSnapshot(exports / "out")
    for name in ("somatic_variant", "fusion", "patient"):
        schema = snap.table(name).schema()
        assert list(schema.names) == TABLES_BY_NAME[name].column_names
        assert schema == frozen.table(name).schema()
    assert snap.table("fusion").count().execute() == 0


def test_a_non_empty_folder_that_is_not_an_export_is_refused(frozen: Store, exports: Path) -> None:
    dest = exports / "results"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    with pytest.raises(StoreError, match="not empty and holds no onconode export; choose a new or empty folder"):
        export_parquet(frozen, dest, "DR-1")
    assert [p.name for p in dest.iterdir()] == ["notes.txt"]


def test_an_export_of_another_freeze_is_not_overwritten(frozen: Store, exports: Path) -> None:
    export_parquet(frozen, exports / "out", "DR-1")
    frozen.create_freeze("DR-2")
    with pytest.raises(StoreError, match="holds freeze DR-1, not freeze DR-2"):
        export_parquet(frozen, exports / "out", "DR-2")
    assert json.loads((exports / "out" / "manifest.json").read_text())["freeze"] == "DR-1"


def test_reexporting_the_same_freeze_replaces_it_for_example_after_a_withdrawal(frozen: Store, exports: Path) -> None:
    export_parquet(frozen, exports / "out", "DR-1")
    withdraw_patient(frozen, "P004")
    written = export_parquet(frozen, exports / "out", "DR-1")
    assert written["patient"] == 11
    snap = ParquetSnapshot(exports / "out")
    assert snap.table("patient").filter(lambda t: t.patient_id == "P004").count().execute() == 0
    assert snap.manifest["withdrawals_processed"] == 1
    assert [p.name for p in exports.iterdir()] == ["out"]  # no temporary or replaced folders left


def interrupted_after(tables: int) -> Callable:
    """A progress seam that raises like Ctrl-C after `tables` tables were written."""

    @contextmanager
    def progress(description: str, total: float | None = None) -> Iterator[Callable[[float], None]]:
        done = [0]

        def advance(n: float = 1) -> None:
            done[0] += n
            if done[0] >= tables:
                raise KeyboardInterrupt

        yield advance

    return progress


def test_an_interrupted_export_leaves_nothing_half_written(frozen: Store, exports: Path) -> None:
    with pytest.raises(KeyboardInterrupt):
        export_parquet(frozen, exports / "out", "DR-1", progress=interrupted_after(9))
    assert list(exports.iterdir()) == []


def test_an_interrupted_reexport_keeps_the_earlier_export(frozen: Store, exports: Path) -> None:
    export_parquet(frozen, exports / "out", "DR-1")
    before = sorted(str(p.relative_to(exports)) for p in exports.rglob("*"))
    with pytest.raises(KeyboardInterrupt):
        export_parquet(frozen, exports / "out", "DR-1", progress=interrupted_after(3))
    assert sorted(str(p.relative_to(exports)) for p in exports.rglob("*")) == before
    assert ParquetSnapshot(exports / "out").table("patient").count().execute() == 12


def test_an_unknown_freeze_is_a_clear_error(frozen: Store, exports: Path) -> None:
    with pytest.raises(StoreError, match="no freeze 'DR-9'"):
        export_parquet(frozen, exports / "out", "DR-9")
    assert not (exports / "out").exists()


def test_reading_a_folder_without_an_export_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no onconode Parquet export.*run `onconode export-parquet` first"):
        ParquetSnapshot(tmp_path)


def test_the_cli_exports_a_freeze_and_refuses_a_foreign_folder(tmp_path: Path) -> None:
    runner = CliRunner()
    home = tmp_path / "node"
    with Store.init(home) as s:
        ingest_cohort(s, n=5)
        s.create_freeze("DR-1")
    result = runner.invoke(app, ["--home", str(home), "export-parquet", str(tmp_path / "out"), "--freeze", "DR-1"])
    assert result.exit_code == 0, result.output
    total = sum(json.loads((tmp_path / "out" / "manifest.json").read_text())["tables"][t]["rows"] for t in TABLES_BY_NAME)
    assert " ".join(result.stdout.split()) == f"wrote {total:,} rows in {len(TABLES)} tables to {tmp_path / 'out'}"
    refused = runner.invoke(app, ["--home", str(home), "export-parquet", str(home)])
    assert refused.exit_code != 0
    assert "holds no onconode export" in refused.stderr


def test_the_export_streams_in_bounded_memory_and_leaves_the_readers_settings_as_they_were(frozen: Store, exports: Path) -> None:
    """The export writes under a memory limit of its own (benchmarks/export_parquet.py: 13.9 GB
    peak at 68M variants before, 1.3 GB after); the store's connection keeps serving others after."""
    setting = lambda k: frozen.con.execute(f"SELECT current_setting('{k}')").fetchall()[0][0]  # noqa: E731
    before = {k: setting(k) for k in SETTINGS}
    export_parquet(frozen, exports / "bounded", "DR-1")
    assert {k: setting(k) for k in SETTINGS} == before
    assert before["memory_limit"] != SETTINGS["memory_limit"]   # the limit was the export's, not the reader's
