"""SIGS → signature_allocation (C/sigs/SignatureAllocationFile.java: signature, allocation, percent)."""

from __future__ import annotations

from pathlib import Path

from onconode.ingest.hmftools.layouts import Layout, Row, read_rows
from onconode.ingest.problems import Problems
from onconode.model.tables import SIGNATURE_ALLOCATION

LAYOUTS = (Layout("SIGS", "SIGS 1.x", fields={"signature": "signature", "allocation": "allocation", "percent": "percent"},
                  required=("signature", "allocation", "percent")),)


def read(path: Path, problems: Problems, ref_genome: str | None = None) -> dict[str, list[Row]]:
    _, rows = read_rows(path, problems, SIGNATURE_ALLOCATION, LAYOUTS)
    return {"signature_allocation": [row for _, _, row in rows]}
