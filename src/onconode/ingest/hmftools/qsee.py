"""QSEE 1.0 (WiGiTS 3.0) → qc_metric (qsee/.../status/QcStatusFile.java).

A single-sample run writes `<tumour>.qsee.status.tsv.gz`; a multi-sample run writes
`multisample.qsee.status.tsv.gz` for all its samples, so rows are kept for the
ingested sample's tumour and its reference (the file's SampleId names both).
"""

from __future__ import annotations

from pathlib import Path

from onconode.ingest.hmftools.layouts import Layout, Row, read_rows
from onconode.ingest.problems import Problems
from onconode.model.tables import QC_METRIC

LAYOUTS = (Layout("QSEE", "QSEE 1.0", fields={
    "SampleType": "sample_type", "SourceTool": "source_tool", "FeatureType": "feature_type", "FeatureName": "feature_name",
    "FeatureValue": "feature_value", "QcStatus": "qc_status", "FailCondition": "fail_condition"},
    required=("SampleId", "SampleType", "SourceTool", "FeatureType", "FeatureName", "FeatureValue", "QcStatus"),
    not_stored={"SampleId": "rows are stored under the ingested tumour sample, the reference's told apart by sample_type"}),)


def read(path: Path, problems: Problems, ref_genome: str | None = None, samples: tuple[str, ...] = ()) -> dict[str, list[Row]]:
    """Rows of `samples` (the tumour id and, if known, the reference id); all rows when empty."""
    _, rows = read_rows(path, problems, QC_METRIC, LAYOUTS)
    wanted = {s.lower() for s in samples}
    kept = [row for _, raw, row in rows if not wanted or (raw.get("SampleId") or "").lower() in wanted]
    if wanted and rows and not kept:
        problems.warning(str(path), None, "SampleId", f"not stored: no row of sample(s) {', '.join(sorted(wanted))} in this multi-sample QSEE file")
    return {"qc_metric": kept}
