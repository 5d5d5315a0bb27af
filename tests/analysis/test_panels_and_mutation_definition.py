"""Gene-panel-aware denominators, the default mutation definition and the QC filter.

The panel study (tests/data/cbioportal/panels) has six samples: PAN-P1/P2 on PANEL_A
(TP53, KRAS), PAN-P3/P4 on PANEL_B (TP53, KRAS, BRCA2, PTPRD), PAN-P5 marked NA for
mutations in the gene panel matrix (not profiled, although it is in the _sequenced list
and has a TP53 row in the MAF), PAN-P6 without a panel (an exome: every gene). Mutations:
P1 TP53 + BRCA2 (BRCA2 is not on PANEL_A), P2 KRAS, P3 TP53 + BRCA2, P4 an intronic
PTPRD, P5 TP53, P6 BRCA2. cBioPortal's rule: a gene's denominator is the samples profiled
for it, so BRCA2 is 2/3 (P3, P6 of P3, P4, P6), TP53 2/5, KRAS 1/5.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from onconode.analysis import cohort as cohorts
from onconode.analysis import compare, frequency, oncoprint
from onconode.analysis.alterations import Scope
from onconode.ingest.cbioportal import ingest_cbioportal
from onconode.ingest.values import to_arrow
from onconode.model import TABLES_BY_NAME
from onconode.store import Store

PANELS = Path(__file__).resolve().parents[1] / "data" / "cbioportal" / "panels"


@pytest.fixture
def snap(store: Store):
    ingest_cbioportal(store, PANELS)
    return store.snapshot()


def _fail_qc(store: Store, sample: str) -> None:
    """Mark `sample` FAIL_NO_TUMOR (as PURPLE would), keeping what it was profiled for."""
    tp = store.snapshot().table("tumor_profile")
    row = tp.filter(tp.sample_id == sample).to_pyarrow().to_pylist()[0]
    row["qc_status"] = "FAIL_NO_TUMOR"
    with store.transaction("test", "QC failure") as tx:
        tx.replace("tumor_profile", to_arrow(TABLES_BY_NAME["tumor_profile"], [row]), owners=[sample])


def _table(result: dict) -> dict[str, tuple[int, int]]:
    return {r["gene"]: (r["altered"], r["profiled"]) for r in result["rows"] if r["kind"] == "MUTATION"}


def _everyone(snap):
    return cohorts.evaluate(snap, {"op": "all"})


def test_a_genes_denominator_is_the_samples_whose_panel_covers_it(snap):
    got = frequency.alteration_frequency(snap, _everyone(snap), ["TP53", "KRAS", "BRCA2"], kinds=("MUTATION",)).exact()
    assert _table(got) == {"TP53": (2, 5), "KRAS": (1, 5), "BRCA2": (2, 3)}
    assert got["profiled"]["MUTATION"] == 5   # PAN-P5 is NA in the matrix: not profiled at all


def test_every_gene_frequency_is_panel_aware_too(snap):
    got = frequency.alteration_frequency(snap, _everyone(snap), kinds=("MUTATION",)).exact()
    assert _table(got) == {"TP53": (2, 5), "KRAS": (1, 5), "BRCA2": (2, 3)}


def test_a_comparison_tests_each_gene_against_its_own_denominators(snap):
    a = cohorts.evaluate(snap, {"op": "dataset", "ids": ["onco_panels"]})
    first = cohorts.evaluate(snap, {"op": "or", "args": [{"op": "gene_altered", "gene": "TP53", "alteration": "mutation"},
                                                         {"op": "gene_altered", "gene": "KRAS", "alteration": "mutation"}]})
    rest = a.without(first)
    res = compare.compare(snap, {"first": first, "rest": rest}, ["BRCA2", "TP53"], kinds=("MUTATION",)).exact()
    rows = {r["gene"]: (r["altered"], r["profiled"]) for r in res["alterations"]}
    # first: P1, P2, P3 (P5's TP53 is not observable: not profiled); rest: P4, P5, P6 — P5 profiled for nothing
    assert rows["BRCA2"] == ([1, 1], [1, 2])
    assert rows["TP53"] == ([2, 0], [3, 2])


def test_the_default_mutation_definition_is_named_in_the_answer_and_leaves_out_non_coding_variants(snap):
    c = _everyone(snap)
    default = frequency.alteration_frequency(snap, c, kinds=("MUTATION",)).exact()
    assert "PTPRD" not in _table(default)
    assert default["definition"]["mutations"] == "non_silent"
    assert "cBioPortal's default" in default["definition"]["mutation_definition"]
    wide = frequency.alteration_frequency(snap, c, kinds=("MUTATION",), scope=Scope(all_mutations=True)).exact()
    assert _table(wide)["PTPRD"] == (1, 3)   # intronic P4, on PANEL_B (P3, P4) or the exome (P6)
    assert wide["definition"]["mutations"] == "all"


def test_qc_failed_samples_are_not_profiled_by_default_and_can_be_included(store: Store):
    ingest_cbioportal(store, PANELS)
    _fail_qc(store, "PAN-P6-T")
    snap = store.snapshot()
    c = _everyone(snap)
    default = frequency.alteration_frequency(snap, c, ["BRCA2"], kinds=("MUTATION",)).exact()
    assert _table(default) == {"BRCA2": (1, 2)} and default["profiled"]["MUTATION"] == 4
    assert default["definition"]["samples"] == "qc_pass"
    everyone = frequency.alteration_frequency(snap, c, ["BRCA2"], kinds=("MUTATION",), scope=Scope(failed_qc=True)).exact()
    assert _table(everyone) == {"BRCA2": (2, 3)}


def test_cohort_criteria_use_the_same_definition_in_memory_and_in_sql(store: Store):
    ingest_cbioportal(store, PANELS)
    _fail_qc(store, "PAN-P6-T")
    snap = store.snapshot()
    brca2 = {"op": "gene_altered", "gene": "BRCA2", "alteration": "mutation"}
    ptprd = {"op": "gene_altered", "gene": "PTPRD", "alteration": "any"}
    # P1's BRCA2 is off its panel, P6 failed QC: only P3; P4's intronic PTPRD is no mutation
    assert cohorts.evaluate(snap, brca2).sample_ids == {"PAN-P3-T"}
    assert cohorts.evaluate_sql(snap, brca2)[0] == ["PAN-P3-T"]
    assert cohorts.evaluate(snap, ptprd).samples == 0 and cohorts.evaluate_sql(snap, ptprd)[0] == []


def _whole_genome_store(store: Store) -> None:
    """Three whole-genome samples; S3's mutation calls come from a TP53-only panel."""
    samples = ["S1", "S2", "S3"]
    rows = {
        "dataset": [{"dataset_id": "D", "title": "D"}],
        "patient": [{"patient_id": s[1:], "dataset_id": "D"} for s in samples],
        "sample": [{"sample_id": s, "patient_id": s[1:]} for s in samples],
        "tumor_profile": [{"sample_id": s, "ref_genome": "GRCh37"} for s in samples],
        "somatic_variant": [{"sample_id": s, "chromosome": "17", "position": 7577120 + i, "ref": "C", "alt": "T", "gene": "TP53",
                             "coding_effect": "MISSENSE"} for i, s in enumerate(samples)]
                           + [{"sample_id": "S1", "chromosome": "13", "position": 32914438, "ref": "T", "alt": "C",
                               "gene": "BRCA2", "coding_effect": "NONSENSE_OR_FRAMESHIFT"}],
        "gene_panel": [{"panel_id": "TP53ONLY", "gene": "TP53"}],
        "sample_gene_panel": [{"sample_id": "S3", "profile": t, "panel_id": "TP53ONLY"} for t in ("mutations", "cna", "structural_variants")],
    }
    with store.transaction("test", "whole genomes and one panel") as tx:
        for table, data in rows.items():
            owner = TABLES_BY_NAME[table].owner
            tx.replace(table, to_arrow(TABLES_BY_NAME[table], data), owners=sorted({r[owner] for r in data}))


def test_an_oncoprint_gives_the_profiled_samples_of_each_gene(store: Store):
    _whole_genome_store(store)
    snap = store.snapshot()
    got = oncoprint.oncoprint(snap, _everyone(snap), ["TP53", "BRCA2"]).exact()
    assert got["profiled"] == 3 and got["profiled_by_gene"] == {"BRCA2": 2}
    assert got["definition"]["mutations"] == "non_silent"
    by_id = oncoprint.oncoprint(snap, cohorts.Cohort(*map(frozenset, cohorts.evaluate_sql(snap, {"op": "all"})), None,
                                                     frozenset(zip(*cohorts.evaluate_sql(snap, {"op": "all"})))),
                                ["TP53", "BRCA2"]).exact()
    assert by_id["profiled_by_gene"] == {"BRCA2": 2} and by_id["matrix"] == got["matrix"]
