"""The files of a release, written from DuckDB in a fixed order with fixed settings, so
the same selection and key always give the same bytes.

Rows are selected inside DuckDB (semi-joins on the released ids), identifiers are
replaced by joining small pseudonym tables, and each table's pseudonymized, ordered rows
are computed ONCE, straight into the release's own Parquet file by DuckDB's `COPY`
(parallel, spilling its sort to disk under the build's memory limit instead of holding
a 20-million-row table in memory). TSV, VCF and MAF are then written by scanning that
Parquet file in its order: DuckDB's CSV writer for TSV and MAF, DuckDB string
expressions for the VCF lines, which are cut per sample from the Arrow buffers (no
Python object per variant) and BGZF-compressed and indexed in a worker pool
(release.bgzf, release.tabix) while DuckDB formats the next samples.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from onconode.model import TABLES_BY_NAME, Kind
from onconode.release import bgzf, tabix
from onconode.release.pseudonym import ID_COLUMNS
from onconode.store.store import Store

BATCH_ROWS = 200_000
COMPRESS_WORKERS = 2  # samples compressed + indexed at once, next to DuckDB's formatting
IN_FLIGHT = 6  # samples' text held while waiting for a worker (bounds memory)
ROW_GROUP_ROWS = 122_880  # DuckDB's default, fixed here so a rebuild splits rows identically
VECTOR_ROWS = 2_048  # DuckDB's vector size (STANDARD_VECTOR_SIZE)
VCF_CORE = ("sample_id", "chromosome", "position", "ref", "alt")
VCF_TYPES = {Kind.INT: "Integer", Kind.FLOAT: "Float", Kind.BOOL: "Flag"}
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


OnFile = Callable[[Path, "str | None"], None]  # a finished file and its SHA-256, if known


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


def write_parquet(store: Store, sql: str, path: Path) -> int:
    """`sql`'s rows, in its order, as one Parquet file (DuckDB's parallel, order-preserving
    writer; fixed codec, level and row-group size); returns the row count."""
    rows = store.con.execute(
        f"COPY ({sql}) TO {_path(path)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 3, "
        f"ROW_GROUP_SIZE {ROW_GROUP_ROWS})").fetchall()
    return int(rows[0][0])


NO_ID = "\x01no-such-id"  # matches no row: the probe in `optional_columns`


def optional_columns(store: Store, sql: str, folder: Path) -> set[str]:
    """The columns DuckDB's Parquet writer marks OPTIONAL (may be NULL) when it writes
    `sql`. It decides from its statistics (the store's column statistics, joins), not from
    the rows written, so the same query with no rows (`NO_ID` in the id filter) tells."""
    probe = folder / ".nullability.parquet"
    try:
        store.con.execute(f"COPY ({sql}) TO {_path(probe)} (FORMAT parquet)")
        rows = store.con.execute(f"SELECT name, repetition_type FROM parquet_schema({_path(probe)})").fetchall()
    finally:
        probe.unlink(missing_ok=True)
    return {name for name, repetition in rows[1:] if repetition == "OPTIONAL"}


def _regrouped(batches: Iterator[pa.RecordBatch], rows: int) -> Iterator[list[pa.RecordBatch]]:
    """The batches re-cut into groups of exactly `rows` rows (the last one shorter): DuckDB
    writes each row group it reads as its own, so these must fall where the SQL path's do."""
    group: list[pa.RecordBatch] = []
    held = 0
    for batch in batches:
        while len(batch):
            take = min(rows - held, len(batch))
            group.append(batch.slice(0, take))
            held += take
            batch = batch.slice(take)
            if held == rows:
                yield group
                group, held = [], 0
    if group:
        yield group


def group_rows() -> int:
    """Rows per row group of the release's Parquet files: DuckDB cuts row groups at whole
    vectors (2,048 rows), so ROW_GROUP_ROWS rounded up to them (122,880 is 60 vectors)."""
    return -(-ROW_GROUP_ROWS // VECTOR_ROWS) * VECTOR_ROWS


def _prepared_groups(batches: Iterator[pa.RecordBatch], schema: pa.Schema, size: int) -> Iterator[pa.Table]:
    """The rows as tables of `size` rows (the last one shorter), one dictionary per string
    column and table (Arrow's Parquet writer then writes the indices as they are instead
    of encoding every string again)."""
    for group in _regrouped(batches, size):
        table = pa.Table.from_batches([pa.RecordBatch.from_arrays(b.columns, schema=schema) for b in group], schema=schema)
        yield table.unify_dictionaries()


def write_parquet_batches(store: Store, schema: pa.Schema, batches: Iterator[pa.RecordBatch], optional: set[str],
                          path: Path) -> int:
    """Rows already in the release's order (release.snapshot) written by the same DuckDB
    COPY as `write_parquet`, so the file's bytes do not depend on where the rows came from.
    DuckDB's Arrow scan has no statistics (every column would be OPTIONAL), so the rows go
    through an uncompressed Parquet file first whose schema and statistics tell DuckDB
    which columns cannot be NULL (`optional_columns`: those of the SQL path), in row groups
    where the SQL path's fall (`group_rows()`). (Reading the rows in a worker thread while
    this one encodes them was measured: 1-2 s of ~22 s, within the machine's noise.)"""
    import pyarrow.parquet as pq

    schema = pa.schema([f.with_nullable(f.name in optional) for f in schema])
    rows = path.with_name(f".{path.name}.rows")
    size = group_rows()
    try:
        with pq.ParquetWriter(rows, schema, compression="none",
                              write_statistics=[c for c in schema.names if c not in optional]) as out:
            for table in _prepared_groups(batches, schema, size):
                out.write_table(table, row_group_size=size)
        return write_parquet(store, scan_parquet(rows), path)
    finally:
        rows.unlink(missing_ok=True)


def scan_parquet(path: Path) -> str:
    """A query reading a written Parquet file back in its row order."""
    return f"SELECT * FROM read_parquet({_path(path)})"


def write_tsv(store: Store, sql: str, path: Path, header: bytes = b"") -> int:
    """`sql`'s rows as TSV (DuckDB's CSV writer: tab-separated, quoted only where a value
    needs it, empty for NULL), after the `header` lines if any; returns the row count."""
    target = path.with_name(path.name + ".body") if header else path
    rows = store.con.execute(f"COPY ({sql}) TO {_path(target)} (FORMAT csv, DELIMITER '\t', HEADER true, NULLSTR '')").fetchall()
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


def _batches(store: Store, sql: str) -> Iterator[pa.RecordBatch]:
    return iter(store.con.sql(sql).to_arrow_reader(BATCH_ROWS))


# -- VCF ---------------------------------------------------------------------------------
def can_write_vcf(columns: list[str]) -> bool:
    return all(c in columns for c in VCF_CORE)


INFO_RESERVED = (("%", "%25"), (";", "%3B"), ("=", "%3D"), (" ", "%20"), (",", "%2C"), ("\t", "%09"))


def _info_expr(columns: list[str], encoded: set[str] | None = None) -> str:
    """The INFO field; `encoded`: the string columns that hold a character INFO values may
    not (the others skip six replace() calls per value, ~a third of the line's cost)."""
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
            if encoded is None or c.name in encoded:
                for ch, code in INFO_RESERVED:
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


@dataclass
class _SampleText:
    """One sample's VCF lines as they arrive from DuckDB: text pieces cut from the Arrow
    buffers and, per line, its offset in the piece, contig, position and REF length."""

    name: str
    texts: list[memoryview]
    starts: list[np.ndarray]
    chroms: list[pa.Array]
    positions: list[np.ndarray]
    ref_lengths: list[np.ndarray]
    rows: int = 0


def _text_of(lines: pa.Array, a: int, b: int) -> tuple[memoryview, np.ndarray]:
    """Values a..b of a string array (each ending in a newline) as one view of the Arrow
    data buffer (no copy, no Python object per line; the view keeps the buffer alive until
    the sample's file is written), and each value's start in it."""
    part = lines.slice(a, b - a)
    if not (pa.types.is_string(part.type) or pa.types.is_large_string(part.type)) or part.null_count:
        raise ValueError("a VCF line is NULL: a released variant lacks its chromosome, position, REF or ALT")
    _, offsets, data = part.buffers()
    off = np.frombuffer(offsets, dtype=np.int64 if pa.types.is_large_string(part.type) else np.int32)[part.offset:part.offset + len(part) + 1]
    return memoryview(data)[int(off[0]):int(off[-1])], (off[:-1] - off[0]).astype(np.int64)


def _write_sample(sample: _SampleText, folder: Path, columns: list[str], filters: list[str], ref_genome: str,
                  on_file: OnFile) -> None:
    """Compress and index one sample's VCF (run in a worker thread: ISA-L, hashlib and
    numpy release the GIL)."""
    import hashlib

    encoded = pa.concat_arrays(sample.chroms).dictionary_encode()
    contigs = encoded.dictionary.to_pylist()
    header = vcf_header(columns, sample.name, filters, contigs, ref_genome).encode()
    sizes = np.array([len(t) for t in sample.texts], dtype=np.int64)
    shift = len(header) + np.concatenate(([0], np.cumsum(sizes)[:-1]))
    starts = np.concatenate([s + k for s, k in zip(sample.starts, shift)]) if sample.texts else np.zeros(0, np.int64)
    data = b"".join([header, *sample.texts])
    compressed, blocks = bgzf.compress(data)
    index = tabix.build(contigs, encoded.indices.to_numpy(zero_copy_only=False),
                        np.concatenate(sample.positions) - 1 if sample.positions else np.zeros(0, np.int64),
                        np.concatenate(sample.ref_lengths) if sample.ref_lengths else np.zeros(0, np.int64),
                        starts, len(data), blocks)
    path = folder / f"{sample.name}.somatic.vcf.gz"
    for target, content in ((path, compressed), (path.with_name(path.name + ".tbi"), index)):
        target.write_bytes(content)
        on_file(target, hashlib.sha256(content).hexdigest())


def write_vcfs(store: Store, rows_sql: str, columns: list[str], folder: Path, ref_genomes: dict[str, str],
               on_file: OnFile = lambda path, digest: None) -> dict[str, int]:
    """One bgzipped, tabix-indexed VCF per sample from pseudonymized rows in genomic order
    (`pseudonymized_sql`; `sample_id` holds the release's pseudonym, `ref_genomes` is
    keyed by it); returns variants per file name. One scan writes every file (records out
    of order fail the build, as they would fail `tabix`); compression and indexing run in
    a worker pool; `on_file` gets each written file and its SHA-256."""
    filt = "coalesce(t.filter, '.')" if "filter" in columns else "'.'"
    strings = [c.name for c in TABLES_BY_NAME["somatic_variant"].columns
               if c.name in columns and c.name not in VCF_CORE and c.name != "filter" and c.kind not in (Kind.BOOL, Kind.INT, Kind.FLOAT)]
    encoded = set()
    if strings:
        # contains() per character: half the time of one regexp_matches with a class
        checks = [" OR ".join(f"contains({_q(c)}, '{ch}')" for ch, _ in INFO_RESERVED) for c in strings]
        found = store.con.execute(f"SELECT {', '.join(f'bool_or({x})' for x in checks)} FROM ({rows_sql})").fetchall()[0]
        encoded = {c for c, hit in zip(strings, found) if hit}
    sql = (
        f"SELECT t.sample_id AS sample, t.chromosome AS chrom, t.position AS pos, length(t.ref) AS ref_length, "
        f"t.chromosome || chr(9) || CAST(t.position AS VARCHAR) || chr(9) || '.' || chr(9) "
        f"|| t.ref || chr(9) || t.alt || chr(9) || '.' || chr(9) || {filt} || chr(9) || {_info_expr(columns, encoded)} || chr(10) AS line "
        f"FROM ({rows_sql}) t"
    )
    filters = []
    if "filter" in columns:
        filters = sorted({f for (v,) in store.con.execute(f"SELECT DISTINCT filter FROM ({rows_sql}) WHERE filter IS NOT NULL").fetchall()
                          for f in v.split(";") if f and f != "."})
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    slots = threading.BoundedSemaphore(IN_FLIGHT)
    pending: list[Future] = []
    current: _SampleText | None = None

    def done(job: Future) -> None:
        slots.release()

    def flush(pool: ThreadPoolExecutor) -> None:
        if current is None:
            return
        slots.acquire()
        job = pool.submit(_write_sample, current, folder, columns, filters, ref_genomes.get(current.name, "unknown"), on_file)
        job.add_done_callback(done)
        pending.append(job)
        counts[f"{current.name}.somatic.vcf.gz"] = current.rows

    with ThreadPoolExecutor(COMPRESS_WORKERS) as pool:
        try:
            for batch in _batches(store, sql):
                # Rows arrive grouped by sample: handle each run of one sample at C speed.
                samples = batch.column("sample")
                if samples.null_count:
                    raise ValueError("a released variant has no sample pseudonym")
                change = pc.not_equal(samples.slice(1), samples.slice(0, len(samples) - 1)) if len(samples) > 1 else pa.array([], pa.bool_())
                starts = [0] + [int(i) + 1 for i in pc.indices_nonzero(change).to_pylist()]
                ends = starts[1:] + [len(samples)]
                lines, chroms = batch.column("line"), batch.column("chrom")
                positions = batch.column("pos").to_numpy(zero_copy_only=False)
                ref_lengths = batch.column("ref_length").to_numpy(zero_copy_only=False)
                for a, b in zip(starts, ends):
                    sample = samples[a].as_py()
                    if current is None or sample != current.name:
                        if f"{sample}.somatic.vcf.gz" in counts:
                            raise ValueError(f"variants of sample {sample} are not contiguous; the release rows are out of order")
                        flush(pool)
                        current = _SampleText(sample, [], [], [], [], [])
                    text, offsets = _text_of(lines, a, b)
                    current.texts.append(text)
                    current.starts.append(offsets)
                    current.chroms.append(chroms.slice(a, b - a))
                    current.positions.append(positions[a:b].astype(np.int64))
                    current.ref_lengths.append(ref_lengths[a:b].astype(np.int64))
                    current.rows += b - a
            flush(pool)
        finally:
            for job in pending:
                job.result()  # a failed compression or index fails the build
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
    return write_tsv(store, sql, path, header=b"#version 2.4\n")


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
