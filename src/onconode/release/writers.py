"""The files of a release, written from DuckDB in a fixed order with fixed settings, so
the same selection and key always give the same bytes.

Rows are selected inside DuckDB (semi-joins on the released ids), identifiers are
replaced by joining small pseudonym tables, and each table's pseudonymized, ordered rows
are computed ONCE into a temporary DuckDB table (`materialize`) that the Parquet, TSV,
VCF and MAF writers then scan: the selection and its sort are the expensive part, so
they are not repeated per output format. VCF and MAF lines are formatted by DuckDB too
(string expressions), not by a per-row Python loop; bgzip and tabix run in a small
worker pool while DuckDB formats the next samples.
"""

from __future__ import annotations

import subprocess
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from onconode.model import TABLES_BY_NAME, Kind
from onconode.release.pseudonym import ID_COLUMNS
from onconode.store.store import Store

BATCH_ROWS = 200_000
COMPRESS_WORKERS = 2  # bgzip + tabix processes at once, next to DuckDB's formatting
# bgzip level 3: about 2x faster than the default (6) for ~14 % larger VCFs (measured on
# PURPLE somatic VCF text); compression was the longest single step of a build.
BGZF_LEVEL = "3"
VCF_CORE = ("sample_id", "chromosome", "position", "ref", "alt")
VCF_TYPES = {Kind.INT: "Integer", Kind.FLOAT: "Float", Kind.BOOL: "Flag"}
CHROM_RANK = (
    "CASE WHEN regexp_matches(regexp_replace(chromosome, '^chr', ''), '^[0-9]+$') "
    "THEN CAST(regexp_replace(chromosome, '^chr', '') AS INTEGER) "
    "WHEN regexp_replace(chromosome, '^chr', '') = 'X' THEN 23 WHEN regexp_replace(chromosome, '^chr', '') = 'Y' THEN 24 "
    "WHEN regexp_replace(chromosome, '^chr', '') IN ('M', 'MT') THEN 25 ELSE 26 END"
)


@dataclass(frozen=True)
class Maps:
    """Names of the registered DuckDB views real_id -> pseudo, one per identifier kind."""

    patient: str
    sample: str
    treatment: str

    def view(self, column: str) -> str:
        return getattr(self, ID_COLUMNS[column])


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def released_rows_sql(store: Store, version: int, table: str, maps: Maps) -> str:
    """All columns of `table` at `version`, only the released patients' / samples' rows."""
    t = TABLES_BY_NAME[table]
    base = store.relation_sql(table, version)
    if table == "dataset":
        where = f'dataset_id IN (SELECT p.dataset_id FROM ({store.relation_sql("patient", version)}) p ' \
                f'WHERE p.patient_id IN (SELECT real_id FROM {maps.patient}))'
    elif "sample_id" in t.column_names and (table == "sample" or "patient_id" not in t.column_names):
        where = f"sample_id IN (SELECT real_id FROM {maps.sample})"
    elif "patient_id" in t.column_names:
        where = f"patient_id IN (SELECT real_id FROM {maps.patient})"
    else:
        raise ValueError(f"table {table} has no patient, sample or dataset id; it cannot be released per patient")
    return f"SELECT * FROM ({base}) WHERE {where}"


def pseudonymized_sql(rows_sql: str, columns: list[str], maps: Maps, order: list[str]) -> str:
    """Project `columns`, with identifiers replaced by pseudonyms, in a total order: the
    table's key, except that variants come in genomic order per sample (the order VCF and
    MAF are written in, so those writers scan the materialized rows without sorting)."""
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
        order_by = f"{_q('sample_id')} NULLS LAST, {CHROM_RANK}, {order_by}"
    return f"SELECT {', '.join(select)} FROM ({rows_sql}) t {' '.join(joins)} ORDER BY {order_by}"


def materialize(store: Store, sql: str, name: str) -> str:
    """Compute `sql` once into temporary table `name` (rows kept in the query's order:
    DuckDB preserves insertion order) and return a query reading it back."""
    store.con.execute(f"CREATE OR REPLACE TEMP TABLE {_q(name)} AS {sql}")
    return f"SELECT * FROM {_q(name)}"


def drop(store: Store, name: str) -> None:
    store.con.execute(f"DROP TABLE IF EXISTS temp.{_q(name)}")


def _batches(store: Store, sql: str) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    reader = store.con.sql(sql).to_arrow_reader(BATCH_ROWS)
    return reader.schema, iter(reader)


def write_table(store: Store, sql: str, parquet: Path | None, tsv: Path | None) -> int:
    """Write one query to Parquet (streamed Arrow batches, fixed writer settings) and/or
    TSV (DuckDB's CSV writer: tab-separated, quoted only where a value needs it);
    returns the row count."""
    n = 0
    if parquet is not None:
        schema, batches = _batches(store, sql)
        with pq.ParquetWriter(parquet, schema, compression="zstd", compression_level=3, use_dictionary=True,
                              write_statistics=True, version="2.6") as pw:
            for batch in batches:
                pw.write_batch(batch)
                n += batch.num_rows
    if tsv is not None:
        target = str(tsv).replace("'", "''")
        store.con.execute(f"COPY ({sql}) TO '{target}' (FORMAT csv, DELIMITER '\t', HEADER true, NULLSTR '')")
        if parquet is None:
            n = int(store.con.execute(f"SELECT count(*) FROM ({sql})").fetchall()[0][0])
    return n


# -- VCF ---------------------------------------------------------------------------------
def can_write_vcf(columns: list[str]) -> bool:
    return all(c in columns for c in VCF_CORE)


def _info_expr(columns: list[str]) -> str:
    t = TABLES_BY_NAME["somatic_variant"]
    parts = []
    for c in t.columns:
        if c.name not in columns or c.name in VCF_CORE or c.name == "filter":
            continue
        key = c.name.upper()
        if c.kind == Kind.BOOL:
            parts.append(f"CASE WHEN t.{_q(c.name)} THEN '{key}' END")
        elif c.kind in (Kind.INT, Kind.FLOAT):
            parts.append(f"'{key}=' || CAST(t.{_q(c.name)} AS VARCHAR)")
        else:  # VCF 4.3 percent-encodes the characters INFO values may not hold
            enc = f"t.{_q(c.name)}"
            for ch, code in (("%", "%25"), (";", "%3B"), ("=", "%3D"), (" ", "%20"), (",", "%2C"), ("\t", "%09")):
                enc = f"replace({enc}, '{ch}', '{code}')"
            parts.append(f"'{key}=' || {enc}")
    return f"coalesce(nullif(concat_ws(';', {', '.join(parts)}), ''), '.')" if parts else "'.'"


def vcf_header(columns: list[str], sample: str, filters: list[str], contigs: list[str], ref_genome: str) -> str:
    t = TABLES_BY_NAME["somatic_variant"]
    lines = ["##fileformat=VCFv4.3", "##source=onconode release", f"##reference={ref_genome}"]
    lines += [f"##contig=<ID={c}>" for c in contigs]
    lines += ['##FILTER=<ID=PASS,Description="All filters passed">']
    lines += [f'##FILTER=<ID={f},Description="See README.md (somatic_variant.filter)">' for f in filters if f != "PASS"]
    for c in t.columns:
        if c.name in columns and c.name not in VCF_CORE and c.name != "filter":
            kind = VCF_TYPES.get(c.kind, "String")
            number = "0" if kind == "Flag" else "1"
            desc = c.description.replace('"', "'")
            lines.append(f'##INFO=<ID={c.name.upper()},Number={number},Type={kind},Description="{desc}">')
    lines.append(f"##tumorSample={sample}")
    lines.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO")
    return "\n".join(lines) + "\n"


def _compress_and_index(path: Path) -> None:
    subprocess.run(["bgzip", "-f", "-l", BGZF_LEVEL, "--threads", "1", str(path)], check=True, capture_output=True)
    subprocess.run(["tabix", "-f", "-p", "vcf", str(path) + ".gz"], check=True, capture_output=True)


def _text_of(lines: pa.Array, a: int, b: int) -> bytes:
    """Values a..b of a string array (each ending in a newline) as one byte string, cut
    straight from the Arrow data buffer: no Python object per line."""
    part = lines.slice(a, b - a)
    if not (pa.types.is_string(part.type) or pa.types.is_large_string(part.type)) or part.null_count:
        return "".join(part.to_pylist()).encode()  # other layouts: slower, same bytes (a null fails here)
    _, offsets, data = part.buffers()
    off = np.frombuffer(offsets, dtype=np.int64 if pa.types.is_large_string(part.type) else np.int32)
    return bytes(memoryview(data)[int(off[part.offset]):int(off[part.offset + len(part)])])


def write_vcfs(store: Store, rows_sql: str, columns: list[str], folder: Path, ref_genomes: dict[str, str]) -> dict[str, int]:
    """One bgzipped, tabix-indexed VCF per sample from pseudonymized rows in genomic order
    (`pseudonymized_sql`; `sample_id` holds the release's pseudonym, `ref_genomes` is
    keyed by it); returns variants per file name. One scan writes every file (tabix
    refuses a file out of order, so a wrong order fails the build); compression runs in
    a worker pool."""
    filt = "coalesce(t.filter, '.')" if "filter" in columns else "'.'"
    sql = (
        f"SELECT t.sample_id AS sample, t.chromosome AS chrom, t.chromosome || chr(9) || CAST(t.position AS VARCHAR) || chr(9) || '.' || chr(9) "
        f"|| t.ref || chr(9) || t.alt || chr(9) || '.' || chr(9) || {filt} || chr(9) || {_info_expr(columns)} || chr(10) AS line "
        f"FROM ({rows_sql}) t"
    )
    filters = []
    if "filter" in columns:
        filters = sorted({f for (v,) in store.con.execute(f"SELECT DISTINCT filter FROM ({rows_sql}) WHERE filter IS NOT NULL").fetchall()
                          for f in v.split(";") if f and f != "."})
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    current: dict = {"sample": None, "chunks": [], "rows": 0, "contigs": {}}
    pending: list[Future] = []

    def flush(pool: ThreadPoolExecutor) -> None:
        if current["sample"] is None:
            return
        path = folder / f"{current['sample']}.somatic.vcf"
        header = vcf_header(columns, current["sample"], filters, list(current["contigs"]), ref_genomes.get(current["sample"], "unknown"))
        with open(path, "wb") as f:
            f.write(header.encode())
            f.writelines(current["chunks"])
        pending.append(pool.submit(_compress_and_index, path))
        counts[path.name + ".gz"] = current["rows"]

    with ThreadPoolExecutor(COMPRESS_WORKERS) as pool:
        _, batches = _batches(store, sql)
        for batch in batches:
            # Rows arrive grouped by sample: handle each run of one sample at C speed.
            samples = batch.column("sample")
            change = pc.not_equal(samples.slice(1), samples.slice(0, len(samples) - 1)) if len(samples) > 1 else pa.array([], pa.bool_())
            starts = [0] + [int(i) + 1 for i in pc.indices_nonzero(change).to_pylist()]
            ends = starts[1:] + [len(samples)]
            lines = batch.column("line")
            chroms = batch.column("chrom")
            for a, b in zip(starts, ends):
                sample = samples[a].as_py()
                if sample != current["sample"]:
                    flush(pool)
                    current.update(sample=sample, chunks=[], rows=0, contigs={})
                current["chunks"].append(_text_of(lines, a, b))
                current["rows"] += b - a
                current["contigs"].update(dict.fromkeys(pc.unique(chroms.slice(a, b - a)).to_pylist()))
        flush(pool)
        for job in pending:
            job.result()  # a failed bgzip/tabix fails the build
    return counts


# -- MAF ---------------------------------------------------------------------------------
MAF_OPTIONAL = (
    ("gene", "Hugo_Symbol"), ("variant_classification", "Variant_Classification"), ("hgvs_coding", "HGVSc"),
    ("hgvs_protein", "HGVSp"), ("transcript", "Transcript_ID"), ("allele_read_count", "t_alt_count"),
    ("total_read_count", "t_depth"), ("filter", "FILTER"),
)


def maf_sql(rows_sql: str, columns: list[str]) -> str:
    """MAF 2.4 columns from pseudonymized rows in genomic order (kept: DuckDB preserves
    the scan's order): VCF alleles converted to MAF's convention (no padding base,
    '-' for the empty allele, insertions span the two flanking positions)."""
    optional = [f"t.{_q(c)} AS {name}" for c, name in MAF_OPTIONAL if c in columns]
    return f"""
    WITH v AS (
      SELECT t.*, length(t.ref) AS lr, length(t.alt) AS la,
             lr <> la AND lr >= 1 AND la >= 1 AND substr(t.ref, 1, 1) = substr(t.alt, 1, 1) AS padded
      FROM ({rows_sql}) t)
    SELECT t.sample_id AS Tumor_Sample_Barcode, t.chromosome AS Chromosome,
      CASE WHEN t.padded AND t.la > t.lr THEN t.position WHEN t.padded THEN t.position + 1 ELSE t.position END AS Start_Position,
      CASE WHEN t.padded AND t.la > t.lr THEN t.position + 1 WHEN t.padded THEN t.position + t.lr - 1 ELSE t.position + t.lr - 1 END AS End_Position,
      '+' AS Strand,
      CASE WHEN t.lr = t.la THEN (CASE t.lr WHEN 1 THEN 'SNP' WHEN 2 THEN 'DNP' WHEN 3 THEN 'TNP' ELSE 'ONP' END)
           WHEN t.la > t.lr THEN 'INS' ELSE 'DEL' END AS Variant_Type,
      CASE WHEN t.padded THEN coalesce(nullif(substr(t.ref, 2), ''), '-') ELSE t.ref END AS Reference_Allele,
      CASE WHEN t.padded THEN coalesce(nullif(substr(t.ref, 2), ''), '-') ELSE t.ref END AS Tumor_Seq_Allele1,
      CASE WHEN t.padded THEN coalesce(nullif(substr(t.alt, 2), ''), '-') ELSE t.alt END AS Tumor_Seq_Allele2
      {''.join(', ' + o for o in optional)}
    FROM v t
    """


def write_maf(store: Store, sql: str, path: Path) -> int:
    tmp = path.with_suffix(".body")
    n = write_table(store, sql, None, tmp)
    with open(path, "wb") as out, open(tmp, "rb") as body:
        out.write(b"#version 2.4\n")
        while chunk := body.read(1 << 20):
            out.write(chunk)
    tmp.unlink()
    return n


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
