"""One sample's tables written as PURPLE / LINX / CHORD files, in the layouts current
hmftools writes (headers: reference/hartwig.md §2-3 and the real COLO829 outputs)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pyarrow as pa

from onconode.ingest.genome import LENGTHS
from onconode.synth.mode import Mode
from onconode.synth.panel import PARAMS_FILE, params_text, target_region_cn_text
from onconode.synth.tool_tables import FOLDER, VERSIONS, run_tools

PURITY_HEADER = ("purity normFactor score diploidProportion ploidy gender status polyclonalProportion minPurity maxPurity "
                 "minPloidy maxPloidy minDiploidProportion maxDiploidProportion somaticPenalty wholeGenomeDuplication "
                 "msIndelsPerMb msStatus tml tmlStatus tmbPerMb tmbStatus svTumorMutationalBurden runMode targeted").split()
CNV_HEADER = ("chromosome start end copyNumber bafCount observedBAF baf segmentStartSupport segmentEndSupport method "
              "depthWindowCount gcContent minStart maxStart minorAlleleCopyNumber majorAlleleCopyNumber").split()
GENE_HEADER_2X = ("chromosome start end gene minCopyNumber maxCopyNumber somaticRegions transcriptId isCanonical "
                  "chromosomeBand minRegions minRegionStart minRegionEnd minRegionStartSupport minRegionEndSupport "
                  "minRegionMethod minMinorAlleleCopyNumber depthWindowCount gcContent").split()   # PURPLE 4.2-4.3
GENE_HEADER = ("chromosome start end gene minCopyNumber maxCopyNumber somaticRegions transcriptId isCanonical chromosomeBand "
               "minRegions minRegionStart minRegionEnd minRegionStartSupport minRegionEndSupport minRegionMethod "
               "minMinorAlleleCopyNumber relativeMinCopyNumber depthWindowCount gcContent reportedStatus driverType").split()
DRIVER_HEADER_2X = ("chromosome chromosomeBand gene transcript isCanonical driver category likelihoodMethod "
                    "driverLikelihood missense nonsense splice inframe frameshift biallelic minCopyNumber maxCopyNumber").split()
DRIVER_HEADER = ("chromosome chromosomeBand gene transcript isCanonical driver category likelihoodMethod reportedStatus "
                 "driverLikelihood missense nonsense splice inframe frameshift biallelic minCopyNumber maxCopyNumber").split()
CHORD_HEADER = "sample p_BRCA1 p_BRCA2 p_hrd hr_status hrd_type remarks_hr_status remarks_hrd_type".split()
VCF_HEADER = """##fileformat=VCFv4.2
##FILTER=<ID=PASS,Description="All filters passed">
##FILTER=<ID=PON,Description="Filter PON variant">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths for the ref and alt alleles in the order listed">
##FORMAT=<ID=AF,Number=1,Type=Float,Description="Allelic frequency calculated from read context counts as (Full + Partial + Core + Realigned + Alt) / Coverage">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth (reads with MQ=255 or with bad mates are filtered)">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##INFO=<ID=BIALLELIC,Number=0,Type=Flag,Description="Variant is biallelic">
##INFO=<ID=GND_FREQ,Number=1,Type=Float,Description="Gnomad variant frequency">
##INFO=<ID=HOTSPOT,Number=0,Type=Flag,Description="Site is at a known hotspot location">
##INFO=<ID=IMPACT,Number=10,Type=String,Description="Variant Impact [Gene, Transcript, CanonicalEffect, CanonicalCodingEffect, SpliceRegion, HgvsCodingImpact, HgvsProteinImpact, OtherReportableEffects, WorstCodingEffect, GenesAffected]">
##INFO=<ID=NEAR_HOTSPOT,Number=0,Type=Flag,Description="Variant within 5 bases of hotspot">
##INFO=<ID=PURPLE_AF,Number=1,Type=Float,Description="Purity adjusted variant allelic frequency">
##INFO=<ID=PURPLE_CN,Number=1,Type=Float,Description="Purity adjusted copy number surrounding variant location">
##INFO=<ID=PURPLE_MACN,Number=1,Type=Float,Description="Purity adjusted minor allele ploidy surrounding variant location">
##INFO=<ID=PURPLE_VCN,Number=1,Type=Float,Description="Purity adjusted variant copy number">
##INFO=<ID=REPORTED,Number=0,Type=Flag,Description="Variant is reported in the driver catalog">
##INFO=<ID=SUBCL,Number=1,Type=Float,Description="Non-zero subclonal likelihood">
##INFO=<ID=TIER,Number=1,Type=String,Description="Tier: [HOTSPOT, PANEL, HIGH_CONFIDENCE, LOW_CONFIDENCE]">
##PaveVersion=%(pave)s
##purpleVersion=%(purple)s
##sageVersion=%(sage)s
"""


def _v(x: object, fmt: str = "{:.4f}") -> str:
    if x is None:
        return ""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, float):
        return fmt.format(x)
    return str(x)


def _tsv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\t".join(header) + "\n")
        for r in rows:
            fh.write("\t".join(_v(x) for x in r) + "\n")


def bgzf(data: bytes) -> bytes:
    """BGZF (blocked gzip, what bgzip writes; plain gzip readers read it too), deterministic."""
    out = bytearray()
    for i in range(0, len(data), 65280):
        chunk = data[i:i + 65280]
        comp = zlib.compressobj(6, zlib.DEFLATED, -15)
        body = comp.compress(chunk) + comp.flush()
        out += struct.pack("<4BI2BH2BHH", 31, 139, 8, 4, 0, 0, 255, 6, 66, 67, 2, len(body) + 25)
        out += body + struct.pack("<II", zlib.crc32(chunk), len(chunk))
    out += bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
    return bytes(out)


def write_vcf(path: Path, sample_id: str, t: pa.Table, normal_id: str | None, versions: dict[str, str]) -> None:
    """PURPLE's somatic VCF; tumour-only runs have no normal column."""
    contigs = "".join(f"##contig=<ID={c},length={n}>\n" for c, n in LENGTHS["GRCh37"].items())
    samples = f"{normal_id}\t{sample_id}" if normal_id else sample_id
    lines = [VCF_HEADER % versions + contigs + f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{samples}\n"]
    d = t.to_pydict()
    for i in range(t.num_rows):
        info = []
        if d["biallelic"][i]:
            info.append("BIALLELIC")
        if d["gnomad_frequency"][i] is not None:
            info.append(f"GND_FREQ={d['gnomad_frequency'][i]:.3e}")
        if d["hotspot"][i] == "HOTSPOT":
            info.append("HOTSPOT")
        if d["gene"][i] is not None:
            info.append("IMPACT=" + ",".join([
                d["gene"][i], d["transcript"][i] or "", d["canonical_effect"][i] or "", d["coding_effect"][i] or "NONE",
                "false", d["hgvs_coding"][i] or "", d["hgvs_protein"][i] or "", "", d["worst_coding_effect"][i] or "NONE", "1"]))
        info.append(f"PURPLE_AF={d['adjusted_vaf'][i]:.4f}")
        info.append(f"PURPLE_CN={d['copy_number'][i]:.4f}")
        info.append(f"PURPLE_MACN={d['minor_allele_copy_number'][i]:.4f}")
        info.append(f"PURPLE_VCN={d['variant_copy_number'][i]:.4f}")
        if d["reported"][i]:
            info.append("REPORTED")
        info.append(f"SUBCL={d['subclonal_likelihood'][i]:.2f}")
        info.append(f"TIER={d['tier'][i]}")
        alt_n, dp = d["allele_read_count"][i], d["total_read_count"][i]
        normal = "\t0/0:38,0:0.0000:38" if normal_id else ""
        lines.append(
            f"{d['chromosome'][i]}\t{d['position'][i]}\t.\t{d['ref'][i]}\t{d['alt'][i]}\t{max(50, alt_n * 20)}\t{d['filter'][i]}\t"
            f"{';'.join(info)}\tGT:AD:AF:DP{normal}\t0/1:{dp - alt_n},{alt_n}:{d['vaf'][i]:.4f}:{dp}\n")
    path.write_bytes(bgzf("".join(lines).encode()))


def write_sample(folder: Path, sample_id: str, tables: dict[str, pa.Table], tool_text: dict[str, str], mode: Mode,
                 generation: str) -> None:
    """The run's group folder as oncoanalyser lays it out (a folder per tool, LINX's under
    linx/somatic_annotations), with each tool's `<tool>.version` file."""
    v3 = generation == "3.0"
    versions = VERSIONS[generation]
    for tool in run_tools(tool_text, mode.targeted):
        (folder / FOLDER[tool]).mkdir(parents=True, exist_ok=True)
        (folder / FOLDER[tool] / f"{tool}.version").write_text(f"version={versions[tool]}\n", encoding="utf-8")
    for rel, text in tool_text.items():
        if rel.endswith((".qsee.status.tsv", ".vcf")):   # QSEE's status file and VCFs are gzipped
            (folder / f"{rel}.gz").write_bytes(bgzf(text.encode()))
        else:
            (folder / rel).write_text(text, encoding="utf-8")
    base = folder / "purple" / sample_id
    linx = folder / FOLDER["linx"] / sample_id
    chord = folder / "chord" / sample_id
    tp = tables["tumor_profile"].to_pylist()[0]
    _tsv(Path(f"{base}.purple.purity.tsv"), PURITY_HEADER, [[
        tp["purity"], 1.0, 0.5, 0.1, tp["ploidy"], tp["gender"], tp["fit_method"], 0.0, tp["purity"], tp["purity"],
        tp["ploidy"], tp["ploidy"], 0.1, 0.1, 0.0, tp["whole_genome_duplication"], tp["ms_indels_per_mb"], tp["msi_status"],
        tp["tml"], tp["tml_status"], tp["tmb_per_mb"], tp["tmb_status"], tp["sv_tmb"], mode.run_mode, mode.targeted]])
    if mode.targeted:   # PURPLE's target-region copy number, and the run's parameters naming the panel
        Path(f"{base}.purple.target_region_cn.tsv").write_text(target_region_cn_text(tables["gene_copy_number"]), encoding="utf-8")
        (folder / PARAMS_FILE).parent.mkdir(parents=True, exist_ok=True)
        (folder / PARAMS_FILE).write_text(params_text(), encoding="utf-8")
    with open(f"{base}.purple.qc", "w", encoding="utf-8", newline="\n") as fh:
        for k, v in (("QCStatus", tp["qc_status"]), ("Method", tp["fit_method"]), ("CopyNumberSegments", tp["copy_number_segments"]),
                     ("UnsupportedCopyNumberSegments", 0), ("Purity", f"{tp['purity']:.4f}"), ("AmberGender", tp["gender"]),
                     ("CobaltGender", tp["gender"]), ("DeletedGenes", tp["deleted_genes"]), ("Contamination", tp["contamination"]),
                     ("GermlineAberrations", "NONE"), ("AmberMeanDepth", int(tp["mean_depth"])), ("LohPercent", "0.1000"),
                     *((("TincLevel", "0.0000"),) if v3 else ())):
            fh.write(f"{k}\t{v}\n")
    seg = tables["copy_number_segment"].to_pylist()
    _tsv(Path(f"{base}.purple.cnv.somatic.tsv"), CNV_HEADER, [[
        s["chromosome"], s["start"], s["end"], s["copy_number"], 100, 0.5, 0.5,
        "TELOMERE" if s["start"] == 1 else "BND", "TELOMERE" if s["end"] == LENGTHS["GRCh37"][s["chromosome"]] else "BND",
        s["method"], 1000, 0.4, s["start"], s["start"], s["minor_allele_copy_number"], s["major_allele_copy_number"]] for s in seg])
    _tsv(Path(f"{base}.purple.cnv.gene.tsv"), GENE_HEADER if v3 else GENE_HEADER_2X, [
        [*_gene_41(g), g["relative_min_copy_number"], 100, 0.4, "NONE", ""] if v3 else [*_gene_41(g), 100, 0.4]
        for g in tables["gene_copy_number"].to_pylist()])
    # LINX's catalogue is PURPLE's plus its disruption drivers; the synthetic genomes have
    # no disruptions, so both files list the same drivers (the reader merges them).
    drivers = [[
        d["chromosome"], d["chromosome_band"], d["gene"], d["transcript"], d["is_canonical"], d["driver"], d["category"],
        d["likelihood_method"], d["reported_status"], d["driver_likelihood"], d["missense"], d["nonsense"], d["splice"],
        d["inframe"], d["frameshift"], d["biallelic"], d["min_copy_number"], d["max_copy_number"]]
        for d in tables["driver"].to_pylist()]
    if not v3:   # PURPLE 4.2 catalogues have no reportedStatus (the reader takes every row as reported)
        drivers = [d[:8] + d[9:] for d in drivers]
    header = DRIVER_HEADER if v3 else DRIVER_HEADER_2X
    _tsv(Path(f"{base}.purple.driver.catalog.somatic.tsv"), header, drivers)
    write_vcf(Path(f"{base}.purple.somatic.vcf.gz"), sample_id, tables["somatic_variant"], mode.normal_id, versions)
    _tsv(Path(f"{linx}.linx.driver.catalog.tsv"), header, drivers)
    if mode.targeted:   # CHORD does not run on panels
        return
    hrd = tp["hr_status"] == "HR_DEFICIENT"
    _tsv(Path(f"{chord}.chord.prediction.tsv"), CHORD_HEADER, [[
        sample_id, 0.85 if tp["hrd_type"] == "BRCA1_type" else 0.01, 0.85 if tp["hrd_type"] == "BRCA2_type" else 0.02,
        tp["hrd_score"], "HR_deficient" if hrd else "HR_proficient", tp["hrd_type"], "", ""]])


def _gene_41(g: dict) -> list[object]:
    """The first 17 columns of a gene copy-number row, the same in PURPLE 4.1 and 4.4."""
    return [g["chromosome"], g["start"], g["end"], g["gene"], g["min_copy_number"], g["max_copy_number"], g["somatic_regions"],
            g["transcript"], g["is_canonical"], g["chromosome_band"], 1, g["start"], g["end"], "BND", "BND",
            g["min_region_method"], g["min_minor_allele_copy_number"]]
