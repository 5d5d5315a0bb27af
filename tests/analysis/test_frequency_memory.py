"""Alteration frequencies counted in NumPy from the per-snapshot arrays equal the SQL's
(denominators, counts, the rows listed and their order), for every kind, gene lists,
likelihood thresholds and several cohorts at once, and follow a withdrawal."""

from __future__ import annotations

import pytest

import analysis_builder as ab
from onconode.analysis import cohort as C
from onconode.analysis import frequency as F
from onconode.analysis import frequency_memory
from onconode.store.withdraw import withdraw_patient

KRAS = {"op": "gene_altered", "gene": "KRAS", "alteration": "mutation"}
CRC = {"op": "tumour_type", "doids": ["9256"]}


@pytest.fixture
def snap(store):
    ab.load(store)
    return store.snapshot()


def _both(snap, monkeypatch, cohorts, genes, kinds, threshold):
    assert frequency_memory.frequencies(snap, cohorts, kinds, genes and [g.upper() for g in genes], threshold) is not None
    fast = {n: r.exact() for n, r in F.alteration_frequencies(snap, cohorts, genes, kinds, threshold).items()}
    with monkeypatch.context() as m:
        m.setattr(frequency_memory, "frequencies", lambda *a, **k: None)   # the SQL path
        sql = {n: r.exact() for n, r in F.alteration_frequencies(snap, cohorts, genes, kinds, threshold).items()}
    return fast, sql


@pytest.mark.parametrize("genes", [None, ["kras", "TP53", "NOSUCHGENE", "ERBB2", "CDKN2A", "ALK", "TMPRSS2"]])
@pytest.mark.parametrize("threshold", [0.0, 0.5, 0.95])
def test_every_kind_counts_as_the_sql_counts(snap, monkeypatch, genes, threshold):
    everyone = C.evaluate(snap, {"op": "all"})
    fast, sql = _both(snap, monkeypatch, {"cohort": everyone}, genes, F.FREQUENCY_KINDS, threshold)
    assert fast == sql
    assert any(r["altered"] for r in fast["cohort"]["rows"])


def test_several_disjoint_cohorts_and_some_kinds_count_as_the_sql_counts(snap, monkeypatch):
    kras = C.evaluate(snap, KRAS)
    rest = C.evaluate(snap, {"op": "all"}).without(kras)
    crc = C.evaluate(snap, CRC)
    for kinds in [("ANY",), ("MUTATION", "DEL"), ("DRIVER", "FUSION", "AMP")]:
        fast, sql = _both(snap, monkeypatch, {"KRAS": kras, "rest": rest}, None, kinds, 0.5)
        assert fast == sql, kinds
        fast, sql = _both(snap, monkeypatch, {"crc": crc}, ["KRAS", "BRAF"], kinds, 0.5)
        assert fast == sql, kinds


def test_the_arrays_follow_a_withdrawal(store):
    ab.load(store)
    before = F.alteration_frequency(store.snapshot(), C.evaluate(store.snapshot(), {"op": "all"}), ["KRAS"], ("MUTATION",))
    withdraw_patient(store, "P01", "consent withdrawn")
    snap = store.snapshot()
    after = F.alteration_frequency(snap, C.evaluate(snap, {"op": "all"}), ["KRAS"], ("MUTATION",))
    assert after.rows[0]["altered"] == before.rows[0]["altered"] - 1


def test_a_gene_list_for_two_groups_counts_as_the_sql_for_positions_and_ids(snap, monkeypatch):
    kras = C.evaluate(snap, KRAS)
    rest = C.evaluate(snap, {"op": "all"}).without(kras)
    assert kras.codes is not None
    by_ids = {n: C.Cohort(frozenset(c.sample_ids), frozenset(c.patient_ids), c.version, frozenset(c.members))
              for n, c in {"KRAS": kras, "rest": rest}.items()}
    genes = ["KRAS", "BRAF", "TP53", "NOSUCHGENE", "ERBB2"]
    for kinds in [F.FREQUENCY_KINDS, ("ANY",), ("MUTATION", "DRIVER")]:
        fast, sql = _both(snap, monkeypatch, {"KRAS": kras, "rest": rest}, genes, kinds, 0.5)
        assert fast == sql, kinds
        assert {n: r.exact() for n, r in F.alteration_frequencies(snap, by_ids, genes, kinds, 0.5).items()} == fast
    assert any(r["altered"] for r in fast["rest"]["rows"])
