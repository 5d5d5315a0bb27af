"""The variants' text files of a release, the TSV table, the MAF and one bgzipped,
tabix-indexed VCF per sample, written in one pass over the released rows.

Why one pass in C (release._text): DuckDB's CSV writer and string expressions formatted
the same 12 million variants three times, at ~2 µs a row, on one core each. Here every batch
is formatted once into the three texts with the GIL released, in DuckDB's own bytes (the
tests compare them), while DuckDB writes the Parquet file beside it. The
VCF text is cut per sample (views of the formatted bytes, no Python object per line)
and compressed and indexed in a worker pool (release.bgzf, release.tabix).
"""

from __future__ import annotations

import hashlib
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from onconode.model import TABLES_BY_NAME, Kind
from onconode.release import _text, bgzf, tabix

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


@dataclass
class SampleText:
    """One sample's VCF lines as they arrive: views of formatted text and, per line, its
    offset in the view, contig, position and REF length."""

    name: str
    texts: list[memoryview] = field(default_factory=list)
    starts: list[np.ndarray] = field(default_factory=list)
    chroms: list[pa.Array] = field(default_factory=list)
    positions: list[np.ndarray] = field(default_factory=list)
    ref_lengths: list[np.ndarray] = field(default_factory=list)
    rows: int = 0

    def add(self, text: memoryview, starts: np.ndarray, chroms: pa.Array, positions: np.ndarray,
            ref_lengths: np.ndarray) -> None:
        self.texts.append(text)
        self.starts.append(starts)
        self.chroms.append(chroms)
        self.positions.append(positions)
        self.ref_lengths.append(ref_lengths)
        self.rows += len(starts)


def write_sample(sample: SampleText, folder: Path, columns: list[str], filters: list[str], ref_genome: str,
                 on_file: OnFile) -> None:
    """Compress and index one sample's VCF (run in a worker thread: libdeflate, hashlib
    and numpy release the GIL)."""
    encoded = pa.concat_arrays(sample.chroms).dictionary_encode() if sample.chroms else pa.array([], pa.string()).dictionary_encode()
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


def _plain(array: pa.Array) -> pa.Array:
    return array.dictionary_decode() if pa.types.is_dictionary(array.type) else array


def _capsule(array: pa.Array):
    return array.__arrow_c_array__()


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
    """One slice of rows as text: its TSV and MAF rows, its VCF lines with each line's
    start and REF length, and what cutting the lines per sample and indexing needs."""

    tsv: bytes
    maf: bytes
    vcf: bytes
    starts: np.ndarray
    ref_lengths: np.ndarray
    samples: pa.Array
    chroms: pa.Array
    positions: np.ndarray


@dataclass(frozen=True)
class _Layout:
    columns: list[str]
    info: list[str]
    keys: list[bytes]
    extra: list[str]

    @classmethod
    def of(cls, columns: list[str]) -> "_Layout":
        info = info_columns(columns)
        return cls(columns, info, [c.upper().encode() for c in info], [c for c, _ in MAF_OPTIONAL if c in columns])


def _format(batch: pa.RecordBatch, layout: _Layout) -> _Formatted:
    """Runs in a formatting thread: the C calls release the GIL."""
    n = len(batch)
    col = {c: batch.column(c) for c in layout.columns}
    tsv = _text.tsv([_capsule(col[c]) for c in layout.columns], n)
    vcf, starts, lengths = _text.vcf(
        [_capsule(col[c]) for c in ("chromosome", "position", "ref", "alt")],
        _capsule(col["filter"]) if "filter" in col else None, [_capsule(col[c]) for c in layout.info], layout.keys, n)
    maf = _text.maf([_capsule(col[c]) for c in VCF_CORE], [_capsule(col[c]) for c in layout.extra], n)
    return _Formatted(tsv, maf, vcf, np.frombuffer(starts, np.int64), np.frombuffer(lengths, np.int64),
                      _plain(col["sample_id"]), _plain(col["chromosome"]),
                      col["position"].to_numpy(zero_copy_only=False).astype(np.int64))


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
    layout = _Layout.of(columns)
    folder.mkdir(parents=True, exist_ok=True)
    outputs = [_HashedFile(tsv, on_file), _HashedFile(maf, on_file)]
    complete = False
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
                view, n = memoryview(done.vcf), len(done.starts)
                for a, b in _runs(done.samples):
                    end = int(done.starts[b]) if b < n else len(done.vcf)
                    vcfs.sample(done.samples[a].as_py()).add(
                        view[int(done.starts[a]):end], done.starts[a:b] - done.starts[a], done.chroms.slice(a, b - a),
                        done.positions[a:b], done.ref_lengths[a:b])

            for batch in _slices(batches):
                if len(batch):
                    ahead.append(formatting.submit(_format, batch, layout))
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
    return vcfs.counts
