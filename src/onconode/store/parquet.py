"""A freeze as hive-partitioned Parquet, for Spark or any other Parquet reader.

The export is how a node outgrows one machine (PySpark over the files) and how a release
builder gets a plain, versioned copy. It is all-or-nothing: files are written into a
temporary folder next to the destination and renamed into place at the end, so an
interrupted export leaves no half-written tree that a reader could mistake for a freeze.
A manifest names the freeze, store version and model version the files hold.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import ibis

from onconode.model import MODEL_VERSION, TABLES, TABLES_BY_NAME, Kind
from onconode.progress import Progress, silent
from onconode.store.store import Store, StoreError, duckdb_settings

MANIFEST = "manifest.json"
FORMAT = "onconode-parquet"
# Large tables are split by chromosome so a reader (or Spark task) touches one part only.
PARTITION_BY: dict[str, tuple[str, ...]] = {
    "somatic_variant": ("chromosome",),
    "copy_number_segment": ("chromosome",),
}
IBIS_TYPES: dict[Kind, str] = {
    Kind.STRING: "string", Kind.INT: "int64", Kind.FLOAT: "float64",
    Kind.BOOL: "boolean", Kind.DATE: "date", Kind.TIMESTAMP: "timestamp",
}


def read_manifest(path: Path) -> dict[str, Any] | None:
    """The manifest of an export in `path`, or None if `path` holds no onconode export."""
    try:
        doc = json.loads((path / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and doc.get("format") == FORMAT else None


def _check_destination(dest: Path, freeze: str | None) -> None:
    if not dest.exists():
        return
    if not dest.is_dir():
        raise StoreError(f"{dest} is a file; give a folder for the Parquet export")
    if not any(dest.iterdir()):
        return
    manifest = read_manifest(dest)
    what = f"freeze {freeze}" if freeze else "the current version"
    if manifest is None:
        raise StoreError(
            f"{dest} is not empty and holds no onconode export; choose a new or empty folder for {what}"
        )
    if manifest.get("freeze") != freeze:
        held = f"freeze {manifest['freeze']}" if manifest.get("freeze") else "an export of a current version"
        raise StoreError(
            f"{dest} holds {held}, not {what}; an export only replaces an earlier export of the same freeze. "
            "Choose another folder"
        )


def export_parquet(store: Store, dest: Path, freeze: str | None = None, progress: Progress = silent) -> dict[str, int]:
    """Write the store at `freeze` (default: now) to `dest`; returns rows per table."""
    version = store.resolve(freeze)
    dest = Path(dest)
    _check_destination(dest, freeze)
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.partial-", dir=dest.parent))
    try:
        rows = _write_tables(store, version, work, progress)
        manifest = {
            "format": FORMAT,
            "freeze": freeze,
            "version": version,
            "model_version": MODEL_VERSION,
            "exported_at": dt.datetime.now().isoformat(timespec="seconds"),
            "withdrawals_processed": len(store.withdrawn_patients()),
            "tables": {t: {"rows": n, "partition_by": list(PARTITION_BY.get(t, ()))} for t, n in rows.items()},
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        _swap_into_place(work, dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return rows


# What the export may hold in memory. Without a limit DuckDB kept up to 524,288 rows of
# every open partition per thread buffered (13.9 GB peak at 68M variants); with a limit,
# a lower per-partition flush threshold and no insertion order to keep, it streams.
SETTINGS = {"memory_limit": "1GB", "preserve_insertion_order": "false", "partitioned_write_flush_threshold": "65536"}


def _write_tables(store: Store, version: int, work: Path, progress: Progress) -> dict[str, int]:
    rows: dict[str, int] = {}
    con = store.con
    with duckdb_settings(con, SETTINGS):
        with progress("exporting Parquet", len(TABLES)) as advance:
            for t in TABLES:
                relation = con.sql(store.relation_sql(t.name, version))
                n = int(con.execute(f"SELECT count(*) FROM ({store.relation_sql(t.name, version)})").fetchall()[0][0])
                folder = work / t.name
                partition = list(PARTITION_BY.get(t.name, ()))
                if partition and n:
                    relation.write_parquet(str(folder), partition_by=partition)
                else:  # an empty table still gets a file, so readers see its columns
                    folder.mkdir()
                    relation.write_parquet(str(folder / "data_0.parquet"))
                rows[t.name] = n
                advance(1)
    return rows


def _swap_into_place(work: Path, dest: Path) -> None:
    """Replace `dest` by `work` with renames, so readers never see a partial export."""
    old = None
    if dest.exists():
        old = dest.with_name(f".{dest.name}.replaced-{work.name.rsplit('-', 1)[-1]}")
        dest.rename(old)
    work.rename(dest)
    if old is not None:
        shutil.rmtree(old)


class ParquetSnapshot:
    """An exported freeze read with any Ibis backend: the same `.table(name)` as a store
    snapshot, so one analysis runs unchanged on DuckDB or on Spark."""

    def __init__(self, path: Path, backend: ibis.BaseBackend | None = None) -> None:
        self.path = Path(path)
        manifest = read_manifest(self.path)
        if manifest is None:
            raise StoreError(f"{self.path} holds no onconode Parquet export (no {MANIFEST}); run `onconode export-parquet` first")
        self.manifest = manifest
        self.freeze: str | None = manifest["freeze"]
        self.version: int = int(manifest["version"])
        self.backend = backend if backend is not None else ibis.duckdb.connect()
        self._tables: dict[str, ibis.Table] = {}

    def table(self, name: str) -> ibis.Table:
        if name not in self._tables:
            self._tables[name] = self._read(name)
        return self._tables[name]

    def _read(self, name: str) -> ibis.Table:
        t = TABLES_BY_NAME[name]
        folder = self.path / name
        if not folder.is_dir():
            raise StoreError(f"the export in {self.path} has no table {name}; export it again with this onconode version")
        source = folder if self.backend.name == "pyspark" else f"{folder}/**/*.parquet"
        options: dict[str, Any] = {} if self.backend.name == "pyspark" else {"hive_partitioning": True}
        raw = self.backend.read_parquet(str(source), **options)
        # Partition values come back typed by guesswork (chromosome "1" as an integer); the
        # model's types make every backend see the same table.
        return raw.select(*[raw[c.name].cast(IBIS_TYPES[c.kind]).name(c.name) for c in t.columns])
