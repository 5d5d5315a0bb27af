"""One sample's PURPLE driver catalogue and tumour profile (purity, QC, TMB/MSI/TML, CHORD),
derived from its driver events and copy number so they agree with the other tables."""

from __future__ import annotations

import pyarrow as pa

from onconode.ingest.genes import gene as lookup_gene
from onconode.synth.cohort import SampleParams
from onconode.synth.copynumber import Segments
from onconode.synth.reference import REF_GENOME, table
from onconode.synth.tumours import HOTSPOTS, ONCOGENES, TRANSCRIPTS


def drivers(p: SampleParams, gcn: pa.Table) -> pa.Table:
    """The PURPLE driver catalogue: one row per mutated, amplified or deleted driver gene."""
    cn = {g: (lo, hi) for g, lo, hi in zip(gcn["gene"].to_pylist(), gcn["min_copy_number"].to_pylist(), gcn["max_copy_number"].to_pylist())}
    rows = []
    for e in p.events:
        if e.kind == "fusion":
            continue
        g = lookup_gene(e.gene)
        if e.kind in ("hotspot", "truncating"):
            spot = HOTSPOTS[e.gene][e.hotspot] if e.kind == "hotspot" else None
            missense = int(spot is not None and spot[5] == "MISSENSE" and len(spot[1]) == len(spot[2]))
            rows.append((e.gene, g, "MUTATION", "HOTSPOT" if spot else "BIALLELIC", 1.0, missense,
                         int(e.kind == "truncating"), int(spot is not None and spot[6] == "inframe_deletion"), spot is None))
        elif e.kind == "amp":
            rows.append((e.gene, g, "AMP", "AMP", 1.0, 0, 0, 0, False))
        elif e.kind == "del":
            rows.append((e.gene, g, "DEL", "DEL", 1.0, 0, 0, 0, True))
    n = len(rows)
    return table("driver", {
        "sample_id": [p.sample_id] * n, "gene": [x[0] for x in rows], "transcript": [TRANSCRIPTS[x[0]] for x in rows],
        "is_canonical": [True] * n, "chromosome": [x[1].chromosome_37 for x in rows],
        "chromosome_band": [x[1].band_37 for x in rows], "driver": [x[2] for x in rows],
        "category": ["ONCO" if x[0] in ONCOGENES else "TSG" for x in rows], "likelihood_method": [x[3] for x in rows],
        "reported_status": ["REPORTED"] * n, "driver_likelihood": [x[4] for x in rows], "biallelic": [x[8] for x in rows],
        "germline": [False] * n, "missense": [x[5] for x in rows], "nonsense": [x[6] for x in rows],
        "splice": [0] * n, "inframe": [x[7] for x in rows], "frameshift": [0] * n,
        "min_copy_number": [cn[x[0]][0] for x in rows], "max_copy_number": [cn[x[0]][1] for x in rows],
    })


def tumor_profile(p: SampleParams, seg: Segments, gcn: pa.Table, n_sv: int) -> pa.Table:
    """PURPLE purity / QC and CHORD values of the sample (TMB, MSI, TML of the full genome)."""
    tml = int(round(p.burden * 0.0066))
    fail = p.qc_fail
    p_brca1 = 0.85 if p.hrd and p.hrd_type == "BRCA1_type" else 0.01
    p_brca2 = 0.85 if p.hrd and p.hrd_type == "BRCA2_type" else 0.02
    deleted = int(sum(1 for c in gcn["cna_call"].to_pylist() if c == "HOMDEL"))
    return table("tumor_profile", {
        "sample_id": [p.sample_id], "ref_genome": [REF_GENOME], "pipeline": ["PURPLE 4.0 (synthetic)"],
        "purity": [p.purity], "ploidy": [p.ploidy], "fit_method": ["NO_TUMOR" if fail else "NORMAL"],
        "gender": [p.gender], "whole_genome_duplication": [p.wgd], "ms_indels_per_mb": [p.ms_indels_per_mb],
        "msi_status": ["MSI" if p.ms_indels_per_mb > 4 else "MSS"], "tmb_per_mb": [p.tmb_per_mb],
        "tmb_status": ["HIGH" if p.tmb_per_mb > 10 else "LOW"], "tml": [tml], "tml_status": ["HIGH" if tml > 140 else "LOW"],
        "sv_tmb": [n_sv], "hrd_score": [round(p_brca1 + p_brca2, 4)],
        "hr_status": ["HR_DEFICIENT" if p.hrd else "HR_PROFICIENT"], "hrd_type": [p.hrd_type],
        "qc_status": ["FAIL_NO_TUMOR" if fail else "PASS"], "mean_depth": [100.0], "contamination": [0.0],
        "copy_number_segments": [len(seg.start)], "deleted_genes": [deleted],
    })
