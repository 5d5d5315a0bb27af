"""One sample's LINX files (svs, breakend, fusion) in the layout of the run's WiGiTS
generation, and PURPLE's SV VCF that LINX's `vcfId`s point into.

LINX 2.3 (WiGiTS 3.0) writes each SV's coordinates and type and both breakends' VCF ids,
a `reportedStatus` per breakend, and no junction copy number on a fusion (it is the mean
of its breakends' SVs). LINX 2.0-2.2 (WiGiTS 2.x) wrote one `vcfId`, no coordinates or
type (they are in PURPLE's `.purple.sv.vcf.gz`), a `reportedDisruption` boolean, and the
fusion's partner genes, contexts, transcripts and `junctionCopyNumber` as trailing
columns (hmf-common C/linx/LinxSvAnnotation.java, LinxBreakend.java, LinxFusion.java;
reference/wigits-outputs.md). Both are written from the same rows, so an ingest of either
generation gives the same model rows.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from onconode.ingest.genome import LENGTHS
from onconode.synth.mode import Mode
from onconode.synth.tool_tables import FOLDER
from onconode.synth.writers_hmftools import _tsv, bgzf

SVS_2X = ("vcfId svId clusterId clusterReason fragileSiteStart fragileSiteEnd isFoldback lineTypeStart lineTypeEnd "
          "junctionCopyNumberMin junctionCopyNumberMax geneStart geneEnd localTopologyIdStart localTopologyIdEnd "
          "localTopologyStart localTopologyEnd localTICountStart localTICountEnd").split()
SVS_HEADER = ("vcfIdStart vcfIdEnd svId coordsStart coordsEnd type clusterId clusterReason fragileSiteStart fragileSiteEnd "
              "isFoldback lineTypeStart lineTypeEnd junctionCopyNumberMin junctionCopyNumberMax geneStart geneEnd "
              "localTopologyIdStart localTopologyIdEnd localTopologyStart localTopologyEnd localTICountStart localTICountEnd").split()
BREAKEND_2X = ("id svId isStart gene transcriptId canonical geneOrientation disruptive reportedDisruption "
               "undisruptedCopyNumber regionType codingType biotype exonicBasePhase nextSpliceExonRank nextSpliceExonPhase "
               "nextSpliceDistance totalExonCount exonUp exonDown").split()
BREAKEND_HEADER = ("id svId vcfId coords isStart gene transcriptId canonical geneOrientation disruptive reportedStatus "
                   "undisruptedCopyNumber regionType codingType biotype exonicBasePhase nextSpliceExonRank nextSpliceExonPhase "
                   "nextSpliceDistance totalExonCount exonUp exonDown").split()
FUSION_2X = ("fivePrimeBreakendId threePrimeBreakendId name reported reportedType reportableReasons phased likelihood "
             "chainLength chainLinks chainTerminated domainsKept domainsLost skippedExonsUp skippedExonsDown fusedExonUp "
             "fusedExonDown geneStart geneContextStart transcriptStart geneEnd geneContextEnd transcriptEnd "
             "junctionCopyNumber").split()
FUSION_HEADER = ("fivePrimeBreakendId threePrimeBreakendId name reported reportedType reportableReasons phased likelihood "
                 "fivePrimeVcfId threePrimeVcfId fivePrimeCoords threePrimeCoords chainLength chainLinks chainTerminated "
                 "domainsKept domainsLost skippedExonsUp skippedExonsDown fusedExonUp fusedExonDown").split()
SV_VCF_HEADER = """##fileformat=VCFv4.2
##FILTER=<ID=PASS,Description="All filters passed">
##INFO=<ID=MATEID,Number=.,Type=String,Description="ID of mate breakend">
##INFO=<ID=PURPLE_AF,Number=.,Type=Float,Description="Purity adjusted allele frequency at each breakend">
##INFO=<ID=PURPLE_JCN,Number=.,Type=Float,Description="Purity adjusted junction copy number at each breakend">
##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type of structural variant">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##purpleVersion=%(purple)s
"""
DEFAULT_JCN = 1.0
AF = 0.3   # the purity-adjusted allele frequency written at every breakend


def _ids(sv_id: str) -> tuple[str, str]:
    """The VCF ids of an SV's two breakends, as GRIDSS / Esvee name mates (o = start, h = end)."""
    return f"sv{sv_id}o", f"sv{sv_id}h"


def _alts(s: dict) -> tuple[str, str]:
    """Breakend notation of both ends (VCF 4.2 §5.4): orientation 1 joins after the base, -1 before it."""
    def alt(orientation: int, mate_orientation: int, chrom: str, pos: int) -> str:
        bracket = "[" if mate_orientation == -1 else "]"
        target = f"{bracket}{chrom}:{pos}{bracket}"
        return f"N{target}" if orientation == 1 else f"{target}N"
    return (alt(s["start_orientation"], s["end_orientation"], s["end_chromosome"], s["end_position"]),
            alt(s["end_orientation"], s["start_orientation"], s["start_chromosome"], s["start_position"]))


def _junction_copy_numbers(tables: dict[str, pa.Table]) -> dict[str, float]:
    """Each fusion's SV carries the fusion's junction copy number (LINX's fusion value is its SV's)."""
    sv_of = {b["breakend_id"]: b["sv_id"] for b in tables["sv_breakend"].to_pylist()}
    return {sv_of[f["five_prime_breakend_id"]]: f["junction_copy_number"] for f in tables["fusion"].to_pylist()
            if f["junction_copy_number"] is not None}


def write_sv_vcf(path: Path, sample_id: str, svs: list[dict], jcn: dict[str, float], normal_id: str | None,
                 versions: dict[str, str]) -> None:
    """PURPLE's SV VCF: two mated breakend records per SV, PASS, with PURPLE's AF and junction CN."""
    contigs = "".join(f"##contig=<ID={c},length={n}>\n" for c, n in LENGTHS["GRCh37"].items())
    samples = f"{normal_id}\t{sample_id}" if normal_id else sample_id
    lines = [SV_VCF_HEADER % versions + contigs + f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{samples}\n"]
    gt = "\t0/0\t0/1" if normal_id else "\t0/1"
    records = []
    for s in svs:
        start_id, end_id = _ids(s["sv_id"])
        start_alt, end_alt = _alts(s)
        j = jcn.get(s["sv_id"], DEFAULT_JCN)
        info = f"PURPLE_AF={AF:.4f},{AF:.4f};PURPLE_JCN={j:.4f},{j:.4f};SVTYPE={s['type']}"
        records.append((s["start_chromosome"], s["start_position"], start_id, start_alt, f"MATEID={end_id};{info}"))
        records.append((s["end_chromosome"], s["end_position"], end_id, end_alt, f"MATEID={start_id};{info}"))
    for chrom, pos, vid, alt, info in records:
        lines.append(f"{chrom}\t{pos}\t{vid}\tN\t{alt}\t1000\tPASS\t{info}\tGT{gt}\n")
    path.write_bytes(bgzf("".join(lines).encode()))


def write_linx(folder: Path, sample_id: str, tables: dict[str, pa.Table], mode: Mode, generation: str,
               versions: dict[str, str]) -> None:
    """svs / breakend / fusion .tsv under linx/somatic_annotations and purple/<sample>.purple.sv.vcf.gz."""
    v3 = generation == "3.0"
    linx = folder / FOLDER["linx"] / sample_id
    svs = tables["structural_variant"].to_pylist()
    jcn = _junction_copy_numbers(tables)
    write_sv_vcf(folder / "purple" / f"{sample_id}.purple.sv.vcf.gz", sample_id, svs, jcn, mode.normal_id, versions)
    rows = []
    for s in svs:
        j = jcn.get(s["sv_id"], DEFAULT_JCN)
        annotation = [s["cluster_id"], "", False, False, False, "NONE", "NONE", round(j - 0.1, 4), round(j + 0.1, 4),
                      s["start_gene"] or "", s["end_gene"] or "", 0, 0, "DSB", "DSB", 0, 0]
        start_id, end_id = _ids(s["sv_id"])
        rows.append([start_id, end_id, s["sv_id"], f"{s['start_chromosome']}:{s['start_position']}:{s['start_orientation']}",
                     f"{s['end_chromosome']}:{s['end_position']}:{s['end_orientation']}", s["type"], *annotation] if v3
                    else [start_id, s["sv_id"], *annotation])
    _tsv(Path(f"{linx}.linx.svs.tsv"), SVS_HEADER if v3 else SVS_2X, rows)
    breakends = tables["sv_breakend"].to_pylist()
    sv_by_id = {s["sv_id"]: s for s in svs}
    rows = []
    for b in breakends:
        sv, end = sv_by_id[b["sv_id"]], "start" if b["is_start"] else "end"
        coords = f"{sv[end + '_chromosome']}:{sv[end + '_position']}:{sv[end + '_orientation']}"
        head = [b["breakend_id"], b["sv_id"], *((_ids(b["sv_id"])[0 if b["is_start"] else 1], coords) if v3 else ()), b["is_start"],
                b["gene"], b["transcript"], b["is_canonical"], "Upstream" if b["is_start"] else "Downstream", b["disruptive"]]
        # a breakend no driver reports is NONE in 2.3; 2.0-2.2 wrote only true / false
        reported = ("REPORTED" if b["reported"] else "NONE") if v3 else b["reported"]
        rows.append([*head, reported, b["undisrupted_copy_number"], b["region_type"], b["coding_type"], "protein_coding",
                     -1, 2, -1, 100, 10, 1, 2])
    _tsv(Path(f"{linx}.linx.breakend.tsv"), BREAKEND_HEADER if v3 else BREAKEND_2X, rows)
    by_id = {b["breakend_id"]: b for b in breakends}
    rows = []
    for f in tables["fusion"].to_pylist():
        head = [f["five_prime_breakend_id"], f["three_prime_breakend_id"], f["name"], f["reported"], f["reported_type"],
                "KNOWN_PAIR", f["phased"], f["likelihood"]]
        body = [f["chain_length"], 0, False, "", "", 0, 0, f["fused_exon_up"], f["fused_exon_down"]]
        if v3:
            rows.append([*head, "", "", "", "", *body])
        else:
            five, three = by_id[f["five_prime_breakend_id"]], by_id[f["three_prime_breakend_id"]]
            rows.append([*head, *body, f["five_prime_gene"], f"Intron {f['fused_exon_up']}", five["transcript"],
                         f["three_prime_gene"], f"Intron {f['fused_exon_down'] - 1}", three["transcript"],
                         f["junction_copy_number"]])
    _tsv(Path(f"{linx}.linx.fusion.tsv"), FUSION_HEADER if v3 else FUSION_2X, rows)
