"""The files of a release, written from DuckDB in a fixed order with fixed settings, so
the same selection and key always give the same bytes.

Rows are selected inside DuckDB (semi-joins on the released ids) and identifiers are
replaced by joining small pseudonym tables. The variants, the one big table, come as an
Arrow stream in the release's order (release.snapshot, or the sorted query), and four
writers read them at once, each on its own DuckDB cursor (release.builder): DuckDB's
Parquet writer, its CSV writer for TSV and MAF, and DuckDB string expressions for the VCF
lines, which are cut per sample from the Arrow buffers (no Python object per variant)
and BGZF-compressed and tabix-indexed by htslib (pysam) in a worker pool (release.variant_text).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import duckdb
import pyarrow as pa

from onconode.model import TABLES_BY_NAME
from onconode.release.pseudonym import ID_COLUMNS
from onconode.release.variant_text import can_write_vcf
from onconode.store.store import Store

BATCH_ROWS = 200_000
ROW_GROUP_ROWS = 122_880  # DuckDB's default, fixed here so a rebuild splits rows identically
CHROM_RANK = (
    "CASE WHEN regexp_matches(regexp_replace(chromosome, '^chr', ''), '^[0-9]+$') "
    "THEN CAST(regexp_replace(chromosome, '^chr', '') AS INTEGER) "
    "WHEN regexp_replace(chromosome, '^chr', '') = 'X' THEN 23 WHEN regexp_replace(chromosome, '^chr', '') = 'Y' THEN 24 "
    "WHEN regexp_replace(chromosome, '^chr', '') IN ('M', 'MT') THEN 25 ELSE 26 END"
)


def chromosome_ranks() -> pa.Table:
    """CHROM_RANK of the usual contig names, joined instead of evaluating four regular
    expressions per variant (other names fall back to CHROM_RANK itself)."""
    names, ranks = [], []
    for prefix in ("", "chr"):
        for i, c in enumerate([str(n) for n in range(1, 23)] + ["X", "Y", "M", "MT"]):
            names.append(prefix + c)
            ranks.append(min(i + 1, 25))
    return pa.table({"chromosome": pa.array(names, pa.string()), "rank": pa.array(ranks, pa.int32())})



@dataclass(frozen=True)
class Maps:
    """Names of the registered DuckDB views real_id -> pseudo, one per identifier kind,
    and of the contig -> genomic rank table; the released patient and sample ids
    themselves, for filters DuckDB can push into its table scan."""

    patient: str
    sample: str
    treatment: str
    chrom: str = ""
    patient_ids: tuple[str, ...] = ()
    sample_ids: tuple[str, ...] = ()

    def view(self, column: str) -> str:
        return getattr(self, ID_COLUMNS[column])


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _in_list(ids: tuple[str, ...], view: str) -> str:
    """The ids as SQL literals: a constant IN list is pushed into DuckDB's scan of the
    100-million-row variant table (measured: 28.6 s instead of 40.8 s for a semi-join on
    the pseudonym table, 13.7M of 102.9M rows); the view when no ids are given."""
    if not ids:
        return f"SELECT real_id FROM {view}"
    return ", ".join("'" + i.replace("'", "''") + "'" for i in ids)


def released_rows_sql(store: Store, version: int, table: str, maps: Maps) -> str:
    """All columns of `table` at `version`, only the released patients' / samples' rows."""
    t = TABLES_BY_NAME[table]
    base = store.relation_sql(table, version)
    if table == "dataset":
        where = f'dataset_id IN (SELECT p.dataset_id FROM ({store.relation_sql("patient", version)}) p ' \
                f'WHERE p.patient_id IN (SELECT real_id FROM {maps.patient}))'
    elif "sample_id" in t.column_names and (table == "sample" or "patient_id" not in t.column_names):
        where = f"sample_id IN ({_in_list(maps.sample_ids, maps.sample)})"
    elif "patient_id" in t.column_names:
        where = f"patient_id IN ({_in_list(maps.patient_ids, maps.patient)})"
    else:
        raise ValueError(f"table {table} has no patient, sample or dataset id; it cannot be released per patient")
    return f"SELECT * FROM ({base}) WHERE {where}"


def only_samples_sql(rows_sql: str, sample_ids: tuple[str, ...]) -> str:
    """`rows_sql` narrowed to `sample_ids` (none: no rows), e.g. the germline-consented samples."""
    if not sample_ids:
        return f"SELECT * FROM ({rows_sql}) WHERE FALSE"
    return f"SELECT * FROM ({rows_sql}) WHERE sample_id IN ({_in_list(sample_ids, '')})"


def pseudonymized_sql(rows_sql: str, columns: list[str], maps: Maps, order: list[str]) -> str:
    """Project `columns`, with identifiers replaced by pseudonyms, in a total order: the
    table's key, except that variants come in genomic order per sample (the order VCF and
    MAF are written in, so those writers scan the written rows without sorting)."""
    select, joins = [], []
    for c in columns:
        if c in ID_COLUMNS:
            alias = f"m_{c}"
            joins.append(f"LEFT JOIN {maps.view(c)} {alias} ON t.{_q(c)} = {alias}.real_id")
            select.append(f"{alias}.pseudo AS {_q(c)}")
        else:
            select.append(f"t.{_q(c)}")
    keys = [c for c in order if c in columns] + [c for c in columns if c not in order]
    order_by = ", ".join(f"{_q(c)} NULLS LAST" for c in keys)
    if can_write_vcf(columns):  # genomic order (chr2 before chr10), the one VCF and MAF need
        if maps.chrom:
            joins.append(f"LEFT JOIN {maps.chrom} m_rank ON t.chromosome = m_rank.chromosome")
            rank = f"coalesce(m_rank.rank, {CHROM_RANK.replace('chromosome', 't.chromosome')})"
        else:
            rank = CHROM_RANK.replace("chromosome", "t.chromosome")
        order_by = f"{_q('sample_id')} NULLS LAST, {rank}, {order_by}"
    return f"SELECT {', '.join(select)} FROM ({rows_sql}) t {' '.join(joins)} ORDER BY {order_by}"


def write_parquet(con: duckdb.DuckDBPyConnection, sql: str, path: Path) -> int:
    """`sql`'s rows, in its order, as one Parquet file (DuckDB's order-preserving writer;
    fixed codec, level and row-group size); returns the row count. The variants always
    arrive as an Arrow stream (release.snapshot, or the sorted query read as one), so
    every column is OPTIONAL and a rebuild gives the same bytes whichever way they came."""
    rows = con.execute(
        f"COPY ({sql}) TO {_path(path)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 3, "
        f"ROW_GROUP_SIZE {ROW_GROUP_ROWS})").fetchall()
    return int(rows[0][0])


def group_rows() -> int:
    """Rows per row group of the variants' Parquet: DuckDB cuts row groups at whole 2,048-row
    vectors, so ROW_GROUP_ROWS rounded up to them (122,880 is 60 vectors)."""
    return -(-ROW_GROUP_ROWS // 2048) * 2048


def even_stream(schema: pa.Schema, batches: Iterator[pa.RecordBatch]) -> pa.RecordBatchReader:
    """The rows re-cut into batches of exactly `group_rows()` rows (the last one shorter).
    DuckDB's Parquet writer starts a row group wherever an Arrow batch does, so without
    this the file's bytes would depend on where the rows came from (the snapshot's
    per-sample batches, or the sorted query's)."""
    size = group_rows()

    def one(group: list[pa.RecordBatch]) -> pa.RecordBatch:
        return pa.Table.from_batches(group, schema=schema).unify_dictionaries().combine_chunks().to_batches()[0]

    def cut() -> Iterator[pa.RecordBatch]:
        group: list[pa.RecordBatch] = []
        held = 0
        for batch in batches:
            while len(batch):
                take = min(size - held, len(batch))
                group.append(batch.slice(0, take))
                held += take
                batch = batch.slice(take)
                if held == size:
                    yield one(group)
                    group, held = [], 0
        if group:
            yield one(group)

    return pa.RecordBatchReader.from_batches(schema, cut())


def scan_parquet(path: Path) -> str:
    """A query reading a written Parquet file back in its row order."""
    return f"SELECT * FROM read_parquet({_path(path)})"


def write_tsv(con: duckdb.DuckDBPyConnection, sql: str, path: Path, header: bytes = b"") -> int:
    """`sql`'s rows as TSV (DuckDB's CSV writer: tab-separated, quoted only where a value
    needs it, empty for NULL), after the `header` lines if any; returns the row count."""
    target = path.with_name(path.name + ".body") if header else path
    rows = con.execute(f"COPY ({sql}) TO {_path(target)} (FORMAT csv, DELIMITER '\t', HEADER true, NULLSTR '')").fetchall()
    if header:
        _prepend(header, target, path)
    return int(rows[0][0])


def _prepend(header: bytes, body: Path, path: Path) -> None:
    """`header` + `body` into `path`, the body copied inside the kernel."""
    with open(path, "wb") as out, open(body, "rb") as src:
        out.write(header)
        out.flush()
        left = os.fstat(src.fileno()).st_size
        while left > 0:
            sent = os.sendfile(out.fileno(), src.fileno(), None, min(left, 1 << 30))
            if sent == 0:
                raise OSError(f"could not copy {body} into {path}")
            left -= sent
    body.unlink()


# -- VCF (release.variant_text writes them) ------------------------------------------------
def release_filters(con: duckdb.DuckDBPyConnection, rows_sql: str) -> list[str]:
    """Every FILTER id among the released variants (each VCF's header declares them all)."""
    values = con.execute(f"SELECT DISTINCT filter FROM ({rows_sql}) WHERE filter IS NOT NULL").fetchall()
    return sorted({f for (v,) in values for f in v.split(";") if f and f != "."})


# -- metadata.tsv --------------------------------------------------------------------------
METADATA_TABLES = ("sample", "tumor_profile", "patient")


def metadata_sql(store: Store, version: int, items: dict[str, list[str]], maps: Maps) -> str:
    """One row per released sample (like Hartwig's metadata.tsv): pseudonyms, then the
    approved columns of sample, tumor_profile and patient."""
    extra = []
    for alias, table in zip(("s", "tp", "p"), METADATA_TABLES):
        extra += [f"{alias}.{_q(c)}" for c in items.get(table, []) if c not in ("sample_id", "patient_id")]
    return (
        f"SELECT mp.pseudo AS patient_id, ms.pseudo AS sample_id{''.join(', ' + e for e in extra)} "
        f"FROM ({store.relation_sql('sample', version)}) s "
        f"JOIN {maps.sample} ms ON s.sample_id = ms.real_id "
        f"JOIN {maps.patient} mp ON s.patient_id = mp.real_id "
        f"LEFT JOIN ({store.relation_sql('tumor_profile', version)}) tp ON tp.sample_id = s.sample_id "
        f"LEFT JOIN ({store.relation_sql('patient', version)}) p ON p.patient_id = s.patient_id "
        f"ORDER BY mp.pseudo, ms.pseudo"
    )
