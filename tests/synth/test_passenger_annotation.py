"""Passengers are annotated the way real tumours' are: a long gene collects intronic
calls, not coding ones, so the default (non-silent coding) frequency table is led by the
planted drivers and not by CSMD1 or PTPRD."""

from __future__ import annotations

import numpy as np

from onconode.synth.reference import layout
from onconode.synth.variants import _passengers


def test_coding_passengers_do_not_grow_with_a_genes_span():
    lay = layout()
    v = _passengers(np.random.default_rng(11), 3_000_000)  # ~150 whole genomes of passengers
    coding_per_gene = np.bincount(v["gene"][v["coding"]], minlength=len(lay.gene_start))
    span = lay.gene_end - lay.gene_start + 1
    longest = np.argsort(span)[-20:]                        # CSMD1, PTPRD, DMD ... (over 1 Mb)
    typical = (span > 20_000) & (span < 100_000)
    assert coding_per_gene[longest].mean() < 3 * max(coding_per_gene[typical].mean(), 1.0)
    in_long = np.isin(v["gene"], longest)
    assert in_long.sum() > 20 * coding_per_gene[longest].sum()  # they still collect intronic passengers
