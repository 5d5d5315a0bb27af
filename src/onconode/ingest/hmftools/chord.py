"""CHORD's homologous-recombination-deficiency prediction → tumor_profile HRD fields.

CHORD writes `HR_proficient` / `HR_deficient` / `cannot_be_determined`; ORANGE and the
model use the upper-case enum (HR_PROFICIENT ...), so the status is upper-cased before it
is checked against the code list.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from onconode.ingest.hmftools.fields import FieldReader
from onconode.ingest.problems import Problems
from onconode.ingest.tsv import read_tsv
from onconode.ingest.values import is_missing
from onconode.model.tables import TUMOR_PROFILE


def read_chord(path: Path, problems: Problems) -> dict[str, Any]:
    """The prediction row of a `.chord.prediction.tsv` as tumor_profile values."""
    reader = FieldReader(path, problems, TUMOR_PROFILE)
    rows = list(read_tsv(path, problems, required=("p_hrd", "hr_status")))
    if not rows:
        if not any(p.file == str(path) for p in problems.errors):
            reader.error(None, None, "the file has a header but no prediction row", "rerun CHORD for this sample")
        return {}
    if len(rows) > 1:
        reader.error(rows[1][0], None, f"{len(rows)} prediction rows where CHORD writes one per sample", "keep this sample's row only")
    line, row = rows[0]
    status = row.get("hr_status")
    return {
        "hrd_score": reader.get(row, line, "p_hrd", "hrd_score"),
        "hr_status": reader.value(None if is_missing(status) else status.strip().upper(), line, "hr_status", "hr_status"),
        "hrd_type": reader.get(row, line, "hrd_type"),
    }
