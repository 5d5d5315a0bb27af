"""A per-freeze snapshot of the somatic variants, sorted the way every release writer
reads them, so a release reads only its own samples' rows and never sorts.

Why: a release of 1,000 patients from a 100-million-variant store spent ~40 s scanning the
whole variant table (it is laid out in ingest order, not by sample) and sorting the 12M
rows it kept. A freeze never changes, so its variants can be sorted once: by sample, then
genomic order (contig rank, then the table's key, then every other column, NULLs last:
exactly the order within a sample that `writers.pseudonymized_sql` asks for). Each
sample's rows are their own Parquet row group(s), and `meta.json` maps each sample to its
row groups, so a release reads its samples in pseudonym order, row group by row group.

Layout: a derived artifact of the store (`store/derived.py`, named `release.variants`):
`<home>/derived/release.variants/v<version>-w<withdrawals>/variants.parquet` (zstd, every
column of somatic_variant at the freeze's version) and `meta.json` (format, version, rows,
per-sample row groups, bytes, build seconds). Built by `onconode freeze create` and
`onconode release snapshot`, once across processes; a release build makes it on demand
when it is missing. A consent withdrawal changes the key, so no release reads a copy
that holds the patient, and the registry deletes the old one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from onconode.model import TABLES_BY_NAME
from onconode.release.writers import CHROM_RANK, _q, chromosome_ranks
from onconode.store import derived
from onconode.store.store import Store, duckdb_settings

FORMAT = 1
NAME = "release.variants"
FILE = "variants.parquet"
TABLE = "somatic_variant"
MAX_GROUP_ROWS = 1 << 20  # a sample with more variants spans several row groups
BUILD_MEMORY_LIMIT = "2GB"  # DuckDB's sort of the whole table spills beyond it
BATCH_ROWS = 1 << 17


def sorted_sql(store: Store, version: int, rank_table: str | None) -> str:
    """Every column of the variants at `version`, by sample and then in a release's order
    within a sample (contig rank, key, other columns; NULLs last)."""
    t = TABLES_BY_NAME[TABLE]
    cols = list(t.key) + [c for c in t.column_names if c not in t.key]
    if rank_table:
        join = f"LEFT JOIN {rank_table} m_rank ON v.chromosome = m_rank.chromosome"
        rank = f"coalesce(m_rank.rank, {CHROM_RANK.replace('chromosome', 'v.chromosome')})"
    else:
        join, rank = "", CHROM_RANK.replace("chromosome", "v.chromosome")
    select = ", ".join(f"v.{_q(c)}" for c in t.column_names)
    order = ", ".join(f"v.{_q(c)} NULLS LAST" for c in cols)
    return (f"SELECT {select} FROM ({store.relation_sql(TABLE, version)}) v {join} "
            f"WHERE v.sample_id IS NOT NULL ORDER BY v.sample_id, {rank}, {order}")


@dataclass(frozen=True)
class VariantSnapshot:
    """One freeze's sorted variants; `batches` reads samples in any order."""

    path: Path
    meta: dict[str, Any]

    @property
    def file(self) -> Path:
        return self.path / FILE

    def batches(self, samples: Sequence[tuple[str, str]], columns: list[str], dictionary: bool = False) -> Iterator[pa.RecordBatch]:
        """The rows of each (real id, pseudonym) sample in the given order, `columns` only,
        `sample_id` replaced by the pseudonym; samples without variants give nothing.
        `dictionary`: string columns stay dictionary-encoded as stored (no string copied;
        `schema(columns, dictionary=True)` is their schema)."""
        groups = self.meta["samples"]
        strings = [c for c in self.schema(columns) if pa.types.is_string(c.type)] if dictionary else []
        pf = pq.ParquetFile(self.file, memory_map=True, read_dictionary=[c.name for c in strings if c.name != "sample_id"])
        read = [c for c in columns if c != "sample_id"] or columns[:1]
        target = self.schema(columns, dictionary)
        for real, pseudo in samples:
            if real not in groups:
                continue
            first, count, kept = groups[real]
            part = pf.read_row_groups(list(range(first, first + count)), columns=read, use_threads=True)
            if part.num_rows != kept:
                raise ValueError(f"the release snapshot {self.path} is damaged (sample rows differ); "
                                 "rebuild it with `onconode release snapshot`")
            arrays = {c: part.column(c) for c in read if c in columns}
            if "sample_id" in columns:
                value = pa.scalar(pseudo, pa.string())
                arrays["sample_id"] = pa.chunked_array([
                    pa.DictionaryArray.from_arrays(pa.repeat(pa.scalar(0, pa.int32()), kept), pa.array([pseudo], pa.string()))
                    if dictionary else pa.repeat(value, kept)])
            yield from pa.table([arrays[c] for c in columns], schema=target).to_batches()

    def schema(self, columns: list[str], dictionary: bool = False) -> pa.Schema:
        """The columns' Arrow types (strings as dictionary<int32, string> if `dictionary`)."""
        full = pq.read_schema(self.file)
        fields = [full.field(c) for c in columns]
        if dictionary:
            fields = [f.with_type(pa.dictionary(pa.int32(), f.type)) if pa.types.is_string(f.type) else f for f in fields]
        return pa.schema(fields)


def _read(path: Path) -> VariantSnapshot | None:
    try:
        meta = json.loads((path / "meta.json").read_text())
    except (OSError, ValueError):
        return None
    return VariantSnapshot(path, meta) if meta.get("format") == FORMAT and (path / FILE).exists() else None


def load(store: Store, freeze: str) -> VariantSnapshot | None:
    """The freeze's snapshot if it is built for the store's current key, else None."""
    path = derived.find(store, NAME, store.resolve(freeze))
    return None if path is None else _read(path)


def build(store: Store, freeze: str) -> VariantSnapshot:
    """The freeze's snapshot, built now unless it is built already (by any process)."""
    return ensure(store, freeze)[0]


def ensure(store: Store, freeze: str) -> tuple[VariantSnapshot, bool]:
    """The freeze's snapshot, built now if missing; and whether it was built."""
    found = load(store, freeze)
    if found is not None:
        return found, False
    snap = _read(derived.ensure(store, NAME, store.resolve(freeze)))
    if snap is None:
        raise ValueError(f"the release snapshot of {freeze} is damaged; delete {derived.root(store.home) / NAME} "
                         "and run `onconode release snapshot` again")
    return snap, True


def _build(store: Store, key: derived.Key, tmp: Path) -> None:
    """The registry's builder: sort the variants at `key.version` into `tmp` (the
    registry moves it into place when complete); the store is only read."""
    with duckdb_settings(store.con, {"memory_limit": BUILD_MEMORY_LIMIT}):  # the sort spills to disk beyond it
        _write_sorted(store, key, tmp)


def _write_sorted(store: Store, key: derived.Key, tmp: Path) -> None:
    t0 = time.perf_counter()
    version = key.version
    rank_table = f"_snapshot_rank_{os.getpid()}"
    store.con.register(rank_table, chromosome_ranks())
    samples: dict[str, list[int]] = {}
    try:
        reader = store.con.sql(sorted_sql(store, version, rank_table)).to_arrow_reader(BATCH_ROWS)
        with pq.ParquetWriter(tmp / FILE, reader.schema, compression="zstd") as writer:
            state: dict[str, Any] = {"group": 0, "sample": None}
            pending: list[pa.RecordBatch] = []

            def flush() -> None:
                if not pending:
                    return
                part = pa.Table.from_batches(pending)
                sample = state["sample"]
                if sample in samples:
                    raise ValueError(f"sample {sample} is not contiguous in the sorted variants")
                n = (part.num_rows + MAX_GROUP_ROWS - 1) // MAX_GROUP_ROWS
                writer.write_table(part, row_group_size=MAX_GROUP_ROWS)
                samples[sample] = [state["group"], n, part.num_rows]
                state["group"] += n
                pending.clear()

            for batch in reader:
                ids = batch.column("sample_id")
                if not len(ids):
                    continue
                change = pc.not_equal(ids.slice(1), ids.slice(0, len(ids) - 1))
                starts = [0] + [int(i) + 1 for i in pc.indices_nonzero(change).to_pylist()]
                for a, b in zip(starts, starts[1:] + [len(ids)]):
                    sample = ids[a].as_py()
                    if sample != state["sample"]:
                        flush()
                        state["sample"] = sample
                    pending.append(batch.slice(a, b - a))
            flush()
        groups = pq.ParquetFile(tmp / FILE).metadata.num_row_groups
        if groups != state["group"]:
            raise ValueError(f"the snapshot has {groups} row groups, expected {state['group']}")
        size = (tmp / FILE).stat().st_size
        meta = {"format": FORMAT, "version": version, "withdrawals": key.withdrawals,
                "rows": sum(s[2] for s in samples.values()), "bytes": size,
                "built": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "build_seconds": round(time.perf_counter() - t0, 1), "samples": samples}
        (tmp / "meta.json").write_text(json.dumps(meta) + "\n")
    finally:
        store.con.unregister(rank_table)


derived.register(derived.Artifact(NAME, (TABLE,), _build, "a freeze's variants sorted by sample, as releases read them"))
