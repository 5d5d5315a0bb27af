"""The variants' text files of a release, the TSV table, the MAF and one bgzipped,
tabix-indexed VCF per sample, written in one pass over the released rows.

Libraries write every byte: each slice of rows goes through DuckDB, on a cursor of its
own in a formatting thread (DuckDB releases the GIL): its CSV writer for the TSV and MAF
rows, string expressions for the VCF lines. Each sample's VCF is BGZF-compressed and
tabix-indexed by htslib (pysam) in a worker pool. A hand-written C formatter and tabix
indexer stood here before (release/_text.c, release/_tabix.c); the release's target
(1,000 patients in <= 3 min in a job) holds without them, so they went (issue 19).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pysam
from pysam.libcbgzf import BGZFile

from onconode.model import TABLES_BY_NAME, Kind

COMPRESS_WORKERS = 2  # samples compressed + indexed at once, next to the formatting
FORMAT_WORKERS = 2  # slices of rows formatted at once
SLICE_ROWS = 1 << 16  # rows formatted as one piece (bounds the text held ahead of writing)
IN_FLIGHT = 6  # samples' text held while waiting for a worker (bounds memory)
VCF_CORE = ("sample_id", "chromosome", "position", "ref", "alt")
VCF_TYPES = {Kind.INT: "Integer", Kind.FLOAT: "Float", Kind.BOOL: "Flag"}

OnFile = Callable[[Path, "str | None"], None]  # a finished file and its SHA-256, if known


def can_write_vcf(columns: list[str]) -> bool:
    return all(c in columns for c in VCF_CORE)


def info_columns(columns: list[str]) -> list[str]:
    """The released columns that go into INFO, in the data dictionary's order."""
    return [c.name for c in TABLES_BY_NAME["somatic_variant"].columns
            if c.name in columns and c.name not in VCF_CORE and c.name != "filter"]


def vcf_header(columns: list[str], sample: str, filters: list[str], contigs: list[str], ref_genome: str) -> str:
    t = TABLES_BY_NAME["somatic_variant"]
    lines = ["##fileformat=VCFv4.3", "##source=onconode release", f"##reference={ref_genome}"]
    lines += [f"##contig=<ID={c}>" for c in contigs]
    lines += ['##FILTER=<ID=PASS,Description="All filters passed">']
    lines += [f'##FILTER=<ID={f},Description="See README.md (somatic_variant.filter)">' for f in filters if f != "PASS"]
    for c in t.columns:
        if c.name in info_columns(columns):
            kind = VCF_TYPES.get(c.kind, "String")
            number = "0" if kind == "Flag" else "1"
            desc = c.description.replace('"', "'")
            lines.append(f'##INFO=<ID={c.name.upper()},Number={number},Type={kind},Description="{desc}">')
    lines.append(f"##tumorSample={sample}")
    lines.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO")
    return "\n".join(lines) + "\n"


def tsv_header(columns: list[str]) -> bytes:
    return ("\t".join(columns) + "\n").encode()


BGZF_MODE = "wb1"  # htslib's BGZF at deflate level 1 (VCF text compresses about as well as at 6, 3x faster)
# VCF 4.3 (1.2): characters with a meaning in INFO are percent-encoded; CR and LF too, or a
# value would break its record in two (htslib refuses to index such a file)
INFO_RESERVED = (("%", "%25"), (";", "%3B"), ("=", "%3D"), (" ", "%20"), (",", "%2C"), ("\t", "%09"),
                 ("\r", "%0D"), ("\n", "%0A"))


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def vcf_lines_sql(rows_sql: str, columns: list[str], encoded: frozenset[str] | None = None) -> str:
    """Each row of `rows_sql` as its VCF line (ending in a newline): CHROM POS . REF ALT .
    FILTER INFO, FILTER '.' when NULL, INFO the non-NULL values as KEY=value joined by ';'
    (a true BOOLEAN as its KEY alone; strings percent-encoded as VCF 4.3 asks), '.' when
    there is none. NULL when CHROM, POS, REF or ALT is. `encoded`: the string columns that
    may hold a reserved character (None: all); the others skip eight replace() calls per
    value, most of a line's cost."""
    parts = []
    for c in TABLES_BY_NAME["somatic_variant"].columns:
        if c.name not in info_columns(columns):
            continue
        key = c.name.upper()
        if c.kind == Kind.BOOL:
            parts.append(f"CASE WHEN t.{_q(c.name)} THEN '{key}' END")
        elif c.kind in (Kind.INT, Kind.FLOAT):
            parts.append(f"'{key}=' || CAST(t.{_q(c.name)} AS VARCHAR)")
        else:
            enc = f"t.{_q(c.name)}"
            if encoded is None or c.name in encoded:
                for ch, code in INFO_RESERVED:
                    enc = f"replace({enc}, '{ch}', '{code}')"
            parts.append(f"'{key}=' || {enc}")
    info = f"coalesce(nullif(concat_ws(';', {', '.join(parts)}), ''), '.')" if parts else "'.'"
    filt = "coalesce(t.filter, '.')" if "filter" in columns else "'.'"
    return (f"SELECT t.chromosome || chr(9) || CAST(t.position AS VARCHAR) || chr(9) || '.' || chr(9) || t.ref || chr(9) "
            f"|| t.alt || chr(9) || '.' || chr(9) || {filt} || chr(9) || {info} || chr(10) AS line FROM ({rows_sql}) t")


def maf_sql(rows_sql: str, columns: list[str]) -> str:
    """The MAF rows of `rows_sql` (GDC MAF 2.4 core columns, left-normalized alleles: the
    VCF padding base dropped from indels, '-' for an empty allele, and the optional
    columns the release holds)."""
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


@dataclass
class SampleText:
    """One sample's VCF lines as they arrive (views of the formatted text, no Python
    object per line) and the contigs they name, in order."""

    name: str
    texts: list[memoryview] = field(default_factory=list)
    chroms: list[pa.Array] = field(default_factory=list)
    rows: int = 0

    def add(self, text: memoryview, chroms: pa.Array) -> None:
        self.texts.append(text)
        self.chroms.append(chroms)
        self.rows += len(chroms)

    def contigs(self) -> list[str]:
        if not self.chroms:
            return []
        return pc.unique(pa.concat_arrays([_plain(c) for c in self.chroms])).to_pylist()


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def write_sample(sample: SampleText, folder: Path, columns: list[str], filters: list[str], ref_genome: str,
                 on_file: OnFile) -> None:
    """Compress and index one sample's VCF with htslib (pysam; run in a worker thread).
    Records out of order fail, as they fail `tabix`."""
    header = vcf_header(columns, sample.name, filters, sample.contigs(), ref_genome).encode()
    path = folder / f"{sample.name}.somatic.vcf.gz"
    open(path, "wb").close()  # a clean OSError here: pysam 0.24's BGZFile crashes the process on a path it cannot open
    with BGZFile(str(path), BGZF_MODE) as out:
        out.write(b"".join([header, *sample.texts]))
    try:
        pysam.tabix_index(str(path), preset="vcf", force=True)
    except OSError as e:
        raise ValueError(f"tabix cannot index the VCF of sample {sample.name}: its records are not sorted by contig and "
                         f"position, or a line is malformed (htslib: {e}). The release's rows must come in genomic "
                         f"order per sample.") from e
    for target in (path, path.with_name(path.name + ".tbi")):
        on_file(target, _sha256(target))


def _plain(array: pa.Array) -> pa.Array:
    return array.dictionary_decode() if pa.types.is_dictionary(array.type) else array


def _runs(samples: pa.Array) -> list[tuple[int, int]]:
    """(start, end) of each run of one sample in a batch."""
    if samples.null_count:
        raise ValueError("a released variant has no sample pseudonym")
    if len(samples) < 2:
        return [(0, len(samples))] if len(samples) else []
    change = pc.not_equal(samples.slice(1), samples.slice(0, len(samples) - 1))
    starts = [0] + [int(i) + 1 for i in pc.indices_nonzero(change).to_pylist()]
    return list(zip(starts, starts[1:] + [len(samples)]))


class _Vcfs:
    """Hands each finished sample's text to the worker pool, at most IN_FLIGHT at once."""

    def __init__(self, pool: ThreadPoolExecutor, folder: Path, columns: list[str], filters: list[str],
                 ref_genomes: dict[str, str], on_file: OnFile) -> None:
        self.pool, self.folder, self.columns, self.filters = pool, folder, columns, filters
        self.ref_genomes, self.on_file = ref_genomes, on_file
        self.slots = threading.BoundedSemaphore(IN_FLIGHT)
        self.pending: list[Future] = []
        self.counts: dict[str, int] = {}
        self.current: SampleText | None = None

    def sample(self, name: str) -> SampleText:
        if self.current is None or self.current.name != name:
            if f"{name}.somatic.vcf.gz" in self.counts:
                raise ValueError(f"variants of sample {name} are not contiguous; the release rows are out of order")
            self.flush()
            self.current = SampleText(name)
        return self.current

    def flush(self) -> None:
        if self.current is None:
            return
        self.slots.acquire()
        job = self.pool.submit(write_sample, self.current, self.folder, self.columns, self.filters,
                               self.ref_genomes.get(self.current.name, "unknown"), self.on_file)
        job.add_done_callback(lambda _: self.slots.release())
        self.pending.append(job)
        self.counts[f"{self.current.name}.somatic.vcf.gz"] = self.current.rows
        self.current = None

    def wait(self) -> None:
        for job in self.pending:
            job.result()  # a failed compression or index fails the build


MAF_CORE = ("Tumor_Sample_Barcode", "Chromosome", "Start_Position", "End_Position", "Strand", "Variant_Type",
            "Reference_Allele", "Tumor_Seq_Allele1", "Tumor_Seq_Allele2")
MAF_OPTIONAL = (
    ("gene", "Hugo_Symbol"), ("variant_classification", "Variant_Classification"), ("hgvs_coding", "HGVSc"),
    ("hgvs_protein", "HGVSp"), ("transcript", "Transcript_ID"), ("allele_read_count", "t_alt_count"),
    ("total_read_count", "t_depth"), ("filter", "FILTER"),
)


def maf_header(columns: list[str]) -> bytes:
    names = list(MAF_CORE) + [name for c, name in MAF_OPTIONAL if c in columns]
    return b"#version 2.4\n" + "\t".join(names).encode() + b"\n"


class _HashedFile:
    """A file written in pieces, hashed as it is written (hashlib releases the GIL), so no
    pass over gigabytes of TSV follows the build."""

    def __init__(self, path: Path, on_file: OnFile) -> None:
        self.path, self.on_file = path, on_file
        self.file = open(path, "wb")
        self.sha = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.file.write(data)
        self.sha.update(data)

    def close(self, complete: bool) -> None:
        self.file.close()
        if complete:
            self.on_file(self.path, self.sha.hexdigest())


@dataclass
class _Formatted:
    """One slice of rows as text: its TSV and MAF rows, its VCF lines (one string each),
    and each row's sample and contig, to cut the lines per sample."""

    tsv: bytes
    maf: bytes
    lines: pa.Array
    samples: pa.Array
    chroms: pa.Array


class _Formatter:
    """DuckDB's writers for slices of rows, one cursor per formatting thread (DuckDB runs
    each query without the GIL). The CSV writer writes to a file, so each slice's TSV and
    MAF pass through a scratch file in `scratch` (page cache; deleted at once)."""

    def __init__(self, columns: list[str], scratch: Path) -> None:
        self.columns, self.scratch = columns, scratch
        self.con = duckdb.connect()
        self.local = threading.local()
        self.strings = [c.name for c in TABLES_BY_NAME["somatic_variant"].columns
                        if c.name in info_columns(columns) and c.kind not in (Kind.BOOL, Kind.INT, Kind.FLOAT)]
        self.lines_sql: dict[frozenset[str], str] = {}
        self.maf_sql = maf_sql("SELECT * FROM rows", columns)

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        cur = getattr(self.local, "cur", None)
        if cur is None:
            cur = self.local.cur = self.con.cursor()
        return cur

    def _csv(self, cur: duckdb.DuckDBPyConnection, sql: str) -> bytes:
        fd, name = tempfile.mkstemp(prefix=".text-", suffix=".tsv", dir=self.scratch)
        os.close(fd)
        try:
            cur.execute(f"COPY ({sql}) TO '{name}' (FORMAT csv, DELIMITER '\t', HEADER false, NULLSTR '')").fetchall()
            return Path(name).read_bytes()
        finally:
            os.unlink(name)

    def __call__(self, batch: pa.RecordBatch) -> _Formatted:
        cur = self._cursor()
        cur.register("rows", batch)
        try:
            tsv = self._csv(cur, "SELECT * FROM rows")
            maf = self._csv(cur, self.maf_sql)
            encoded = frozenset(c for c in self.strings if _may_need_encoding(batch.column(c)))
            if encoded not in self.lines_sql:
                self.lines_sql[encoded] = vcf_lines_sql("SELECT * FROM rows", self.columns, encoded)
            lines = cur.sql(self.lines_sql[encoded]).to_arrow_table().column("line").combine_chunks()
        finally:
            cur.unregister("rows")
        if lines.null_count:
            raise ValueError("a VCF line is NULL: a released variant lacks its chromosome, position, REF or ALT")
        return _Formatted(tsv, maf, lines, _plain(batch.column("sample_id")), batch.column("chromosome"))

    def close(self) -> None:
        self.con.close()


RESERVED_PATTERN = "[" + "".join(ch for ch, _ in INFO_RESERVED) + "]"


def _may_need_encoding(values: pa.Array) -> bool:
    """Whether a string column holds a character INFO values must percent-encode (of a
    dictionary column, its dictionary is checked: a few hundred values, not every row)."""
    if pa.types.is_dictionary(values.type):
        values = values.dictionary
    return bool(pc.any(pc.match_substring_regex(values, RESERVED_PATTERN)).as_py())


def _text_of(lines: pa.Array, a: int, b: int) -> memoryview:
    """Lines a..b of a string array as one view of its Arrow data buffer (no copy, no
    Python object per line; the view keeps the buffer alive until the file is written)."""
    part = lines.slice(a, b - a)
    _, offsets, data = part.buffers()
    off = np.frombuffer(offsets, dtype=np.int64 if pa.types.is_large_string(part.type) else np.int32)
    return memoryview(data)[int(off[part.offset]):int(off[part.offset + len(part)])]


def _slices(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Batches of at most SLICE_ROWS rows (a snapshot hands a big sample over in one)."""
    for batch in batches:
        for start in range(0, len(batch), SLICE_ROWS):
            yield batch.slice(start, SLICE_ROWS)


def write_text(batches: Iterator[pa.RecordBatch], columns: list[str], tsv: Path, maf: Path, folder: Path,
               ref_genomes: dict[str, str], filters: list[str], on_file: OnFile = lambda path, digest: None) -> dict[str, int]:
    """The TSV of `columns`, the MAF and one VCF per sample from pseudonymized rows in the
    release's order (by sample, genomic order within; `sample_id` holds the pseudonym, the
    key of `ref_genomes`); `filters`: every FILTER id of the release (each VCF header
    declares them). Returns variants per VCF file name; records out of order fail the
    build, as they would fail `tabix`. `on_file` gets every file written and its SHA-256.
    Slices are formatted by FORMAT_WORKERS threads at once and written in their order."""
    folder.mkdir(parents=True, exist_ok=True)
    formatter = _Formatter(columns, tsv.parent)
    outputs = [_HashedFile(tsv, on_file), _HashedFile(maf, on_file)]
    complete = False
    try:  # the formatter's connection closes once its threads have stopped (the pool's exit waits for them)
        with ThreadPoolExecutor(COMPRESS_WORKERS, thread_name_prefix="vcf") as pool, \
                ThreadPoolExecutor(FORMAT_WORKERS, thread_name_prefix="text") as formatting:
            vcfs = _Vcfs(pool, folder, columns, filters, ref_genomes, on_file)
            ahead: deque[Future] = deque()
            try:
                table_out, maf_out = outputs
                table_out.write(tsv_header(columns))
                maf_out.write(maf_header(columns))

                def write(done: _Formatted) -> None:
                    table_out.write(done.tsv)
                    maf_out.write(done.maf)
                    for a, b in _runs(done.samples):
                        vcfs.sample(done.samples[a].as_py()).add(_text_of(done.lines, a, b), done.chroms.slice(a, b - a))

                for batch in _slices(batches):
                    if len(batch):
                        ahead.append(formatting.submit(formatter, batch))
                    if len(ahead) > 2 * FORMAT_WORKERS:
                        write(ahead.popleft().result())
                while ahead:
                    write(ahead.popleft().result())
                vcfs.flush()
                complete = True
            finally:
                for job in ahead:
                    job.cancel()
                for out in outputs:
                    out.close(complete)
                vcfs.wait()
    finally:
        formatter.close()
    return vcfs.counts
