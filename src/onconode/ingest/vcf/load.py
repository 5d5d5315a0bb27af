"""Somatic VCF → somatic_variant (and tumor_profile) in one store transaction.

The file streams through: chunks are converted on the bulk path, the records it is not
sure about on the careful path, and Arrow batches flow straight into the transaction, so
memory does not grow with the file. Any problem means nothing is loaded: the caller's
transaction rolls back.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from onconode.ingest.problems import IngestError, Problems
from onconode.ingest.report import IngestReport
from onconode.ingest.tsv import refuse_nul
from onconode.ingest.values import to_arrow
from onconode.ingest.vcf import bulk, careful
from onconode.ingest.vcf.ahead import ahead, background
from onconode.ingest.vcf.body import BodyError, Chunk, chunks
from onconode.ingest.vcf.fields import SCHEMA, VCF_COLUMNS
from onconode.ingest.vcf.header import VcfHeader, choose_tumor, read_header, resolve_ref_genome
from onconode.model.tables import SOMATIC_VARIANT, TUMOR_PROFILE
from onconode.progress import Progress, silent
from onconode.store import Store
from onconode.store.transaction import IngestTransaction

NULLABLE = pa.schema([f.with_nullable(True) for f in SCHEMA])
BATCH_ROWS = 32_768  # several batches per chunk, so the store's insert can spread them over its threads


@dataclass
class VcfLoad:
    rows: int
    ref_genome: str
    sample_id: str
    tumor: str = ""
    pipeline: str | None = None


@dataclass
class Opened:
    header: VcfHeader
    tumor: str
    ref_genome: str


def open_vcf(path: Path, tumor: str | None, ref_genome: str | None, problems: Problems) -> Opened | None:
    """Header, tumour column and build, or None with the problems recorded."""
    if not path.is_file():
        problems.error(str(path), None, None, "no such file", "check the path")
        return None
    header = read_header(path, problems)
    if header is None:
        return None
    build = resolve_ref_genome(header, ref_genome, problems)
    column = choose_tumor(header, tumor, problems)
    if build is None or column is None:
        return None
    return Opened(header, column, build)


def record_batches(opened: Opened, sample_id: str, problems: Problems, engine: str = "auto",
                   progress: Progress = silent) -> Iterator[pa.RecordBatch]:
    """somatic_variant batches of the file; `engine` 'careful' sends every record the careful way (tests compare)."""
    header = opened.header
    use_bulk = engine == "bulk" or (engine == "auto" and header.annotation in (None, "IMPACT"))
    ctx = careful.Context(header, opened.tumor, sample_id, opened.ref_genome, problems, seen=None if use_bulk else {})
    converter = bulk.BulkConverter(header, opened.tumor, sample_id, opened.ref_genome) if use_bulk else None

    def convert(chunk: Chunk) -> bulk.BulkResult:
        if converter is None:
            return bulk.BulkResult(None, list(range(chunk.lines)))
        return converter.convert(chunk.data, chunk.lines)

    stream = ahead(background(chunks(header.path, header.lines)), convert)  # inflate and convert each a chunk ahead
    with progress(f"reading {header.path.name}", None) as advance:
        try:
            for chunk, result in stream:
                advance(chunk.lines)
                if b"\0" in chunk.data:
                    _refuse_nul(chunk, header, problems)
                    continue
                if result.table is not None and result.table.num_rows:
                    yield from result.table.to_batches(max_chunksize=BATCH_ROWS)
                if result.hard:
                    rows = _careful_lines(chunk.data, chunk.first_line, result.hard, ctx)
                    if rows:
                        yield from to_arrow(SOMATIC_VARIANT, rows).cast(NULLABLE).to_batches()
                if problems.full:
                    return
        except BodyError as exc:
            problems.error(str(header.path), exc.line, None, exc.message, "get a complete copy of the file")
        finally:
            stream.close()  # the worker is done with the converter before it closes
            if converter is not None:
                converter.close()
    for what, n in ctx.skipped.items():
        problems.warning(str(header.path), None, "ALT", f"skipped {n} record allele(s): {what}", "only SNVs, MNVs and indels are loaded")


def _refuse_nul(chunk: Chunk, header: VcfHeader, problems: Problems) -> None:
    """Report every line of the chunk holding a NUL byte (found by C's memchr, so clean chunks cost nothing)."""
    names = [*VCF_COLUMNS, *header.samples]
    at = chunk.data.find(b"\0")
    while at >= 0 and not problems.full:
        start = chunk.data.rfind(b"\n", 0, at) + 1
        end = chunk.data.find(b"\n", at)
        line = chunk.data[start:end].decode("utf-8", errors="replace")
        refuse_nul(str(header.path), chunk.first_line + chunk.data.count(b"\n", 0, start), line, problems, names)
        at = chunk.data.find(b"\0", end)


def _careful_lines(data: bytes, first_line: int, indices: list[int], ctx: careful.Context) -> list[dict]:
    lines = data.split(b"\n")
    rows: list[dict] = []
    for i in indices:
        try:
            text = lines[i].decode("utf-8")
        except UnicodeDecodeError as exc:
            ctx.problems.error(ctx.shown, first_line + i, None, f"the line is not valid UTF-8 text ({exc.reason})", "save the file as UTF-8")
            continue
        rows.extend(careful.convert(text, first_line + i, ctx))
    return rows


def _duplicates(tx: IngestTransaction, sample_id: str) -> bool:
    """Whether this sample's new rows hold a variant twice (the transaction's own check, asked early and kept for commit)."""
    return any(row[0] == sample_id for row in tx.duplicates("somatic_variant"))


def _report_with_locations(opened: Opened, sample_id: str, problems: Problems) -> None:
    """Re-read the whole file the careful way: every problem (duplicates included) with its line."""
    located = Problems(cap=problems.cap)
    for _ in record_batches(opened, sample_id, located, engine="careful"):
        pass
    for p in located.items:
        problems.add(p)


def load_somatic_vcf(tx: IngestTransaction, path: Path, *, sample_id: str, tumor: str | None, ref_genome: str | None,
                     problems: Problems, progress: Progress = silent) -> VcfLoad:
    """Write the somatic variants of one sample into an open transaction; problems are collected, the caller raises."""
    path = Path(path)
    opened = open_vcf(path, tumor, ref_genome, problems)
    if opened is None:
        return VcfLoad(0, ref_genome or "", sample_id)
    before = len(problems.items)
    reader = pa.RecordBatchReader.from_batches(NULLABLE, record_batches(opened, sample_id, problems, progress=progress))
    rows = tx.replace("somatic_variant", reader, owners=[sample_id])
    if any(p.severity == "error" for p in problems.items[before:]) or _duplicates(tx, sample_id):
        # The bulk pass knows something is wrong but not every detail (duplicates, lines cut
        # short by the stop at the problem cap): the careful pass reports them all, in order.
        del problems.items[before:]
        problems.dropped = 0
        _report_with_locations(opened, sample_id, problems)
    return VcfLoad(rows, opened.ref_genome, sample_id, opened.tumor, opened.header.pipeline)


def ingest_vcf(store: Store, path: Path, *, sample_id: str | None, tumor: str | None, ref_genome: str | None,
               progress: Progress = silent) -> IngestReport:
    """A somatic VCF as one store version; also records the sample's build the first time it is seen."""
    path = Path(path)
    problems = Problems()
    opened = open_vcf(path, tumor, ref_genome, problems)
    problems.raise_if_errors()
    assert opened is not None
    sid = sample_id or opened.tumor
    report = IngestReport(source=f"vcf:{path.name}", samples=[sid])
    with store.transaction(report.source, f"somatic VCF {path.name} as {sid}") as tx:
        known = tx.con.execute(
            'SELECT ref_genome FROM tumor_profile WHERE sample_id = ? AND "_removed" IS NULL', [sid]
        ).fetchall()
        if known and known[0][0] != opened.ref_genome:
            problems.error(str(path), None, None, f"sample {sid} is already in the store on {known[0][0]}, this file is on {opened.ref_genome}",
                           "a sample has one build; lift the file over, or ingest it under another sample id")
            problems.raise_if_errors()
        load = load_somatic_vcf(tx, path, sample_id=sid, tumor=opened.tumor, ref_genome=opened.ref_genome,
                                problems=problems, progress=progress)
        problems.raise_if_errors()
        report.rows["somatic_variant"] = load.rows
        if not known:
            profile = to_arrow(TUMOR_PROFILE, [{"sample_id": sid, "ref_genome": load.ref_genome, "pipeline": load.pipeline}])
            report.rows["tumor_profile"] = tx.replace("tumor_profile", profile, owners=[sid])
    report.version = tx.version
    report.warnings.extend(tx.warnings)
    report.problems.extend(problems.warnings)
    return report


__all__ = ["VcfLoad", "load_somatic_vcf", "ingest_vcf", "IngestError"]
