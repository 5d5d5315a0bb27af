"""`onconode synth --into-store`: the cohort straight into one store transaction.

Each table goes to the transaction once (the store retires and checks rows per call, so
one call per table keeps the load linear). The small per-sample tables are collected in
memory; somatic variants stream as a RecordBatchReader, generated a sample at a time, so
memory holds one batch, never the cohort's variants.
"""

from __future__ import annotations

from typing import Iterator

import pyarrow as pa

from onconode.ingest.report import IngestReport
from onconode.model.tables import SOMATIC_VARIANT
from onconode.progress import Progress, silent
from onconode.store import Store
from onconode.synth.clinical import clinical_tables
from onconode.synth.cohort import Cohort, build
from onconode.synth.genome import sample_tables, sample_variants

BATCH_ROWS = 1_000_000


def load_cohort(store: Store, *, patients: int, seed: int, median_variants: int | None,
                progress: Progress = silent) -> IngestReport:
    cohort = build(patients, seed)
    report = IngestReport(source="synth")
    report.patients = [p["patient_id"] for p in cohort.patients]
    report.samples = [p.sample_id for p in cohort.params]
    with store.transaction("synth", f"synthetic cohort: {patients} patients, seed {seed}") as tx:
        for name, table in clinical_tables(cohort).items():
            report.rows[name] = tx.replace(name, table)
        small: dict[str, list[pa.Table]] = {}
        with progress("copy number, SVs, drivers", len(cohort.params)) as advance:
            for p in cohort.params:
                for name, table in sample_tables(seed, p, median_variants, variants=False).items():
                    small.setdefault(name, []).append(table)
                advance(1)
        for name, tables in small.items():
            report.rows[name] = tx.replace(name, pa.concat_tables(tables))
        small.clear()
        with progress("somatic variants", len(cohort.params)) as advance:
            reader = pa.RecordBatchReader.from_batches(
                SOMATIC_VARIANT.arrow_schema, _variant_batches(cohort, seed, median_variants, advance))
            report.rows["somatic_variant"] = tx.replace("somatic_variant", reader)
    report.version = tx.version
    report.warnings.extend(tx.warnings)
    return report


def _variant_batches(cohort: Cohort, seed: int, median_variants: int | None, advance) -> Iterator[pa.RecordBatch]:
    pending: list[pa.Table] = []
    rows = 0
    for p in cohort.params:
        t = sample_variants(seed, p, median_variants)
        pending.append(t)
        rows += t.num_rows
        advance(1)
        if rows >= BATCH_ROWS:
            yield from pa.concat_tables(pending).combine_chunks().to_batches()
            pending, rows = [], 0
    if pending:
        yield from pa.concat_tables(pending).combine_chunks().to_batches()
