"""PURPLE outputs: purity and QC (→ tumor_profile), copy number, and the driver catalogue.

Columns are found by header name so PURPLE 2.x to 4.x files all read: the legacy v3
`cnv.gene.tsv` (no isCanonical / relativeMinCopyNumber) and driver catalogues written
before `reportedStatus` existed load with those fields empty.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from onconode.ingest.hmftools.fields import FieldReader, check_unique
from onconode.ingest.problems import Problems
from onconode.ingest.tsv import open_text, read_tsv, refuse_nul
from onconode.model import copy_number
from onconode.model import codes as C
from onconode.model.tables import COPY_NUMBER_SEGMENT, DRIVER, GENE_COPY_NUMBER, TUMOR_PROFILE

Row = dict[str, Any]

# purity.tsv header → tumor_profile column
PURITY_FIELDS = {
    "purity": "purity", "ploidy": "ploidy", "status": "fit_method", "gender": "gender",
    "wholeGenomeDuplication": "whole_genome_duplication", "msIndelsPerMb": "ms_indels_per_mb",
    "msStatus": "msi_status", "tmbPerMb": "tmb_per_mb", "tmbStatus": "tmb_status", "tml": "tml",
    "tmlStatus": "tml_status", "svTumorMutationalBurden": "sv_tmb", "runMode": "run_mode", "targeted": "targeted",
}
# .purple.qc key → tumor_profile column (QCStatus is checked flag by flag, below)
QC_FIELDS = {
    "AmberMeanDepth": "mean_depth", "Contamination": "contamination",
    "CopyNumberSegments": "copy_number_segments", "DeletedGenes": "deleted_genes",
    "UnsupportedCopyNumberSegments": "unsupported_copy_number_segments", "AmberGender": "amber_gender",
    "CobaltGender": "cobalt_gender", "GermlineAberrations": "germline_aberrations", "LohPercent": "loh_percent",
    "TincLevel": "tinc_level", "ChimerismPercentage": "chimerism_percentage",
}


def read_purity(path: Path, problems: Problems) -> Row:
    """The one fit of a `.purple.purity.tsv` as tumor_profile values."""
    reader = FieldReader(path, problems, TUMOR_PROFILE)
    rows = list(read_tsv(path, problems, required=("purity", "ploidy")))
    if not rows:
        if not any(p.file == str(path) for p in problems.errors):
            reader.error(None, None, "the file has a header but no fit row", "PURPLE writes one row; rerun PURPLE")
        return {}
    if len(rows) > 1:
        reader.error(rows[1][0], None, f"{len(rows)} fit rows where PURPLE writes one", "keep only the fitted row")
    line, row = rows[0]
    required = ("purity", "ploidy")
    return {
        col: (reader.required if header in required else reader.get)(row, line, header, col)
        for header, col in PURITY_FIELDS.items()
    }


def read_qc(path: Path, problems: Problems) -> Row:
    """`.purple.qc` key<TAB>value lines as tumor_profile values."""
    reader = FieldReader(path, problems, TUMOR_PROFILE)
    values: dict[str, tuple[int, str]] = {}
    try:
        with open_text(path) as fh:
            for line_no, raw in enumerate(fh, start=1):
                line = raw.rstrip("\r\n")
                if not line.strip() or not refuse_nul(reader.path, line_no, line, problems, ["key", "value"]):
                    continue
                parts = line.split("\t")
                if len(parts) != 2:
                    reader.error(line_no, None, f"expected 'key<TAB>value', found {len(parts)} field(s)", "each line holds one key and its value")
                    continue
                values[parts[0].strip()] = (line_no, parts[1])
    except UnicodeDecodeError as exc:
        reader.error(None, None, f"the file is not valid UTF-8 text ({exc.reason})", "save it as UTF-8")
        return {}
    except (OSError, EOFError) as exc:
        reader.error(None, None, f"cannot read the file ({exc})", "copy it again from the pipeline output")
        return {}
    if not values:
        reader.error(None, None, "the file is empty", "PURPLE writes QCStatus and other keys; rerun PURPLE")
        return {}
    out: Row = {}
    if "QCStatus" not in values:
        reader.error(None, "QCStatus", "the QCStatus line is missing", "is this a PURPLE .purple.qc file?")
    else:
        line, raw = values["QCStatus"]
        reader.mark("QCStatus")
        flags = [f.strip() for f in raw.split(",") if f.strip()]
        for flag in flags:
            if flag not in C.QC_STATUS_VALUES:
                reader.warning(
                    line, "QCStatus", f"{flag!r} is not a PURPLE QC flag onconode knows; stored as written",
                    f"known flags: {', '.join(C.QC_STATUS_VALUES)}",
                )
        out["qc_status"] = ",".join(flags) or None
    for key, col in QC_FIELDS.items():
        if key in values:
            line, raw = values[key]
            out[col] = reader.value(raw, line, key, col)
    return out


def read_segments(path: Path, problems: Problems, ref_genome: str | None) -> list[Row]:
    """`.purple.cnv.somatic.tsv` → copy_number_segment rows."""
    reader = FieldReader(path, problems, COPY_NUMBER_SEGMENT, ref_genome)
    rows = []
    for line, row in read_tsv(path, problems, required=("chromosome", "start", "end", "copyNumber")):
        out = {
            "chromosome": reader.required(row, line, "chromosome"),
            "start": reader.required(row, line, "start"),
            "end": reader.required(row, line, "end"),
            "copy_number": reader.get(row, line, "copyNumber", "copy_number"),
            "minor_allele_copy_number": reader.get(row, line, "minorAlleleCopyNumber", "minor_allele_copy_number"),
            "major_allele_copy_number": reader.get(row, line, "majorAlleleCopyNumber", "major_allele_copy_number"),
            "baf": reader.get(row, line, "baf"),
            "baf_count": reader.get(row, line, "bafCount", "baf_count"),
            "depth_window_count": reader.get(row, line, "depthWindowCount", "depth_window_count"),
            "segment_start_support": reader.get(row, line, "segmentStartSupport", "segment_start_support"),
            "segment_end_support": reader.get(row, line, "segmentEndSupport", "segment_end_support"),
            "method": reader.get(row, line, "method"),
            "gc_content": reader.get(row, line, "gcContent", "gc_content"),
        }
        _check_span(reader, out, line)
        rows.append((line, out))
    return check_unique(reader, rows, ("chromosome", "start", "end"))


def _check_span(reader: FieldReader, out: Row, line: int) -> None:
    if reader.position(out.get("chromosome"), out.get("start"), line, "start"):
        reader.position(out.get("chromosome"), out.get("end"), line, "end")
    if out.get("start") is not None and out.get("end") is not None and out["end"] < out["start"]:
        reader.error(line, "end", f"end {out['end']} lies before start {out['start']}", "start and end may be swapped")


def cna_call(min_copy_number: float | None, ploidy: float | None) -> str | None:
    """A discrete GISTIC-style call for a gene's minimum copy number, by the model's
    thresholds (model/copy_number.py: PURPLE's AMP and HOMDEL driver rules, HETLOSS and
    GAIN relative to the ploidy)."""
    return copy_number.call(min_copy_number, ploidy)


def read_gene_copy_numbers(path: Path, problems: Problems, ref_genome: str | None, ploidy: float | None) -> list[Row]:
    """`.purple.cnv.gene.tsv` (current or legacy v3 layout) → gene_copy_number rows."""
    reader = FieldReader(path, problems, GENE_COPY_NUMBER, ref_genome)
    rows = []
    for line, row in read_tsv(path, problems, required=("gene", "minCopyNumber")):
        out = {
            "gene": reader.required(row, line, "gene"),
            "transcript": reader.get(row, line, "transcriptId", "transcript"),
            "is_canonical": reader.get(row, line, "isCanonical", "is_canonical"),
            "chromosome": reader.get(row, line, "chromosome"),
            "chromosome_band": reader.get(row, line, "chromosomeBand", "chromosome_band"),
            "start": reader.get(row, line, "start"),
            "end": reader.get(row, line, "end"),
            "min_copy_number": reader.get(row, line, "minCopyNumber", "min_copy_number"),
            "max_copy_number": reader.get(row, line, "maxCopyNumber", "max_copy_number"),
            "min_minor_allele_copy_number": reader.get(row, line, "minMinorAlleleCopyNumber", "min_minor_allele_copy_number"),
            "somatic_regions": reader.get(row, line, "somaticRegions", "somatic_regions"),
            "min_region_method": reader.get(row, line, "minRegionMethod", "min_region_method"),
            "relative_min_copy_number": reader.get(row, line, "relativeMinCopyNumber", "relative_min_copy_number"),
            "min_regions": reader.get(row, line, "minRegions", "min_regions"),
            "min_region_start": reader.get(row, line, "minRegionStart", "min_region_start"),
            "min_region_end": reader.get(row, line, "minRegionEnd", "min_region_end"),
            "min_region_start_support": reader.get(row, line, "minRegionStartSupport", "min_region_start_support"),
            "min_region_end_support": reader.get(row, line, "minRegionEndSupport", "min_region_end_support"),
            "depth_window_count": reader.get(row, line, "depthWindowCount", "depth_window_count"),
            "gc_content": reader.get(row, line, "gcContent", "gc_content"),
            "reported_status": reader.get(row, line, "reportedStatus", "reported_status"),
            "driver_type": reader.get(row, line, "driverType", "driver_type"),
        }
        if out["relative_min_copy_number"] is None and out["min_copy_number"] is not None and ploidy:
            out["relative_min_copy_number"] = out["min_copy_number"] / ploidy
        out["cna_call"] = cna_call(out["min_copy_number"], ploidy)
        if out["chromosome"] is not None:
            _check_span(reader, out, line)
        rows.append((line, out))
    return check_unique(reader, rows, ("gene", "transcript"))


def read_driver_catalog(path: Path, problems: Problems, ref_genome: str | None, germline: bool) -> list[tuple[int, Row]]:
    """A PURPLE or LINX driver catalogue → (line, driver row) pairs."""
    reader = FieldReader(path, problems, DRIVER, ref_genome)
    rows = []
    for line, row in read_tsv(path, problems, required=("gene", "driver")):
        out = {
            "gene": reader.required(row, line, "gene"),
            "transcript": reader.get(row, line, "transcript"),
            "is_canonical": reader.get(row, line, "isCanonical", "is_canonical"),
            "chromosome": reader.get(row, line, "chromosome"),
            "chromosome_band": reader.get(row, line, "chromosomeBand", "chromosome_band"),
            "driver": reader.required(row, line, "driver"),
            "category": reader.get(row, line, "category"),
            "likelihood_method": reader.get(row, line, "likelihoodMethod", "likelihood_method"),
            "reported_status": reader.get(row, line, "reportedStatus", "reported_status"),
            "driver_likelihood": reader.get(row, line, "driverLikelihood", "driver_likelihood"),
            "biallelic": reader.get(row, line, "biallelic"),
            "germline": germline,
        }
        for header in ("missense", "nonsense", "splice", "inframe", "frameshift"):
            out[header] = reader.get(row, line, header)
        out["min_copy_number"] = reader.get(row, line, "minCopyNumber", "min_copy_number")
        out["max_copy_number"] = reader.get(row, line, "maxCopyNumber", "max_copy_number")
        reader.position(out["chromosome"], None, line, "chromosome", "chromosome")
        rows.append((line, out))
    return rows


DRIVER_KEY = ("gene", "transcript", "driver")


def merge_drivers(problems: Problems, catalogs: list[tuple[Path, list[tuple[int, Row]]]]) -> list[Row]:
    """One driver list from the PURPLE somatic/germline and LINX catalogues.

    LINX's catalogue is PURPLE's plus its disruption rows, so a row already seen in an
    earlier catalogue is the same driver, not a second one. Within one file, a repeated
    driver is a problem.
    """
    merged: dict[tuple, Row] = {}
    for path, rows in catalogs:
        reader = FieldReader(path, problems, DRIVER)
        own = check_unique(reader, rows, DRIVER_KEY)
        for row in own:
            merged.setdefault(tuple(row.get(c) for c in DRIVER_KEY), row)
    return list(merged.values())
