"""Virus Interpreter → virus: which viruses are in the tumour and whether they integrated.

Columns as `C/virus/AnnotatedVirusFile.java` writes them; version 1 files lack the
coverage columns and `driverLikelihood`, read as empty. Java writes a missing
interpretation or expected coverage as the text `null`.
"""

from __future__ import annotations

from pathlib import Path

from onconode.ingest.hmftools.layouts import Layout, Row, read_rows
from onconode.ingest.problems import Problems
from onconode.model.tables import VIRUS

_FIELDS = {
    "taxid": "taxid", "name": "name", "qcStatus": "qc_status", "integrations": "integrations",
    "interpretation": "interpretation", "percentageCovered": "percentage_covered", "meanCoverage": "mean_coverage",
    "expectedClonalCoverage": "expected_clonal_coverage", "reported": "reported", "blacklisted": "blacklisted",
    "driverLikelihood": "driver_likelihood",
}
LAYOUTS = (Layout("Virus Interpreter", "Virus Interpreter 1.x-3.x", fields=_FIELDS, required=("taxid", "name", "qcStatus", "integrations", "interpretation", "reported")),)


def with_integration(row: Row) -> Row:
    """The row with `integrated` (any integration site found), from the tool's file or ORANGE's copy."""
    if row.get("integrations") is not None:
        row["integrated"] = row["integrations"] > 0
    return row


def read(path: Path, problems: Problems, ref_genome: str | None = None) -> dict[str, list[Row]]:
    _, rows = read_rows(path, problems, VIRUS, LAYOUTS)
    return {"virus": [with_integration(row) for _, _, row in rows]}
