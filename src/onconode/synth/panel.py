"""Targeted-panel samples of the synthetic cohort (oncoanalyser `--mode targeted --panel tso500`).

A small share of samples is sequenced with a panel instead of a whole genome. Such a run
calls variants and drivers only in the panel's genes, writes no CHORD (nor CUPPA, SIGS,
virus or TEAL: tools.py), says `targeted` = true in purity.tsv, adds PURPLE's
`.purple.target_region_cn.tsv`, and its `pipeline_info/params_<time>.json` names the panel.
The panel's gene list is given as the data manager would: a cBioPortal gene panel file
beside the sample folders.

The gene list is a synthetic stand-in, NOT Illumina's TSO500 list (which onconode does not
ship): the synthetic driver genes without OFF_PANEL, so that panel-aware denominators show
(a panel sample counts for BAP1 in no frequency).
"""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.compute as pc

from onconode.synth.cohort import SampleParams, rng
from onconode.synth.reference import table
from onconode.synth.tumours import PANEL as DRIVER_GENES

PANEL_STREAM = 15
PANEL_SHARE = 0.05
PANEL_NAME = "tso500"            # oncoanalyser's --panel
PANEL_ID = "TSO500"              # the definition's stable_id (matched case-insensitively)
DESCRIPTION = ("Synthetic stand-in for the TSO500 panel written by onconode synth: the synthetic driver genes "
               "except a few; not Illumina's TSO500 gene list")
OFF_PANEL = frozenset({"BAP1", "KEAP1", "MEN1", "NF2", "PBRM1", "SETD2"})
GENES: tuple[str, ...] = tuple(g for g in DRIVER_GENES if g not in OFF_PANEL)
DEFINITION_FILE = f"data_gene_panel_{PANEL_NAME}.txt"
PARAMS_FILE = "pipeline_info/params_2026-06-01_12-00-00.json"
PROFILES = ("mutations", "cna", "structural_variants")
TARGET_HEADER = ("chromosome windowStart windowEnd bedRegions masked averageDepth windowGCContent windowTumorRatio regionStart "
                 "regionEnd copyNumber minorAlleleCopyNumber depthWindowCount bafCount germlineStatus copyNumberMethod").split()


def is_targeted(seed: int, p: SampleParams) -> bool:
    """Whether the sample was sequenced with the panel (its own random stream: other draws do not move)."""
    return bool(rng(seed, PANEL_STREAM, p.index).random() < PANEL_SHARE)


def definition_text() -> str:
    """The panel's cBioPortal gene panel file."""
    return f"stable_id: {PANEL_ID}\ndescription: {DESCRIPTION}\ngene_list: {chr(9).join(GENES)}\n"


def params_text() -> str:
    """The parameters nf-core writes to pipeline_info/ (the ones onconode reads, and a few beside them)."""
    return json.dumps({"input": "samplesheet.csv", "outdir": "output", "mode": "targeted", "panel": PANEL_NAME,
                       "genome": "GRCh37_hmf"}, indent=4) + "\n"


def gene_panel_table() -> pa.Table:
    return table("gene_panel", {"panel_id": [PANEL_ID] * len(GENES), "gene": list(GENES),
                                "description": [DESCRIPTION] * len(GENES)})


def sample_gene_panel_table(sample_id: str, targeted: bool) -> pa.Table:
    n = len(PROFILES) if targeted else 0
    return table("sample_gene_panel", {"sample_id": [sample_id] * n, "profile": list(PROFILES)[:n], "panel_id": [PANEL_ID] * n})


def on_panel(rows: pa.Table) -> pa.Table:
    """The rows (variants, drivers) in the panel's genes: a panel calls nothing elsewhere."""
    return rows.filter(pc.fill_null(pc.is_in(rows["gene"], value_set=pa.array(GENES)), False))


def target_region_cn_text(gene_copy_number: pa.Table) -> str:
    """PURPLE's target-region file: one 1 kb COBALT window at the start of each panel gene."""
    lines = ["\t".join(TARGET_HEADER)]
    for g in gene_copy_number.to_pylist():
        if g["gene"] not in GENES:
            continue
        start = g["start"] // 1000 * 1000 + 1
        lines.append("\t".join(str(x) for x in (
            g["chromosome"], start, start + 999, f"{g['gene']}_exon_1:{g['start']}-{min(g['end'], start + 999)}", "false",
            "812.4000", "0.4700", "1.0100", g["start"], g["end"], f"{g['min_copy_number']:.4f}",
            f"{g['min_minor_allele_copy_number']:.4f}", 100, 40, "DIPLOID", "BAF_WEIGHTED")))
    return "\n".join(lines) + "\n"
