"""TEAL → telomere_length (C/teal/TelomereLengthFile.java); a run writes one file for the
tumour and one for the normal, each under its own sample id, and `type` tells them apart."""

from __future__ import annotations

from pathlib import Path

from onconode.ingest.hmftools.fields import FieldReader
from onconode.ingest.hmftools.layouts import Layout, Row, read_rows
from onconode.ingest.problems import Problems
from onconode.model.tables import TELOMERE_LENGTH

_FIELDS = {
    "rawTelomereLength": "raw_telomere_length", "finalTelomereLength": "final_telomere_length",
    "fullFragments": "full_fragments", "cRichPartialFragments": "c_rich_partial_fragments",
    "gRichPartialFragments": "g_rich_partial_fragments", "totalTelomericReads": "total_telomeric_reads",
    "purity": "purity", "ploidy": "ploidy", "duplicateProportion": "duplicate_proportion"}
_SAMPLE = {"sampleId": "the tumour/normal pair is stored under the tumour sample, told apart by sample_type"}
_REQUIRED = ("type", "rawTelomereLength", "finalTelomereLength")
# Earlier TEAL releases normalised by COBALT's reads per kb; WiGiTS 3.0's writes read depths.
LAYOUTS = (
    Layout("TEAL", "TEAL (read depth, WiGiTS 3.0)", fields={**_FIELDS, "meanReadDepth": "mean_read_depth", "gc50ReadDepth": "gc50_read_depth"},
           required=(*_REQUIRED, "meanReadDepth"), not_stored=_SAMPLE, derived=("type",)),
    Layout("TEAL", "TEAL (reads per kb, before WiGiTS 3.0)",
           fields={**_FIELDS, "meanReadsPerKb": "mean_reads_per_kb", "gc50ReadsPerKb": "gc50_reads_per_kb"},
           required=(*_REQUIRED, "meanReadsPerKb"), not_stored=_SAMPLE, derived=("type",)),
)
TYPES = {"tumor": "tumor", "tumour": "tumor", "ref": "ref", "reference": "ref", "normal": "ref", "germline": "ref"}


def read(path: Path, problems: Problems, ref_genome: str | None = None) -> dict[str, list[Row]]:
    _, rows = read_rows(path, problems, TELOMERE_LENGTH, LAYOUTS)
    reader = FieldReader(path, problems, TELOMERE_LENGTH)
    out = []
    for line, raw, row in rows:
        kind = TYPES.get((raw.get("type") or "").strip().lower())
        if kind is None:
            reader.error(line, "type", f"{raw.get('type')!r} is neither a tumour nor a reference sample type",
                         f"TEAL writes one of {', '.join(sorted(TYPES))}")
            continue
        out.append({**row, "sample_type": kind})
    return {"telomere_length": out}
