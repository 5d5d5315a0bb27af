"""PURPLE's germline amplifications/deletions and chromosome-arm copy numbers.

`germline.deletion.tsv` (PURPLE <= 4.3, deletions only, boolean `reported`) became
`germline_amp_del.tsv` in PURPLE 4.4 (amplifications too, `transcript`, `isPartial`, and
`reportedStatus`); both read into one table, the boolean mapped onto the status.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from onconode.ingest.hmftools.fields import FieldReader
from onconode.ingest.hmftools.layouts import LAYOUTS, read_rows, unique
from onconode.ingest.problems import Problems
from onconode.model.tables import CHROMOSOME_ARM_COPY_NUMBER, GERMLINE_AMP_DEL

Row = dict[str, Any]


def read_germline_amp_del(path: Path, problems: Problems, ref_genome: str | None) -> list[Row]:
    """germline_amp_del rows from either file name and all three layouts (layouts.LAYOUTS)."""
    _, rows = read_rows(path, problems, GERMLINE_AMP_DEL, LAYOUTS["purple_germline_amp_del"], ref_genome)
    reader = FieldReader(path, problems, GERMLINE_AMP_DEL, ref_genome)
    for number, (line, raw, out) in enumerate(rows, start=1):
        out["event_id"] = number
        if "reportedStatus" not in raw and "reported" in raw:  # PURPLE <= 4.3 wrote a boolean
            reader.mark("reported")
            flag = raw["reported"].strip().lower()
            if flag not in ("true", "false"):
                reader.error(line, "reported", f"{raw['reported']!r} is not true or false")
            out["reported_status"] = "REPORTED" if flag == "true" else "NONE"
        reader.position(out.get("chromosome"), out.get("region_start"), line, "regionStart")
    return unique(path, problems, GERMLINE_AMP_DEL, rows)


def read_chromosome_arms(path: Path, problems: Problems, ref_genome: str | None) -> list[Row]:
    """chromosome_arm_copy_number rows (PURPLE 4.3+)."""
    _, rows = read_rows(path, problems, CHROMOSOME_ARM_COPY_NUMBER, LAYOUTS["purple_chromosome_arm"], ref_genome)
    reader = FieldReader(path, problems, CHROMOSOME_ARM_COPY_NUMBER, ref_genome)
    for line, _, out in rows:
        reader.position(out.get("chromosome"), None, line, "chromosome")
    return unique(path, problems, CHROMOSOME_ARM_COPY_NUMBER, rows)
