"""`onconode synth --into-store`: the cohort straight into one store transaction.

Each table goes to the transaction once (the store retires and checks rows per call, so
one call per table keeps the load linear). Genomes are generated on every core
(parallel.py) and arrive in cohort order; their somatic variants stream into the store as
a RecordBatchReader while the small per-sample tables are collected, so memory holds a
few chunks of variants, never the cohort's. DuckDB has one writer: this process.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

import pyarrow as pa

from onconode.ingest.report import IngestReport
from onconode.model.tables import SOMATIC_VARIANT
from onconode.progress import Progress, silent
from onconode.store import Store
from onconode.synth.clinical import clinical_tables
from onconode.synth.cohort import build
from onconode.synth.genome import DEFAULT_GENERATION, SMALL_TABLES
from onconode.synth.mode import mode
from onconode.synth.panel import gene_panel_table
from onconode.synth.parallel import Chunk, genomes

STORE_MEMORY_LIMIT = "3GB"   # DuckDB's share; workers and Arrow chunks come on top


def load_cohort(store: Store, *, patients: int, seed: int, median_variants: int | None,
                progress: Progress = silent, workers: int | None = None,
                generation: str = DEFAULT_GENERATION) -> IngestReport:
    """Build the cohort and load every table in one version. `workers` processes generate
    the genomes (default one per core); the rows do not depend on it."""
    cohort = build(patients, seed)
    report = IngestReport(source="synth")
    report.patients = [p["patient_id"] for p in cohort.patients]
    report.samples = [p.sample_id for p in cohort.params]
    with _memory_limit(store, STORE_MEMORY_LIMIT), genomes(seed, cohort.params, median_variants, workers, generation) as chunks, \
            store.transaction("synth", f"synthetic cohort: {patients} patients, seed {seed}") as tx:
        for name, table in clinical_tables(cohort).items():
            report.rows[name] = tx.replace(name, table)
        small: dict[str, list[pa.Table]] = {name: [] for name in SMALL_TABLES}
        with progress("genomes", len(cohort.params)) as advance:
            failed: list[BaseException] = []
            reader = pa.RecordBatchReader.from_batches(SOMATIC_VARIANT.arrow_schema,
                                                       _variants(chunks, small, advance, failed))
            try:
                report.rows["somatic_variant"] = tx.replace("somatic_variant", reader)
            except Exception:
                if failed:   # DuckDB wraps the generator's error in its own; report the cause itself
                    raise failed[0] from None
                raise
        for name in SMALL_TABLES:
            report.rows[name] = tx.replace(name, pa.concat_tables(small.pop(name)))
        if any(mode(seed, p).targeted for p in cohort.params):   # the panel's genes, as an ingest of --out stores them
            report.rows["gene_panel"] = tx.replace("gene_panel", gene_panel_table())
    report.version = tx.version
    report.warnings.extend(tx.warnings)
    return report


@contextmanager
def _memory_limit(store: Store, limit: str) -> Iterator[None]:
    """DuckDB's memory limit for the load, then the previous one again. The commit-time
    key check groups every incoming variant; capped, DuckDB spills it to disk instead of
    holding ~100 bytes per variant in memory (10 GB at 100M variants)."""
    before = store.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    store.con.execute("SET memory_limit = ?", [limit])
    try:
        yield
    finally:
        store.con.execute("SET memory_limit = ?", [before])


def _variants(chunks: Iterator[Chunk], small: dict[str, list[pa.Table]], advance: Callable[[int], None],
              failed: list[BaseException]) -> Iterator[pa.RecordBatch]:
    """The chunks' variant batches, setting their small tables aside on the way (and an
    error of the generation aside in `failed`)."""
    try:
        for chunk in chunks:
            for name, table in chunk.tables.items():
                small[name].append(table)
            advance(chunk.samples)
            yield from chunk.variants.to_batches()
    except Exception as exc:
        failed.append(exc)
        raise
