"""`onconode synth --into-store`: the cohort straight into one store transaction.

Genomic tables are generated a chunk of samples at a time and handed to the transaction
as Arrow tables, so memory holds one chunk, never the cohort's variants.
"""

from __future__ import annotations

import pyarrow as pa

from onconode.ingest.report import IngestReport
from onconode.progress import Progress, silent
from onconode.store import Store
from onconode.synth.clinical import clinical_tables
from onconode.synth.cohort import build
from onconode.synth.genome import sample_tables

CHUNK_VARIANTS = 2_000_000   # rows of somatic variants per insert


def load_cohort(store: Store, *, patients: int, seed: int, median_variants: int | None,
                progress: Progress = silent) -> IngestReport:
    cohort = build(patients, seed)
    report = IngestReport(source="synth")
    report.patients = [p["patient_id"] for p in cohort.patients]
    report.samples = [p.sample_id for p in cohort.params]
    with store.transaction("synth", f"synthetic cohort: {patients} patients, seed {seed}") as tx:
        for name, table in clinical_tables(cohort).items():
            report.rows[name] = tx.replace(name, table)
        pending: dict[str, list[pa.Table]] = {}
        pending_rows = 0
        with progress("generating genomes", len(cohort.params)) as advance:
            for p in cohort.params:
                for name, table in sample_tables(seed, p, median_variants).items():
                    pending.setdefault(name, []).append(table)
                    pending_rows += table.num_rows
                if pending_rows >= CHUNK_VARIANTS:
                    _flush(tx, pending, report)
                    pending_rows = 0
                advance(1)
        _flush(tx, pending, report)
    report.version = tx.version
    report.warnings.extend(tx.warnings)
    return report


def _flush(tx, pending: dict[str, list[pa.Table]], report: IngestReport) -> None:
    for name, tables in pending.items():
        report.rows[name] = report.rows.get(name, 0) + tx.replace(name, pa.concat_tables(tables))
    pending.clear()
