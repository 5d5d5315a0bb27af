"""LINX outputs: SV annotations (svs.tsv), gene breakends, and fusions.

LINX renamed and dropped columns over its versions — breakend `reportedDisruption`
(boolean) became `reportedStatus`, fusions lost their trailing gene columns for VCF ids
and coordinates — so each field is looked up by name and both layouts read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from onconode.ingest.hmftools.fields import FieldReader, check_unique
from onconode.ingest.problems import Problems
from onconode.ingest.tsv import read_tsv
from onconode.ingest.values import is_missing
from onconode.model import Table
from onconode.model.tables import FUSION, STRUCTURAL_VARIANT, SV_BREAKEND

Row = dict[str, Any]


def _coords(
    reader: FieldReader, row: Row, line: int, header: str,
    columns: tuple[str, str, str] = ("start_chromosome", "start_position", "start_orientation"),
) -> tuple[str | None, int | None, int | None]:
    """'chr:position:orientation' (LINX coordsStart/End) → its three parts."""
    raw = row.get(header)
    if is_missing(raw):
        return None, None, None
    parts = raw.strip().rsplit(":", 2)
    if len(parts) != 3:
        reader.error(line, header, f"{raw!r} is not chromosome:position:orientation", "LINX writes e.g. 7:140453136:1")
        return None, None, None
    chrom = reader.value(parts[0], line, header, columns[0])
    pos = reader.value(parts[1], line, header, columns[1])
    orient = reader.value(parts[2], line, header, columns[2])
    if orient not in (None, 1, -1):
        reader.error(line, header, f"orientation {orient} is not 1 or -1", "LINX writes e.g. 7:140453136:1")
        orient = None
    reader.position(chrom, pos, line, header, header)
    return chrom, pos, orient


# svs.tsv header → structural_variant column, for the LINX annotations read as they are.
SV_FIELDS = {
    "junctionCopyNumberMin": "junction_copy_number_min", "junctionCopyNumberMax": "junction_copy_number_max",
    "clusterReason": "cluster_reason", "isFoldback": "is_foldback", "fragileSiteStart": "fragile_site_start",
    "fragileSiteEnd": "fragile_site_end", "lineTypeStart": "line_type_start", "lineTypeEnd": "line_type_end",
    "localTopologyStart": "local_topology_start", "localTopologyEnd": "local_topology_end",
    "localTopologyIdStart": "local_topology_id_start", "localTopologyIdEnd": "local_topology_id_end",
    "localTICountStart": "local_ti_count_start", "localTICountEnd": "local_ti_count_end",
}
# breakend.tsv header → sv_breakend column, beyond the ids, flags and the reported status.
BREAKEND_FIELDS = {
    "geneOrientation": "gene_orientation", "biotype": "biotype", "exonicBasePhase": "exonic_base_phase",
    "nextSpliceExonRank": "next_splice_exon_rank", "nextSpliceExonPhase": "next_splice_exon_phase",
    "nextSpliceDistance": "next_splice_distance", "totalExonCount": "total_exon_count",
    "exonUp": "exon_up", "exonDown": "exon_down", "vcfId": "vcf_id",
}
# fusion.tsv header → fusion column (both layouts; the <= 2.2 trailing gene columns included).
FUSION_FIELDS = {
    "reportableReasons": "reportable_reasons", "chainLinks": "chain_links", "chainTerminated": "chain_terminated",
    "domainsKept": "domains_kept", "domainsLost": "domains_lost", "skippedExonsUp": "skipped_exons_up",
    "skippedExonsDown": "skipped_exons_down", "transcriptStart": "five_prime_transcript",
    "transcriptEnd": "three_prime_transcript", "geneContextStart": "five_prime_context",
    "geneContextEnd": "three_prime_context",
}


def read_svs(path: Path, problems: Problems, ref_genome: str | None) -> list[Row]:
    """`.linx.svs.tsv` → structural_variant rows (ids, type, cluster, genes, coordinates).

    `_vcf_start` / `_vcf_end` carry LINX's VCF ids so the PURPLE SV VCF can fill the
    fields LINX does not write (filter, quality, allele frequencies, junction CN).
    """
    reader = FieldReader(path, problems, STRUCTURAL_VARIANT, ref_genome)
    rows = []
    for line, row in read_tsv(path, problems, required=("svId", "clusterId")):
        out: Row = {
            "sv_id": reader.required(row, line, "svId", "sv_id"),
            "type": reader.get(row, line, "type"),
            "cluster_id": reader.get(row, line, "clusterId", "cluster_id"),
            "start_gene": reader.get(row, line, "geneStart", "start_gene"),
            "end_gene": reader.get(row, line, "geneEnd", "end_gene"),
        }
        for header, column in SV_FIELDS.items():
            out[column] = reader.get(row, line, header, column)
        out["start_chromosome"], out["start_position"], out["start_orientation"] = _coords(reader, row, line, "coordsStart")
        out["end_chromosome"], out["end_position"], out["end_orientation"] = _coords(reader, row, line, "coordsEnd")
        # LINX <= 2.2 wrote one `vcfId` (the start breakend's); 2.3 writes both ends.
        start_id = row.get("vcfIdStart", row.get("vcfId"))
        reader.mark(*(h for h in ("vcfId", "vcfIdStart", "vcfIdEnd") if h in row))
        out["_vcf_start"] = None if is_missing(start_id) else start_id.strip()
        out["_vcf_end"] = None if is_missing(row.get("vcfIdEnd")) else row["vcfIdEnd"].strip()
        rows.append((line, out))
    return check_unique(reader, rows, ("sv_id",))


def read_breakends(path: Path, problems: Problems, table: Table = SV_BREAKEND) -> list[Row]:
    """`.linx.breakend.tsv` (old `reportedDisruption` or new `reportedStatus`) → sv_breakend rows
    (`table`: germline_sv_breakend for LINX germline mode's file of the same layout)."""
    reader = FieldReader(path, problems, table)
    rows = []
    for line, row in read_tsv(path, problems, required=("id", "svId", "gene")):
        out: Row = {
            "breakend_id": reader.required(row, line, "id", "breakend_id"),
            "sv_id": reader.get(row, line, "svId", "sv_id"),
            "is_start": reader.get(row, line, "isStart", "is_start"),
            "gene": reader.get(row, line, "gene"),
            "transcript": reader.get(row, line, "transcriptId", "transcript"),
            "is_canonical": reader.get(row, line, "canonical" if "canonical" in row else "isCanonical", "is_canonical"),
            "disruptive": reader.get(row, line, "disruptive"),
            "region_type": reader.get(row, line, "regionType", "region_type"),
            "coding_type": reader.get(row, line, "codingType", "coding_type"),
            "undisrupted_copy_number": reader.get(row, line, "undisruptedCopyNumber", "undisrupted_copy_number"),
        }
        for header, column in BREAKEND_FIELDS.items():
            out[column] = reader.get(row, line, header, column)
        if "coords" in row:
            out["chromosome"], out["position"], out["orientation"] = _coords(reader, row, line, "coords", ("chromosome", "position", "orientation"))
        if "reportedStatus" in row:   # NONE is a status of its own (a code of the column), not a missing value
            out["reported_status"] = reader.get(row, line, "reportedStatus", "reported_status")
        else:  # LINX <= 2.2: a boolean, which is REPORTED or not
            flag = reader.get(row, line, "reportedDisruption", "reported")
            out["reported_status"] = None if flag is None else ("REPORTED" if flag else "NONE")
        out["reported"] = None if out["reported_status"] is None else out["reported_status"] == "REPORTED"
        rows.append((line, out))
    return check_unique(reader, rows, ("breakend_id",))


def _split_name(name: str) -> tuple[str, str] | None:
    parts = name.split("_")
    return (parts[0], parts[1]) if len(parts) == 2 and all(parts) else None


def read_fusions(path: Path, problems: Problems, breakend_genes: dict[int, str]) -> list[Row]:
    """`.linx.fusion.tsv` (old or new layout) → fusion rows.

    The partner genes come from the old layout's geneStart/geneEnd columns, else from
    the breakends the fusion joins, else from the name `5'GENE_3'GENE` when it splits
    unambiguously — a gene symbol may itself hold an underscore, so a guess is refused.
    """
    reader = FieldReader(path, problems, FUSION)
    rows = []
    for line, row in read_tsv(path, problems, required=("fivePrimeBreakendId", "threePrimeBreakendId", "name")):
        out: Row = {
            "name": reader.required(row, line, "name"),
            "five_prime_breakend_id": reader.get(row, line, "fivePrimeBreakendId", "five_prime_breakend_id"),
            "three_prime_breakend_id": reader.get(row, line, "threePrimeBreakendId", "three_prime_breakend_id"),
            "reported": reader.get(row, line, "reported"),
            "reported_type": reader.get(row, line, "reportedType", "reported_type"),
            "phased": reader.get(row, line, "phased"),
            "likelihood": reader.get(row, line, "likelihood"),
            "fused_exon_up": reader.get(row, line, "fusedExonUp", "fused_exon_up"),
            "fused_exon_down": reader.get(row, line, "fusedExonDown", "fused_exon_down"),
            "chain_length": reader.get(row, line, "chainLength", "chain_length"),
            "junction_copy_number": reader.get(row, line, "junctionCopyNumber", "junction_copy_number"),
        }
        for header, column in FUSION_FIELDS.items():
            out[column] = reader.get(row, line, header, column)
        reader.mark(*(h for h in ("fivePrimeVcfId", "threePrimeVcfId", "fivePrimeCoords", "threePrimeCoords") if h in row))
        five = reader.get(row, line, "geneStart", "five_prime_gene") or breakend_genes.get(out["five_prime_breakend_id"])
        three = reader.get(row, line, "geneEnd", "three_prime_gene") or breakend_genes.get(out["three_prime_breakend_id"])
        if (five is None or three is None) and out["name"]:
            split = _split_name(out["name"])
            if split:
                five, three = five or split[0], three or split[1]
        if five is None or three is None:
            reader.error(
                line, "name", f"cannot tell the 5' and 3' genes of fusion {out['name']!r}",
                "include the LINX breakend file of the same run (it names each breakend's gene)",
            )
        out["five_prime_gene"], out["three_prime_gene"] = five, three
        rows.append((line, out))
    return check_unique(reader, rows, ("name", "five_prime_breakend_id", "three_prime_breakend_id"))


def fill_breakends_from_svs(breakends: list[Row], svs: list[Row]) -> int:
    """Give each breakend its VCF id and position from its SV's start or end where the file
    has none: LINX 2.3 writes them on the breakend (`vcfId`, `coords`), LINX <= 2.2 only on
    the SV (and PURPLE's SV VCF), so both generations load the same breakend rows."""
    by_id = {str(s["sv_id"]): s for s in svs if s.get("sv_id") is not None}
    filled = 0
    for b in breakends:
        sv = by_id.get(str(b.get("sv_id")))
        if sv is None or b.get("is_start") is None:
            continue
        end = "start" if b["is_start"] else "end"
        if b.get("vcf_id") is None:
            b["vcf_id"] = sv.get(f"_vcf_{end}")
        if b.get("position") is None and sv.get(f"{end}_position") is not None:
            b["chromosome"], b["position"], b["orientation"] = sv[f"{end}_chromosome"], sv[f"{end}_position"], sv[f"{end}_orientation"]
            filled += 1
    return filled


def fill_fusion_transcripts(fusions: list[Row], breakends: list[Row]) -> int:
    """A fusion's 5' and 3' transcripts are its breakends' (LINX <= 2.2 repeated them in
    fusion.tsv as transcriptStart / transcriptEnd; 2.3 leaves them to breakend.tsv)."""
    transcript = {b["breakend_id"]: b.get("transcript") for b in breakends if b.get("breakend_id") is not None}
    filled = 0
    for f in fusions:
        for end in ("five_prime", "three_prime"):
            if f.get(f"{end}_transcript") is None and transcript.get(f.get(f"{end}_breakend_id")) is not None:
                f[f"{end}_transcript"] = transcript[f[f"{end}_breakend_id"]]
                filled += 1
    return filled
