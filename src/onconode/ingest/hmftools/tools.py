"""The WiGiTS tools beyond PURPLE / LINX / CHORD / ORANGE: which files, read by what.

Each `ToolFile` names a file kind (its suffix after the sample id) and its reader; the
folder walker (discover.py) learns the suffixes from here and the sample reader
(sample.py) calls `read_tool_files`, so adding a tool touches this list only.

Some tools name their files after another sample of the same run: PEACH and the normal
TEAL file use the normal's id, Isofox the RNA sample's id, QSEE's multi-sample mode
`multisample`. Such a *companion* file is attached to the tumour sample whose files
share the deepest folder with it (the run's group folder); when two tumours are equally
near, the ingest says so instead of guessing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from onconode.ingest.hmftools import cider, cuppa, germline_vcf, isofox, lilac, linx_germline, peach, qsee, sigs, teal, virus
from onconode.ingest.hmftools.layouts import Layout
from onconode.ingest.problems import Problems
from onconode.model import TABLES_BY_NAME

Row = dict[str, Any]


@dataclass(frozen=True)
class ToolFile:
    kind: str
    suffix: str                       # regular expression for everything after the sample id
    read: Callable[..., dict[str, list[Row]]]
    companion: bool = False           # may be named after the run's normal or RNA sample
    layouts: tuple[Layout, ...] = ()  # the tool versions' layouts its header is checked against


def _not_stored(why: str) -> Callable[..., dict[str, list[Row]]]:
    """A reader for a tool file onconode knows and deliberately does not store: it says so."""
    def read(path: Path, problems: Problems, ref_genome: str | None = None, **_: Any) -> dict[str, list[Row]]:
        problems.warning(str(path), None, None, f"not stored: {why}")
        return {}
    return read


TOOL_FILES: tuple[ToolFile, ...] = (
    ToolFile("cuppa_vis_data", r"\.cuppa\.vis_data\.tsv", cuppa.read_vis_data, layouts=cuppa.VIS_DATA),
    ToolFile("cuppa_pred_summ", r"\.cuppa\.pred_summ\.tsv", cuppa.read_pred_summ, layouts=cuppa.PRED_SUMM),
    ToolFile("lilac", r"\.lilac\.(?:tsv|csv)", lilac.read_alleles, layouts=lilac.ALLELES),
    ToolFile("lilac_qc", r"\.lilac\.qc\.(?:tsv|csv)", lilac.read_qc, layouts=lilac.QC),
    ToolFile("virus", r"\.virus\.annotated\.tsv", virus.read, layouts=virus.LAYOUTS),
    ToolFile("sigs", r"\.sig\.allocation\.tsv", sigs.read, layouts=sigs.LAYOUTS),
    ToolFile("peach", r"\.peach\.haplotypes\.best\.tsv", peach.read, companion=True, layouts=peach.LAYOUTS),
    ToolFile("peach_v1", r"\.peach\.genotype\.tsv", peach.read, companion=True, layouts=peach.LAYOUTS),
    ToolFile("teal", r"\.teal\.tellength\.tsv", teal.read, companion=True, layouts=teal.LAYOUTS),
    ToolFile("isofox_summary", r"\.isf\.summary\.(?:tsv|csv)", isofox.read_summary, companion=True, layouts=isofox.SUMMARY),
    ToolFile("isofox_gene_data", r"\.isf\.gene_data\.(?:tsv|csv)", isofox.read_gene_data, companion=True, layouts=isofox.GENE_DATA),
    ToolFile("isofox_alt_sj", r"\.isf\.alt_splice_junc\.(?:tsv|csv)", isofox.read_alt_sj, companion=True, layouts=isofox.ALT_SJ),
    ToolFile("isofox_fusions", r"\.isf\.pass_fusions\.(?:tsv|csv)", isofox.read_fusions, companion=True, layouts=isofox.FUSIONS),
    ToolFile("qsee", r"\.qsee\.status\.tsv(?:\.gz)?", qsee.read, companion=True, layouts=qsee.LAYOUTS),
    ToolFile("purple_germline_vcf", r"\.purple\.germline\.vcf(?:\.gz)?", germline_vcf.read),
    ToolFile("linx_germline_breakend", r"\.linx\.germline\.breakend\.tsv", linx_germline.read_breakends,
             layouts=linx_germline.BREAKEND),
    ToolFile("linx_germline_disruption", r"\.linx\.germline\.disruption\.tsv", linx_germline.read_disruptions,
             layouts=linx_germline.DISRUPTION),
    ToolFile("cider_vdj", r"\.cider\.vdj\.tsv(?:\.gz)?", cider.read_vdj, companion=True, layouts=cider.VDJ),
    ToolFile("cider_locus_stats", r"\.cider\.locus_stats\.tsv", cider.read_locus_stats, companion=True,
             layouts=cider.LOCUS_STATS),
    # files of these tools that hold intermediate or plotting data: recognised, so that the
    # ingest says what it leaves out instead of passing over them in silence
    ToolFile("peach_other", r"\.peach\.(?:haplotypes\.all|events|gene\.events|qc|calls)\.tsv",
             _not_stored("PEACH's candidate haplotypes, events and QC; the best haplotypes (haplotypes.best.tsv) are stored"),
             companion=True),
    ToolFile("qsee_vis", r"\.qsee\.vis\.data\.tsv(?:\.gz)?",
             _not_stored("QSEE's plotting data; the QC verdicts (qsee.status.tsv.gz) are stored"), companion=True),
    ToolFile("cuppa_v1", r"\.cup\.data\.csv",
             _not_stored("CUPPA v1 output (before WiGiTS 2.0); onconode reads CUPPA v2's vis_data / pred_summ files")),
    ToolFile("chord_other", r"\.chord\.mutation_contexts\.tsv",
             _not_stored("CHORD's mutation contexts, the input of its model; its prediction (chord.prediction.tsv) is stored")),
    ToolFile("linx_germline_other", r"\.linx\.germline\.(?:svs|clusters|links)\.tsv",
             _not_stored("LINX's clustering annotations of germline SVs; each germline SV with its gene, cluster and "
                         "resolved type (germline.disruption.tsv) and its gene breakends (germline.breakend.tsv) are stored")),
    ToolFile("cider_other", r"\.cider\.(?:alignment_match\.tsv|blastn_match\.tsv|vdj_primer_match\.tsv|layout)(?:\.gz)?",
             _not_stored("CIDER's per-read alignments and read layouts; the assembled CDR3 sequences (cider.vdj.tsv.gz) "
                         "and the per-locus counts (cider.locus_stats.tsv) are stored"), companion=True),
    ToolFile("virusbreakend", r"\.virusbreakend\.vcf\.summary\.tsv",
             _not_stored("VIRUSBreakend's raw calls; Virus Interpreter's interpretation (virus.annotated.tsv) is stored")),
    ToolFile("isofox_other", r"\.isf\.(?:transcript_data|pass_fusions_unfiltered|fusions|alt_sj_cohort|retained_intron)\.(?:tsv|csv)",
             _not_stored("Isofox transcript-level or unfiltered data; genes, novel junctions and passing fusions are stored"),
             companion=True),
)
BY_KIND = {t.kind: t for t in TOOL_FILES}
LAYOUTS = {t.kind: t.layouts for t in TOOL_FILES if t.layouts}
KINDS = {t.kind: t.suffix for t in TOOL_FILES}
COMPANIONS = frozenset(t.kind for t in TOOL_FILES if t.companion)
TABLES = ("cuppa_prediction", "hla_allele", "hla_qc", "virus", "signature_allocation", "pharmacogenomic_haplotype",
          "telomere_length", "rna_statistics", "gene_expression", "novel_splice_junction", "rna_fusion",
          "germline_variant", "qc_metric", "germline_sv_breakend", "germline_structural_variant", "cdr3_sequence",
          "cdr3_locus_summary")
MULTISAMPLE = "multisample"


def _nearness(file: Path, owner_files: list[Path]) -> int:
    return max(len(Path(os.path.commonpath([file.parent, f.parent])).parts) for f in owner_files)


def attach_companions(by_prefix: dict[str, dict[str, list[Path]]], problems: Problems, shown: str) -> None:
    """Move files named after a run's normal / RNA sample (or `multisample`) to its tumour sample, in place."""
    tumours = {p: kinds for p, kinds in by_prefix.items() if any(k not in COMPANIONS for k in kinds)}
    if not tumours:
        return
    for prefix in [p for p in by_prefix if p not in tumours]:
        for kind, files in by_prefix.pop(prefix).items():
            for file in files:
                near = {t: _nearness(file, [f for fs in kinds.values() for f in fs]) for t, kinds in tumours.items()}
                best = max(near.values())
                owners = sorted(t for t, n in near.items() if n == best)
                if len(owners) > 1 and prefix != MULTISAMPLE:
                    problems.error(shown, None, None,
                                   f"{file} is named after sample {prefix}, and tumour samples {', '.join(owners)} are equally "
                                   "near it: cannot tell which run it belongs to",
                                   "ingest one run folder at a time, or keep each run's files in its own folder")
                    continue
                for owner in owners:
                    key = kind if kind not in by_prefix[owner] else f"{kind}@{prefix}"
                    by_prefix[owner].setdefault(key, []).append(file)


def _check_keys(table: str, rows: list[Row], files: list[str], problems: Problems) -> None:
    """Rows that would share a key in `table` (the store would refuse them at commit) are
    reported here, where the files can still be named."""
    key = [c for c in TABLES_BY_NAME[table].key if c != "sample_id"]
    seen: set[tuple] = set()
    for row in rows:
        k = tuple(row.get(c) for c in key)
        if k in seen:
            problems.error(" and ".join(files), None, None,
                           f"two {table} rows share {', '.join(key)} = {', '.join(map(str, k))}",
                           "each appears once per sample: remove the repeated line (or the second run's file)")
        seen.add(k)


def read_tool_files(files: Any, ref_genome: str, problems: Problems) -> dict[str, list[Row]]:
    """Rows of every tool table from the sample's tool files (`files`: discover.SampleFiles)."""
    out: dict[str, list[Row]] = {}
    sources: dict[str, list[str]] = {}
    kinds = {key: path for key, path in files.files.items() if key.split("@")[0] in BY_KIND}
    if any(k.startswith("cuppa_vis_data") for k in kinds):   # the full probabilities hold the top three too
        for key in [k for k in kinds if k.startswith("cuppa_pred_summ")]:
            problems.warning(str(kinds.pop(key)), None, None,
                             "not stored: the vis_data file of the same run holds every classifier's probabilities")
    for key, path in sorted(kinds.items()):
        tool = BY_KIND[key.split("@")[0]]
        if tool.kind == "purple_germline_vcf":
            found = tool.read(path, problems, ref_genome, tumour=files.prefix)
        elif tool.kind == "qsee" and path.name.lower().startswith(MULTISAMPLE + "."):
            found = tool.read(path, problems, ref_genome, samples=(files.prefix,))
        else:
            found = tool.read(path, problems, ref_genome)
        for table, rows in found.items():
            out.setdefault(table, []).extend(rows)
            sources.setdefault(table, []).append(str(path))
    for table, rows in out.items():
        _check_keys(table, rows, sources[table], problems)
    return out
