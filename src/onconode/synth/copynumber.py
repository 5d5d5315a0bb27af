"""One sample's copy number: PURPLE segments and the driver panel's gene copy numbers.

Arm-level gains and losses sit around the sample's ploidy; each amplification or
homozygous deletion driver event is a focal segment over its gene, so the gene copy
number (minimum over overlapping segments) calls exactly those genes AMP / HOMDEL and
the driver catalogue's min/max copy numbers agree with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa

from onconode.ingest.genes import gene as lookup_gene
from onconode.synth.cohort import SampleParams
from onconode.synth.reference import CHROM_INDEX, CHROMS, const, layout, strings, table
from onconode.synth.tumours import PANEL, TRANSCRIPTS

ARM_SHIFTS = np.array([-1.0, 0.0, 0.0, 0.0, 1.0])


@dataclass
class Segments:
    """Contiguous segments covering every chromosome, in chromosome then position order."""

    chrom: np.ndarray      # codes into CHROMS
    start: np.ndarray
    end: np.ndarray
    copy_number: np.ndarray
    minor: np.ndarray      # minor allele copy number

    def at(self, chrom: np.ndarray, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(copy number, minor allele copy number) at each (chromosome code, position)."""
        offsets = layout().offsets
        starts = offsets[self.chrom] + self.start
        i = np.clip(np.searchsorted(starts, offsets[chrom] + pos, side="right") - 1, 0, len(starts) - 1)
        return self.copy_number[i], self.minor[i]


def segments(r: np.random.Generator, p: SampleParams) -> Segments:
    """Copy-number segments: arm-level gains/losses around the ploidy, focal driver events."""
    lengths = layout().lengths
    base = max(1.0, round(p.ploidy))
    rows: list[tuple[int, int, int, float, float]] = []
    focal: dict[str, list[tuple[int, int, float]]] = {}
    for e in p.events:
        if e.kind in ("amp", "del"):
            g = lookup_gene(e.gene)
            cn = float(r.uniform(3.2, 6.0) * p.ploidy) if e.kind == "amp" else float(r.uniform(0.0, 0.3))
            pad = int(r.integers(50_000, 2_000_000))
            focal.setdefault(g.chromosome_37, []).append((max(1, g.start_37 - pad), g.end_37 + pad, cn))
    for ci, chrom in enumerate(CHROMS):
        length = int(lengths[ci])
        level = max(1.0, base / 2) if chrom == "X" and p.gender == "MALE" else base
        cuts = sorted(set(int(x) for x in r.integers(1_000_000, length - 1_000_000, size=int(r.integers(0, 4)))))
        bounds = [1] + [c + 1 for c in cuts] + [length + 1]
        for s, e_ in zip(bounds[:-1], bounds[1:]):
            cn = max(0.6, level + float(r.choice(ARM_SHIFTS)) + float(r.normal(0, 0.08)))
            pieces = [(s, e_ - 1, cn)]
            for fs, fe, fcn in focal.get(chrom, []):
                new = []
                for a, b, c in pieces:
                    if fe < a or fs > b:
                        new.append((a, b, c))
                        continue
                    if fs > a:
                        new.append((a, fs - 1, c))
                    new.append((max(a, fs), min(b, fe), fcn))
                    if fe < b:
                        new.append((fe + 1, b, c))
                pieces = new
            for a, b, c in pieces:
                maf = min(c / 2, max(0.0, float(r.choice([0.0, 1.0, c / 2])) if c >= 1 else 0.0))
                rows.append((ci, a, b, round(c, 4), round(maf, 4)))
    return Segments(
        chrom=np.array([x[0] for x in rows], dtype=np.int64), start=np.array([x[1] for x in rows], dtype=np.int64),
        end=np.array([x[2] for x in rows], dtype=np.int64), copy_number=np.array([x[3] for x in rows]),
        minor=np.array([x[4] for x in rows]),
    )


def segment_table(p: SampleParams, seg: Segments) -> pa.Table:
    n = len(seg.start)
    return table("copy_number_segment", {
        "sample_id": const(p.sample_id, n), "chromosome": strings(seg.chrom, CHROMS), "start": seg.start, "end": seg.end,
        "copy_number": seg.copy_number, "minor_allele_copy_number": seg.minor,
        "major_allele_copy_number": np.round(seg.copy_number - seg.minor, 4), "method": const("BAF_WEIGHTED", n)})


@dataclass(frozen=True)
class Panel:
    genes: list[str]
    chrom: np.ndarray
    start: np.ndarray
    end: np.ndarray
    columns: dict[str, list]


@lru_cache(maxsize=1)
def panel() -> Panel:
    gs = [lookup_gene(s) for s in PANEL]
    return Panel(
        genes=list(PANEL), chrom=np.array([CHROM_INDEX[g.chromosome_37] for g in gs]),
        start=np.array([g.start_37 for g in gs], dtype=np.int64), end=np.array([g.end_37 for g in gs], dtype=np.int64),
        columns={"gene": list(PANEL), "transcript": [TRANSCRIPTS[s] for s in PANEL], "is_canonical": [True] * len(gs),
                 "chromosome": [g.chromosome_37 for g in gs], "chromosome_band": [g.band_37 for g in gs],
                 "start": [g.start_37 for g in gs], "end": [g.end_37 for g in gs],
                 "min_region_method": ["BAF_WEIGHTED"] * len(gs)},
    )


def gene_copy_numbers(p: SampleParams, seg: Segments) -> pa.Table:
    """PURPLE gene copy number for the driver panel: min/max over overlapping segments."""
    pan = panel()
    over = ((seg.chrom[None, :] == pan.chrom[:, None]) & (seg.start[None, :] <= pan.end[:, None])
            & (seg.end[None, :] >= pan.start[:, None]))
    mn = np.where(over, seg.copy_number[None, :], np.inf).min(axis=1)
    mx = np.where(over, seg.copy_number[None, :], -np.inf).max(axis=1)
    macn = np.where(over, seg.minor[None, :], np.inf).min(axis=1)
    call = np.where(mn < 0.5, "HOMDEL", np.where(mn > 3 * p.ploidy, "AMP", np.where(
        mn < p.ploidy - 0.7, "HETLOSS", np.where(mn > p.ploidy + 0.7, "GAIN", "DIPLOID"))))
    n = len(pan.genes)
    return table("gene_copy_number", {
        "sample_id": const(p.sample_id, n), **pan.columns, "min_copy_number": mn, "max_copy_number": mx,
        "min_minor_allele_copy_number": macn, "somatic_regions": over.sum(axis=1),
        "relative_min_copy_number": np.round(mn / p.ploidy, 4), "cna_call": call.tolist(),
    })
