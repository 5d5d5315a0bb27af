"""Virus Interpreter → virus: which viruses are in the tumour and whether they integrated.

Columns as `C/virus/AnnotatedVirusFile.java` writes them; version 1 files lack the
coverage columns and `driverLikelihood`, read as empty. Java writes a missing
interpretation or expected coverage as the text `null`.
"""

from __future__ import annotations

from pathlib import Path

from onconode.ingest.hmftools.tool_layouts import Layout, Row, read_rows
from onconode.ingest.problems import Problems
from onconode.model.tables import VIRUS

_FIELDS = {
    "taxid": "taxid", "name": "name", "qcStatus": "qc_status", "integrations": "integrations",
    "interpretation": "interpretation", "percentageCovered": "percentage_covered", "meanCoverage": "mean_coverage",
    "expectedClonalCoverage": "expected_clonal_coverage", "reported": "reported", "blacklisted": "blacklisted",
    "driverLikelihood": "driver_likelihood",
}
LAYOUTS = (Layout("Virus Interpreter 1.x-3.x", _FIELDS, required=("taxid", "name", "qcStatus", "integrations", "interpretation", "reported")),)


def read(path: Path, problems: Problems, ref_genome: str | None = None) -> dict[str, list[Row]]:
    _, rows = read_rows(path, problems, VIRUS, "Virus Interpreter", LAYOUTS)
    out = []
    for _line, _raw, row in rows:
        if row.get("integrations") is not None:
            row["integrated"] = row["integrations"] > 0
        out.append(row)
    return {"virus": out}
