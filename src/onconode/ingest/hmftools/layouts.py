"""The column layouts of every hmftools file, per tool version, and how a file's header picks one.

Each WiGiTS tool has added, dropped and renamed columns between versions (PURPLE 4.4 added
`reportedStatus`, LINX 2.3 split `vcfId`, LILAC 2.0 added `Genes`, Isofox 2.0 renamed most
fusion columns and moved from CSV to TSV). A `Layout` says, for one tool version, the
header it writes, which headers map one to one onto which model columns, and why each
header onconode keeps out is not stored. The file's header picks the layout (`check`);
a header no layout fits is one error naming the file, the unknown and missing columns and
the versions known, instead of loading with silently empty fields. What a file holds but
the store does not is reported once, by `not_stored`, in the ingest report: nothing is
dropped without saying so.

PURPLE and LINX headers are the writers' (github hartwigmedical/hmftools; commits as in
reference/wigits-outputs.md: R2.2 = 1223585, R3.0 = 99290c0, HEAD = f292edd); their
readers (purple.py, linx.py) map columns in code, so their layouts declare headers and
reasons. The other tools' layouts live beside their readers (cuppa.py, lilac.py, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from onconode.ingest.hmftools.fields import FieldReader, check_unique
from onconode.ingest.problems import Problems
from onconode.ingest.tsv import open_text, read_tsv
from onconode.model import Table

Row = dict[str, Any]
UNREAD = "onconode does not read this column yet (please report it)"


@dataclass(frozen=True)
class Layout:
    """One tool version's layout of one kind of file.

    `header`: the columns it writes (default: required + fields + not_stored + derived).
    `fields`: header -> model column, for columns stored as they are (`read_rows`).
    `not_stored`: header -> why onconode keeps it out. `required`: the columns every file
    of this version has (default: the whole header); the others may be absent.
    `derived`: headers the reader turns into columns itself.
    """

    tool: str
    versions: str
    header: tuple[str, ...] = ()
    fields: Mapping[str, str] = field(default_factory=dict)
    not_stored: Mapping[str, str] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    derived: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.header:
            columns = (*self.required, *self.fields, *self.not_stored, *self.derived)
            object.__setattr__(self, "header", tuple(dict.fromkeys(columns)))
        if not self.required:
            object.__setattr__(self, "required", self.header)

    def missing(self, header: list[str]) -> list[str]:
        return [c for c in self.required if c not in header]

    def extra(self, header: list[str]) -> list[str]:
        return [c for c in header if c not in self.header]

    def fits(self, header: list[str]) -> bool:
        return not self.missing(header) and not self.extra(header)


def _cols(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _mapped(tool: str, versions: str, header: str, fields: Mapping[str, str], **kw: Any) -> Layout:
    """A layout whose columns map one to one onto the model (those of `fields` the header has)."""
    cols = _cols(header)
    return Layout(tool, versions, cols, {h: c for h, c in fields.items() if h in cols}, **kw)


# PURPLE fit diagnostics: patient-db keeps them in `purity`, no onconode analysis uses them.
_FIT = "fit diagnostic of PURPLE's purity search (the fitted purity and ploidy are stored)"
_AMP_DEL_FIELDS = {
    "gene": "gene", "transcript": "transcript", "chromosome": "chromosome", "chromosomeBand": "chromosome_band",
    "regionStart": "region_start", "regionEnd": "region_end", "depthWindowCount": "depth_window_count",
    "exonStart": "exon_start", "exonEnd": "exon_end", "isPartial": "is_partial",
    "detectionMethod": "detection_method", "germlineStatus": "germline_status", "tumorStatus": "tumor_status",
    "germlineCopyNumber": "germline_copy_number", "tumorCopyNumber": "tumor_copy_number", "filter": "filter",
    "cohortFrequency": "cohort_frequency", "reportedStatus": "reported_status",
}
_LINK_FIELDS = {
    "clusterId": "cluster_id", "chainId": "chain_id", "chainIndex": "chain_index", "chainCount": "chain_count",
    "lowerSvId": "lower_sv_id", "upperSvId": "upper_sv_id", "lowerBreakendIsStart": "lower_breakend_is_start",
    "upperBreakendIsStart": "upper_breakend_is_start", "chromosome": "chromosome", "arm": "arm",
    "assembled": "assembled", "traversedSVCount": "traversed_sv_count", "length": "length",
    "junctionCopyNumber": "junction_copy_number", "junctionCopyNumberUncertainty": "junction_copy_number_uncertainty",
    "pseudogeneInfo": "pseudogene_info", "ecDna": "ec_dna",
}
_DRIVER_CATALOG = ("chromosome chromosomeBand gene transcript isCanonical driver category likelihoodMethod {}"
                   "driverLikelihood missense nonsense splice inframe frameshift biallelic minCopyNumber maxCopyNumber")

LAYOUTS: dict[str, tuple[Layout, ...]] = {
    # C/purple/PurplePurity.java: unchanged from PURPLE 4.1 (R2.0) to 4.5 (HEAD).
    "purple_purity": (Layout("PURPLE", "PURPLE 4.1-4.5", _cols(
        "purity normFactor score diploidProportion ploidy gender status polyclonalProportion minPurity maxPurity "
        "minPloidy maxPloidy minDiploidProportion maxDiploidProportion somaticPenalty wholeGenomeDuplication "
        "msIndelsPerMb msStatus tml tmlStatus tmbPerMb tmbStatus svTumorMutationalBurden runMode targeted"),
        not_stored={c: _FIT for c in _cols(
            "normFactor score diploidProportion polyclonalProportion minPurity maxPurity minPloidy maxPloidy "
            "minDiploidProportion maxDiploidProportion somaticPenalty")}),),
    # C/purple/PurpleQCFile.java: key<TAB>value lines; 4.4 dropped ChimerismPercentage, 4.3 added TincLevel.
    "purple_qc": tuple(Layout("PURPLE", label, _cols(
        "QCStatus Method CopyNumberSegments UnsupportedCopyNumberSegments Purity AmberGender CobaltGender "
        "DeletedGenes Contamination GermlineAberrations AmberMeanDepth LohPercent " + added),
        not_stored={"Method": "repeats purity.tsv `status`, stored as tumor_profile.fit_method",
                    "Purity": "repeats purity.tsv `purity`, stored as tumor_profile.purity"})
        for label, added in (("PURPLE 4.1-4.2", ""), ("PURPLE 4.3", "ChimerismPercentage TincLevel"),
                             ("PURPLE 4.4-4.5", "TincLevel"))),
    # C/purple/PurpleCopyNumberFile.java: unchanged since PURPLE 4.1.
    "purple_cnv_somatic": (Layout("PURPLE", "PURPLE 4.1-4.5", _cols(
        "chromosome start end copyNumber bafCount observedBAF baf segmentStartSupport segmentEndSupport method "
        "depthWindowCount gcContent minStart maxStart minorAlleleCopyNumber majorAlleleCopyNumber"),
        not_stored={"observedBAF": "the unfitted BAF; the fitted `baf` is stored",
                    "minStart": "uncertainty of the segment start in bases; `start` is stored",
                    "maxStart": "uncertainty of the segment start in bases; `start` is stored"}),),
    # C/purple/GeneCopyNumberFile.java: 4.1 18 columns, 4.2 + gcContent, 4.4 + relativeMinCopyNumber,
    # reportedStatus, driverType. The PURPLE 3 layout is the fixture's (orange test_run at 64318277).
    "purple_cnv_gene": tuple(Layout("PURPLE", label, _cols(header), not_stored={
        "unused": "an always-zero placeholder column of PURPLE 3",
        "germlineHomDeletionRegions": "PURPLE 3's germline deletion count; germline events are in germline_amp_del",
        "germlineHetToHomDeletionRegions": "PURPLE 3's germline deletion count; germline events are in germline_amp_del",
        "transcriptVersion": "the Ensembl transcript version; transcript ids are stored without it, as PURPLE 4 writes them",
    }) for label, header in (
        ("PURPLE 3.x",
         "chromosome start end gene minCopyNumber maxCopyNumber unused somaticRegions germlineHomDeletionRegions "
         "germlineHetToHomDeletionRegions transcriptId transcriptVersion chromosomeBand minRegions minRegionStart "
         "minRegionEnd minRegionStartSupport minRegionEndSupport minRegionMethod minMinorAlleleCopyNumber"),
        ("PURPLE 4.1",
         "chromosome start end gene minCopyNumber maxCopyNumber somaticRegions transcriptId isCanonical "
         "chromosomeBand minRegions minRegionStart minRegionEnd minRegionStartSupport minRegionEndSupport "
         "minRegionMethod minMinorAlleleCopyNumber depthWindowCount"),
        ("PURPLE 4.2-4.3",
         "chromosome start end gene minCopyNumber maxCopyNumber somaticRegions transcriptId isCanonical "
         "chromosomeBand minRegions minRegionStart minRegionEnd minRegionStartSupport minRegionEndSupport "
         "minRegionMethod minMinorAlleleCopyNumber depthWindowCount gcContent"),
        ("PURPLE 4.4-4.5",
         "chromosome start end gene minCopyNumber maxCopyNumber somaticRegions transcriptId isCanonical "
         "chromosomeBand minRegions minRegionStart minRegionEnd minRegionStartSupport minRegionEndSupport "
         "minRegionMethod minMinorAlleleCopyNumber relativeMinCopyNumber depthWindowCount gcContent "
         "reportedStatus driverType"),
    )),
    # C/driver/DriverCatalogFile.java (PURPLE and LINX catalogues): PURPLE 4.4 added reportedStatus.
    **{kind: (Layout(tool, f"{tool} {old}", _cols(_DRIVER_CATALOG.format(""))),
              Layout(tool, f"{tool} {new}", _cols(_DRIVER_CATALOG.format("reportedStatus "))))
       for kind, tool, old, new in (
           ("purple_driver_somatic", "PURPLE", "4.1-4.3", "4.4-4.5"),
           ("purple_driver_germline", "PURPLE", "4.1-4.3", "4.4-4.5"),
           ("linx_driver_catalog", "LINX", "2.0-2.2", "2.3"),
           ("linx_germline_driver_catalog", "LINX", "2.0-2.2", "2.3"),
       )},
    # C/purple/GermlineAmpDel.java (4.4: germline_amp_del.tsv); germline.deletion.tsv before (a boolean
    # `reported`, which the reader maps onto reportedStatus). The middle layout is the orange test_run
    # fixture at HEAD (reportedStatus, without transcript / isPartial).
    "purple_germline_amp_del": (
        _mapped("PURPLE", "PURPLE 4.1-4.3 (germline.deletion.tsv)",
                "gene chromosome chromosomeBand regionStart regionEnd depthWindowCount exonStart exonEnd detectionMethod "
                "germlineStatus tumorStatus germlineCopyNumber tumorCopyNumber filter cohortFrequency reported",
                _AMP_DEL_FIELDS, derived=("reported",)),
        _mapped("PURPLE", "PURPLE test_run (reportedStatus, no transcript)",
                "gene chromosome chromosomeBand regionStart regionEnd depthWindowCount exonStart exonEnd detectionMethod "
                "germlineStatus tumorStatus germlineCopyNumber tumorCopyNumber filter cohortFrequency reportedStatus",
                _AMP_DEL_FIELDS),
        _mapped("PURPLE", "PURPLE 4.4-4.5",
                "gene transcript chromosome chromosomeBand regionStart regionEnd depthWindowCount exonStart exonEnd "
                "isPartial detectionMethod germlineStatus tumorStatus germlineCopyNumber tumorCopyNumber filter "
                "cohortFrequency reportedStatus", _AMP_DEL_FIELDS),
    ),
    # C/purple/ChrArmCopyNumbersFile.java (PURPLE 4.3+).
    "purple_chromosome_arm": (_mapped(
        "PURPLE", "PURPLE 4.3-4.5", "chromosome arm meanCopyNumber medianCopyNumber minCopyNumber maxCopyNumber", {
            "chromosome": "chromosome", "arm": "arm", "meanCopyNumber": "mean_copy_number",
            "medianCopyNumber": "median_copy_number", "minCopyNumber": "min_copy_number", "maxCopyNumber": "max_copy_number"}),),
    # C/linx/LinxSvAnnotation.java: <= 2.2 (04b5837) one vcfId; 2.3 vcfIdStart/End, coords and type.
    "linx_svs": tuple(Layout("LINX", label, _cols(header), not_stored={
        c: "joins the SV to the PURPLE SV VCF, whose coordinates, filter and allele frequencies are stored"
        for c in ("vcfId", "vcfIdStart", "vcfIdEnd")}) for label, header in (
        ("LINX 2.0-2.2",
         "vcfId svId clusterId clusterReason fragileSiteStart fragileSiteEnd isFoldback lineTypeStart lineTypeEnd "
         "junctionCopyNumberMin junctionCopyNumberMax geneStart geneEnd localTopologyIdStart localTopologyIdEnd "
         "localTopologyStart localTopologyEnd localTICountStart localTICountEnd"),
        ("LINX 2.3",
         "vcfIdStart vcfIdEnd svId coordsStart coordsEnd type clusterId clusterReason fragileSiteStart "
         "fragileSiteEnd isFoldback lineTypeStart lineTypeEnd junctionCopyNumberMin junctionCopyNumberMax "
         "geneStart geneEnd localTopologyIdStart localTopologyIdEnd localTopologyStart localTopologyEnd "
         "localTICountStart localTICountEnd"),
    )),
    # C/linx/LinxBreakend.java: 2.3 added vcfId and coords, reportedDisruption became reportedStatus.
    "linx_breakend": (
        Layout("LINX", "LINX 2.0-2.2", _cols(
            "id svId isStart gene transcriptId canonical geneOrientation disruptive reportedDisruption "
            "undisruptedCopyNumber regionType codingType biotype exonicBasePhase nextSpliceExonRank "
            "nextSpliceExonPhase nextSpliceDistance totalExonCount exonUp exonDown")),
        Layout("LINX", "LINX 2.3", _cols(
            "id svId vcfId coords isStart gene transcriptId canonical geneOrientation disruptive reportedStatus "
            "undisruptedCopyNumber regionType codingType biotype exonicBasePhase nextSpliceExonRank "
            "nextSpliceExonPhase nextSpliceDistance totalExonCount exonUp exonDown")),
    ),
    # C/linx/LinxFusion.java: 2.3 dropped the trailing gene/context/transcript/junctionCopyNumber columns for
    # VCF ids and coordinates (the junction copy number is rebuilt from the breakends' SVs).
    "linx_fusion": (
        Layout("LINX", "LINX 2.0-2.2", _cols(
            "fivePrimeBreakendId threePrimeBreakendId name reported reportedType reportableReasons phased likelihood "
            "chainLength chainLinks chainTerminated domainsKept domainsLost skippedExonsUp skippedExonsDown "
            "fusedExonUp fusedExonDown geneStart geneContextStart transcriptStart geneEnd geneContextEnd "
            "transcriptEnd junctionCopyNumber")),
        Layout("LINX", "LINX 2.3", _cols(
            "fivePrimeBreakendId threePrimeBreakendId name reported reportedType reportableReasons phased likelihood "
            "fivePrimeVcfId threePrimeVcfId fivePrimeCoords threePrimeCoords chainLength chainLinks chainTerminated "
            "domainsKept domainsLost skippedExonsUp skippedExonsDown fusedExonUp fusedExonDown"), not_stored={
            "fivePrimeVcfId": "the 5' breakend's VCF id and coordinates are stored on its sv_breakend row",
            "threePrimeVcfId": "the 3' breakend's VCF id and coordinates are stored on its sv_breakend row",
            "fivePrimeCoords": "the 5' breakend's VCF id and coordinates are stored on its sv_breakend row",
            "threePrimeCoords": "the 3' breakend's VCF id and coordinates are stored on its sv_breakend row"}),
    ),
    # LINX drivers.tsv / clusters.tsv / links.tsv: unchanged since LINX 2.0.
    "linx_drivers": (_mapped("LINX", "LINX 2.0-2.3", "clusterId gene eventType",
                             {"clusterId": "cluster_id", "gene": "gene", "eventType": "event_type"}),),
    "linx_clusters": (_mapped("LINX", "LINX 2.0-2.3", "clusterId category synthetic resolvedType clusterCount clusterDesc", {
        "clusterId": "cluster_id", "category": "category", "synthetic": "synthetic", "resolvedType": "resolved_type",
        "clusterCount": "cluster_count", "clusterDesc": "cluster_desc"}),),
    "linx_links": (_mapped("LINX", "LINX 2.0-2.3",
                           "clusterId chainId chainIndex chainCount lowerSvId upperSvId lowerBreakendIsStart "
                           "upperBreakendIsStart chromosome arm assembled traversedSVCount length junctionCopyNumber "
                           "junctionCopyNumberUncertainty pseudogeneInfo ecDna", _LINK_FIELDS),),
}


def delimiter_of(path: Path) -> str:
    """Isofox up to 1.7 and LILAC 1.x wrote `.csv`; everything else is tab-separated."""
    return "," if path.name.lower().removesuffix(".gz").endswith(".csv") else "\t"


def read_header(path: Path) -> list[str] | None:
    """The first line's column names (or a `.purple.qc`'s keys); None when there is none.

    An unreadable or empty file, or a NUL byte in the header, gives None: the reader's own
    error then says what is wrong, better than a layout would.
    """
    try:
        with open_text(path) as fh:
            if path.name.lower().endswith(".purple.qc"):
                header = [line.split("\t")[0].strip() for line in fh if line.strip()]
            else:
                first = next((line.rstrip("\r\n") for line in fh if line.strip()), "")
                header = [h.strip().lstrip("#") for h in first.split(delimiter_of(path))] if first else []
    except (OSError, EOFError, UnicodeDecodeError):
        return None
    return header if header and not any("\0" in h for h in header) else None


def check(path: Path, header: list[str], layouts: tuple[Layout, ...], problems: Problems) -> list[Layout]:
    """The layouts `header` fits, best first; none is one error naming the file, its unknown
    and missing columns, what each known version lacks, and the versions known."""
    fits = [layout for layout in layouts if layout.fits(header)]
    if fits:
        return fits
    tool = layouts[0].tool
    known = {c for layout in layouts for c in layout.header}
    unknown = [c for c in header if c not in known]
    missing = [c for c in layouts[0].required if all(c in layout.required for layout in layouts) and c not in header]
    said = [f"columns: {', '.join(header)}"]
    if unknown:
        said.append(f"unknown column(s) {', '.join(unknown)}")
    if missing:
        said.append(f"missing column(s) {', '.join(missing)}")
    lacks = []
    for layout in layouts:
        parts = []
        if layout.missing(header):
            parts.append(f"needs {', '.join(layout.missing(header))}")
        other = [c for c in layout.extra(header) if c not in unknown]
        if other:
            parts.append(f"writes no {', '.join(other)}")
        lacks.append(f"{layout.versions} {' and '.join(parts)}")
    versions = "; ".join(f"{layout.versions}: {', '.join(layout.header)}" for layout in layouts)
    problems.error(
        str(path), 1, ", ".join(unknown + missing) or None,
        f"not a {tool} layout onconode knows ({'; '.join(said)}); {'; '.join(lacks)}. Known versions — {versions}",
        f"known versions: {', '.join(layout.versions for layout in layouts)}; check that the file is the {tool} output "
        "its name says; a newer tool version needs a newer onconode (report the header so the layout can be added)",
    )
    return []


def not_stored(layout: Layout, header: list[str], read: set[str] | None) -> dict[str, str]:
    """The columns of a file that the store does not hold, each with its reason: those its
    layout declares not stored, and any its reader did not look at (`read`: the columns it
    did; None for a file without rows, whose reader looked at none and dropped no value)."""
    return {c: layout.not_stored.get(c, UNREAD) for c in header
            if c in layout.not_stored or (read is not None and c not in read and c not in layout.derived)}


def read_rows(path: Path, problems: Problems, table: Table, layouts: tuple[Layout, ...],
              ref_genome: str | None = None, keep: Callable[[Row], bool] | None = None,
              ) -> tuple[Layout | None, list[tuple[int, Row, Row]]]:
    """(layout, [(line, raw row, model row)]) of a file; model rows typed by `table` from the
    layout's `fields`. A column the model requires must have a value.

    `keep` picks the raw rows to type and return (the others come back with an empty model
    row, the caller's to report). A file no layout fits gives (None, []) and its error.
    """
    header = read_header(path)
    fits = check(path, header, layouts, problems) if header is not None else []
    if header is not None and not fits:
        return None, []
    layout = fits[0] if fits else None
    reader = FieldReader(path, problems, table, ref_genome)
    fields = layout.fields if layout else {}
    required = {h: c for h, c in fields.items() if table.column(c).required}
    out = []
    for line, raw in read_tsv(path, problems, delimiter=delimiter_of(path)):   # an empty file: read_tsv says so
        if keep is not None and not keep(raw):
            out.append((line, raw, {}))
            continue
        row = {col: reader.get(raw, line, name, col) for name, col in fields.items() if name in raw}
        empty = [h for h, c in required.items() if h in raw and row.get(c) is None]
        for h in empty:
            reader.error(line, h, "a value is required here but the field is empty")
        if not empty:
            out.append((line, raw, row))
    return layout, out


def unique(path: Path, problems: Problems, table: Table, rows: list[tuple[int, Row, Row]]) -> list[Row]:
    """The model rows of `read_rows`, each repeat of the table's key reported at its line."""
    reader = FieldReader(path, problems, table)
    return check_unique(reader, [(line, row) for line, _, row in rows], tuple(c for c in table.key if c != "sample_id"))
