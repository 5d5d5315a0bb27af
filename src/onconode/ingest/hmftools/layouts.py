"""The column layouts of each hmftools TSV, per tool version, and what onconode does not store.

WiGiTS 2.x (oncoanalyser 2.0-2.2) and 3.0 write the same files with added, dropped and
renamed columns. Readers look columns up by name; this module says which headers are
known at all, so a file of a layout onconode has never seen (a newer tool, a file of
another kind renamed) is refused with the columns that differ and the versions known,
instead of loading with silently empty fields. Every known column is either stored (the
reader maps it onto the model) or listed in `NOT_STORED` with the reason, and the ingest
report names those per file: nothing is dropped without saying so.

Headers are the writers' (github hartwigmedical/hmftools; commits as in
reference/wigits-outputs.md: R2.2 = 1223585, R3.0 = 99290c0, HEAD = f292edd).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from onconode.ingest.problems import Problems
from onconode.ingest.tsv import open_text


def _cols(text: str) -> tuple[str, ...]:
    return tuple(text.split())


@dataclass(frozen=True)
class Layout:
    """The known headers of one kind of file, by the tool versions that write them."""

    tool: str
    versions: dict[str, tuple[str, ...]]
    not_stored: dict[str, str] = field(default_factory=dict)

    @property
    def known(self) -> set[str]:
        return {c for cols in self.versions.values() for c in cols}

    @property
    def always(self) -> set[str]:
        """Columns every known version writes: a file without one is not this kind of file."""
        sets = [set(cols) for cols in self.versions.values()]
        return set.intersection(*sets)


# PURPLE fit diagnostics: patient-db keeps them in `purity`, no onconode analysis uses them.
_FIT = "fit diagnostic of PURPLE's purity search (the fitted purity and ploidy are stored)"

LAYOUTS: dict[str, Layout] = {
    # C/purple/PurplePurity.java: unchanged from PURPLE 4.1 (R2.0) to 4.5 (HEAD).
    "purple_purity": Layout("PURPLE", {
        "PURPLE 4.1-4.5": _cols(
            "purity normFactor score diploidProportion ploidy gender status polyclonalProportion minPurity maxPurity "
            "minPloidy maxPloidy minDiploidProportion maxDiploidProportion somaticPenalty wholeGenomeDuplication "
            "msIndelsPerMb msStatus tml tmlStatus tmbPerMb tmbStatus svTumorMutationalBurden runMode targeted"),
    }, {
        "normFactor": _FIT, "score": _FIT, "diploidProportion": _FIT, "polyclonalProportion": _FIT,
        "minPurity": _FIT, "maxPurity": _FIT, "minPloidy": _FIT, "maxPloidy": _FIT,
        "minDiploidProportion": _FIT, "maxDiploidProportion": _FIT, "somaticPenalty": _FIT,
    }),
    # C/purple/PurpleQCFile.java: key<TAB>value lines; 4.4 dropped ChimerismPercentage, 4.3 added TincLevel.
    "purple_qc": Layout("PURPLE", {
        "PURPLE 4.1-4.2": _cols(
            "QCStatus Method CopyNumberSegments UnsupportedCopyNumberSegments Purity AmberGender CobaltGender "
            "DeletedGenes Contamination GermlineAberrations AmberMeanDepth LohPercent"),
        "PURPLE 4.3": _cols(
            "QCStatus Method CopyNumberSegments UnsupportedCopyNumberSegments Purity AmberGender CobaltGender "
            "DeletedGenes Contamination GermlineAberrations AmberMeanDepth LohPercent ChimerismPercentage TincLevel"),
        "PURPLE 4.4-4.5": _cols(
            "QCStatus Method CopyNumberSegments UnsupportedCopyNumberSegments Purity AmberGender CobaltGender "
            "DeletedGenes Contamination GermlineAberrations AmberMeanDepth LohPercent TincLevel"),
    }, {
        "Method": "repeats purity.tsv `status`, stored as tumor_profile.fit_method",
        "Purity": "repeats purity.tsv `purity`, stored as tumor_profile.purity",
    }),
    # C/purple/PurpleCopyNumberFile.java: unchanged since PURPLE 4.1.
    "purple_cnv_somatic": Layout("PURPLE", {
        "PURPLE 4.1-4.5": _cols(
            "chromosome start end copyNumber bafCount observedBAF baf segmentStartSupport segmentEndSupport method "
            "depthWindowCount gcContent minStart maxStart minorAlleleCopyNumber majorAlleleCopyNumber"),
    }, {
        "observedBAF": "the unfitted BAF; the fitted `baf` is stored",
        "minStart": "uncertainty of the segment start in bases; `start` is stored",
        "maxStart": "uncertainty of the segment start in bases; `start` is stored",
    }),
    # C/purple/GeneCopyNumberFile.java: 4.1 18 columns, 4.2 + gcContent, 4.4 + relativeMinCopyNumber,
    # reportedStatus, driverType. The PURPLE 3 layout is the fixture's (orange test_run at 64318277).
    "purple_cnv_gene": Layout("PURPLE", {
        "PURPLE 3.x": _cols(
            "chromosome start end gene minCopyNumber maxCopyNumber unused somaticRegions germlineHomDeletionRegions "
            "germlineHetToHomDeletionRegions transcriptId transcriptVersion chromosomeBand minRegions minRegionStart "
            "minRegionEnd minRegionStartSupport minRegionEndSupport minRegionMethod minMinorAlleleCopyNumber"),
        "PURPLE 4.1": _cols(
            "chromosome start end gene minCopyNumber maxCopyNumber somaticRegions transcriptId isCanonical "
            "chromosomeBand minRegions minRegionStart minRegionEnd minRegionStartSupport minRegionEndSupport "
            "minRegionMethod minMinorAlleleCopyNumber depthWindowCount"),
        "PURPLE 4.2-4.3": _cols(
            "chromosome start end gene minCopyNumber maxCopyNumber somaticRegions transcriptId isCanonical "
            "chromosomeBand minRegions minRegionStart minRegionEnd minRegionStartSupport minRegionEndSupport "
            "minRegionMethod minMinorAlleleCopyNumber depthWindowCount gcContent"),
        "PURPLE 4.4-4.5": _cols(
            "chromosome start end gene minCopyNumber maxCopyNumber somaticRegions transcriptId isCanonical "
            "chromosomeBand minRegions minRegionStart minRegionEnd minRegionStartSupport minRegionEndSupport "
            "minRegionMethod minMinorAlleleCopyNumber relativeMinCopyNumber depthWindowCount gcContent "
            "reportedStatus driverType"),
    }, {
        "unused": "an always-zero placeholder column of PURPLE 3",
        "germlineHomDeletionRegions": "PURPLE 3's germline deletion count; germline events are in germline_amp_del",
        "germlineHetToHomDeletionRegions": "PURPLE 3's germline deletion count; germline events are in germline_amp_del",
        "transcriptVersion": "the Ensembl transcript version; transcript ids are stored without it, as PURPLE 4 writes them",
    }),
    # C/driver/DriverCatalogFile.java (PURPLE and LINX catalogues): PURPLE 4.4 added reportedStatus.
    **{kind: Layout(tool, {
        f"{tool} {old}": _cols(
            "chromosome chromosomeBand gene transcript isCanonical driver category likelihoodMethod driverLikelihood "
            "missense nonsense splice inframe frameshift biallelic minCopyNumber maxCopyNumber"),
        f"{tool} {new}": _cols(
            "chromosome chromosomeBand gene transcript isCanonical driver category likelihoodMethod reportedStatus "
            "driverLikelihood missense nonsense splice inframe frameshift biallelic minCopyNumber maxCopyNumber"),
    }) for kind, tool, old, new in (
        ("purple_driver_somatic", "PURPLE", "4.1-4.3", "4.4-4.5"),
        ("purple_driver_germline", "PURPLE", "4.1-4.3", "4.4-4.5"),
        ("linx_driver_catalog", "LINX", "2.0-2.2", "2.3"),
        ("linx_germline_driver_catalog", "LINX", "2.0-2.2", "2.3"),
    )},
    # C/purple/GermlineAmpDel.java (4.4: germline_amp_del.tsv); germline.deletion.tsv before. The middle
    # layout is the orange test_run fixture at HEAD (reportedStatus, without transcript / isPartial).
    "purple_germline_amp_del": Layout("PURPLE", {
        "PURPLE 4.1-4.3 (germline.deletion.tsv)": _cols(
            "gene chromosome chromosomeBand regionStart regionEnd depthWindowCount exonStart exonEnd detectionMethod "
            "germlineStatus tumorStatus germlineCopyNumber tumorCopyNumber filter cohortFrequency reported"),
        "PURPLE test_run (reportedStatus, no transcript)": _cols(
            "gene chromosome chromosomeBand regionStart regionEnd depthWindowCount exonStart exonEnd detectionMethod "
            "germlineStatus tumorStatus germlineCopyNumber tumorCopyNumber filter cohortFrequency reportedStatus"),
        "PURPLE 4.4-4.5": _cols(
            "gene transcript chromosome chromosomeBand regionStart regionEnd depthWindowCount exonStart exonEnd "
            "isPartial detectionMethod germlineStatus tumorStatus germlineCopyNumber tumorCopyNumber filter "
            "cohortFrequency reportedStatus"),
    }),
    # C/purple/ChrArmCopyNumbersFile.java (PURPLE 4.3+).
    "purple_chromosome_arm": Layout("PURPLE", {
        "PURPLE 4.3-4.5": _cols("chromosome arm meanCopyNumber medianCopyNumber minCopyNumber maxCopyNumber"),
    }),
    # C/linx/LinxSvAnnotation.java: <= 2.2 (04b5837) one vcfId; 2.3 vcfIdStart/End, coords and type.
    "linx_svs": Layout("LINX", {
        "LINX 2.0-2.2": _cols(
            "vcfId svId clusterId clusterReason fragileSiteStart fragileSiteEnd isFoldback lineTypeStart lineTypeEnd "
            "junctionCopyNumberMin junctionCopyNumberMax geneStart geneEnd localTopologyIdStart localTopologyIdEnd "
            "localTopologyStart localTopologyEnd localTICountStart localTICountEnd"),
        "LINX 2.3": _cols(
            "vcfIdStart vcfIdEnd svId coordsStart coordsEnd type clusterId clusterReason fragileSiteStart "
            "fragileSiteEnd isFoldback lineTypeStart lineTypeEnd junctionCopyNumberMin junctionCopyNumberMax "
            "geneStart geneEnd localTopologyIdStart localTopologyIdEnd localTopologyStart localTopologyEnd "
            "localTICountStart localTICountEnd"),
    }, {
        "vcfId": "joins the SV to the PURPLE SV VCF, whose coordinates, filter and allele frequencies are stored",
        "vcfIdStart": "joins the SV to the PURPLE SV VCF, whose coordinates, filter and allele frequencies are stored",
        "vcfIdEnd": "joins the SV to the PURPLE SV VCF, whose coordinates, filter and allele frequencies are stored",
    }),
    # C/linx/LinxBreakend.java: 2.3 added vcfId and coords, reportedDisruption became reportedStatus.
    "linx_breakend": Layout("LINX", {
        "LINX 2.0-2.2": _cols(
            "id svId isStart gene transcriptId canonical geneOrientation disruptive reportedDisruption "
            "undisruptedCopyNumber regionType codingType biotype exonicBasePhase nextSpliceExonRank "
            "nextSpliceExonPhase nextSpliceDistance totalExonCount exonUp exonDown"),
        "LINX 2.3": _cols(
            "id svId vcfId coords isStart gene transcriptId canonical geneOrientation disruptive reportedStatus "
            "undisruptedCopyNumber regionType codingType biotype exonicBasePhase nextSpliceExonRank "
            "nextSpliceExonPhase nextSpliceDistance totalExonCount exonUp exonDown"),
    }),
    # C/linx/LinxFusion.java: 2.3 dropped the trailing gene/context/transcript/junctionCopyNumber columns for
    # VCF ids and coordinates (the junction copy number is rebuilt from the breakends' SVs).
    "linx_fusion": Layout("LINX", {
        "LINX 2.0-2.2": _cols(
            "fivePrimeBreakendId threePrimeBreakendId name reported reportedType reportableReasons phased likelihood "
            "chainLength chainLinks chainTerminated domainsKept domainsLost skippedExonsUp skippedExonsDown "
            "fusedExonUp fusedExonDown geneStart geneContextStart transcriptStart geneEnd geneContextEnd "
            "transcriptEnd junctionCopyNumber"),
        "LINX 2.3": _cols(
            "fivePrimeBreakendId threePrimeBreakendId name reported reportedType reportableReasons phased likelihood "
            "fivePrimeVcfId threePrimeVcfId fivePrimeCoords threePrimeCoords chainLength chainLinks chainTerminated "
            "domainsKept domainsLost skippedExonsUp skippedExonsDown fusedExonUp fusedExonDown"),
    }, {
        "fivePrimeVcfId": "the 5' breakend's VCF id and coordinates are stored on its sv_breakend row",
        "threePrimeVcfId": "the 3' breakend's VCF id and coordinates are stored on its sv_breakend row",
        "fivePrimeCoords": "the 5' breakend's VCF id and coordinates are stored on its sv_breakend row",
        "threePrimeCoords": "the 3' breakend's VCF id and coordinates are stored on its sv_breakend row",
    }),
    # LINX drivers.tsv / clusters.tsv / links.tsv: unchanged since LINX 2.0.
    "linx_drivers": Layout("LINX", {"LINX 2.0-2.3": _cols("clusterId gene eventType")}),
    "linx_clusters": Layout("LINX", {
        "LINX 2.0-2.3": _cols("clusterId category synthetic resolvedType clusterCount clusterDesc"),
    }),
    "linx_links": Layout("LINX", {
        "LINX 2.0-2.3": _cols(
            "clusterId chainId chainIndex chainCount lowerSvId upperSvId lowerBreakendIsStart upperBreakendIsStart "
            "chromosome arm assembled traversedSVCount length junctionCopyNumber junctionCopyNumberUncertainty "
            "pseudogeneInfo ecDna"),
    }),
}


def read_header(path: Path, problems: Problems) -> list[str] | None:
    """The first line's column names (or a `.purple.qc`'s keys); None when unreadable (the reader says why)."""
    try:
        with open_text(path) as fh:
            if path.name.lower().endswith(".purple.qc"):
                header = [line.split("\t")[0].strip() for line in fh if line.strip()]
            else:
                header = next(([h.strip().lstrip("#") for h in line.rstrip("\r\n").split("\t")] for line in fh if line.strip()), [])
    except (OSError, EOFError, UnicodeDecodeError):
        return None
    # An empty file or a NUL byte in the header: the reader's own error says what is wrong, better than a layout.
    return header if header and not any("\0" in h for h in header) else None


def _versions_text(layout: Layout) -> str:
    return "; ".join(f"{label}: {', '.join(cols)}" for label, cols in layout.versions.items())


def check_layout(kind: str, path: Path, header: list[str], problems: Problems) -> list[str]:
    """The versions whose layout is exactly `header` ([] when it mixes known columns).

    A column no known version writes, or a column every known version writes that is
    missing, makes the file a layout onconode does not know: an error naming the file,
    those columns and the known versions.
    """
    layout = LAYOUTS[kind]
    unknown = [c for c in header if c not in layout.known]
    missing = sorted(layout.always - set(header))
    if unknown or missing:
        said = []
        if unknown:
            said.append(f"unknown column(s) {', '.join(unknown)}")
        if missing:
            said.append(f"missing column(s) {', '.join(missing)}")
        problems.error(
            str(path), 1, ", ".join(unknown + missing),
            f"not a {layout.tool} layout onconode knows ({'; '.join(said)}). Known versions — {_versions_text(layout)}",
            "check that the file is the right kind for its name; a newer tool version needs a newer onconode "
            "(report the header so the layout can be added)",
        )
        return []
    return [label for label, cols in layout.versions.items() if set(cols) == set(header)]


def not_stored(kind: str, header: list[str]) -> dict[str, str]:
    """The columns of this file that are read but not stored, with the reason for each."""
    reasons = LAYOUTS[kind].not_stored
    return {c: reasons[c] for c in header if c in reasons}
