"""The in-memory cohort evaluation gives exactly the SQL's samples and patients, including
for missing values, and leaves every criterion it does not cover to the SQL; the OncoPrint
read from the kept Arrow events equals the one its SQL gives."""

from __future__ import annotations

import pytest

import analysis_builder as ab
from onconode.analysis import alterations
from onconode.analysis import cohort as C
from onconode.analysis import cohort_memory
from onconode.analysis import oncoprint as O
from onconode.model import TABLES_BY_NAME
from onconode.ingest.values import to_arrow
from onconode.store.withdraw import withdraw_patient

KRAS = {"op": "gene_altered", "gene": "KRAS", "alteration": "mutation"}
CRC = {"op": "tumour_type", "doids": ["9256"]}

COVERED = [
    {"op": "all"},
    CRC,
    {"op": "tumour_type", "doids": ["DOID:219"]},
    {"op": "tumour_type", "doids": ["9256"], "include_descendants": False},
    {"op": "tumour_type", "doids": ["3908", "1909"]},
    KRAS,
    {"op": "gene_altered", "gene": "kras", "alteration": "mutation", "hotspot": True},
    {"op": "gene_altered", "gene": "KRAS", "alteration": "mutation", "hotspot": False},
    {"op": "gene_altered", "gene": "BRCA1", "alteration": "mutation", "biallelic": True},
    {"op": "gene_altered", "gene": "ERBB2", "alteration": "amplification", "biallelic": False},   # NULL flag: no match
    {"op": "gene_altered", "gene": "TP53", "alteration": "mutation", "coding_effects": ["SPLICE", "MISSENSE"]},
    {"op": "gene_altered", "gene": "ERBB2", "alteration": "amplification"},
    {"op": "gene_altered", "gene": "CDKN2A", "alteration": "deletion"},
    {"op": "gene_altered", "gene": "PTEN", "alteration": "deletion"},
    {"op": "gene_altered", "gene": "ALK", "alteration": "fusion"},
    {"op": "gene_altered", "gene": "TMPRSS2"},
    {"op": "gene_altered", "gene": "NOSUCHGENE"},
    {"op": "treatment", "mechanism": "anti-egfr"},
    {"op": "treatment", "drug": "Pembrolizumab", "line_min": 2},
    {"op": "treatment", "drug_type": "Targeted therapy", "line_max": 1},
    {"op": "treatment", "drug": "Cetuximab", "mechanism": "Platinum"},   # both on one drug: none
    {"op": "treatment", "line_min": 2},
    {"op": "and", "args": [CRC, {"op": "not", "arg": KRAS}]},
    {"op": "or", "args": [KRAS, {"op": "treatment", "mechanism": "BRAF inhibitor"}]},
    {"op": "not", "arg": {"op": "all"}},
    {"op": "and", "args": [CRC, {"op": "or", "args": [KRAS, {"op": "gene_altered", "gene": "BRAF", "alteration": "mutation"}]},
                           {"op": "treatment", "mechanism": "Anti-EGFR"}]},
]
NOT_COVERED = [
    {"op": "sex", "values": ["male"]},
    {"op": "gene_altered", "gene": "TP53", "alteration": "driver"},
    {"op": "gene_altered", "gene": "BRAF", "alteration": "mutation", "protein_change": "V600E"},
    {"op": "and", "args": [CRC, {"op": "msi", "status": ["MSI"]}]},
    {"op": "treatment", "drug": "Çetuximab"},   # non-ASCII: DuckDB's and Python's lower() differ
]


def _pairs(result) -> list[tuple[str, str]]:
    """(sample, patient) pairs of an in-memory answer (index, positions) or an SQL one (two lists)."""
    if isinstance(result[0], cohort_memory.SampleIndex):
        index, codes = result
        return sorted(zip(index.sample_list(codes), index.patient_list(codes)))
    return sorted(zip(*result))


@pytest.fixture
def snap(store):
    ab.load(store)
    return store.snapshot()


@pytest.mark.parametrize("definition", COVERED)
def test_covered_definitions_give_the_sql_answer_without_sql(snap, definition):
    fast = cohort_memory.evaluate(snap, C.parse(definition))
    assert fast is not None
    assert _pairs(fast) == _pairs(C.evaluate_sql(snap, definition))


@pytest.mark.parametrize("definition", NOT_COVERED)
def test_other_criteria_are_left_to_the_sql(snap, definition):
    assert cohort_memory.evaluate(snap, C.parse(definition)) is None
    c = C.evaluate(snap, definition)
    assert sorted(c.members) == _pairs(C.evaluate_sql(snap, definition))


def test_missing_values_match_nothing_as_in_sql(store):
    rows = ab.rows()
    rows["sample"].append({"sample_id": "PXT", "patient_id": "P01", "primary_tumor_doids": " 219 ,\t1909"})
    rows["sample"].append({"sample_id": "PYT", "patient_id": "P02", "primary_tumor_doids": None})
    rows["treatment"].append({"treatment_id": "P05-TX", "patient_id": "P05", "line": None, "start_date": ab.D(2022, 1, 1)})
    rows["treatment_drug"].append({"treatment_id": "P05-TX", "patient_id": "P05", "drug": "Trial drug", "type": None,
                                   "mechanism": None})
    with store.transaction("edge cases") as tx:
        for name, rs in rows.items():
            tx.replace(name, to_arrow(TABLES_BY_NAME[name], rs))
    snap = store.snapshot()
    for definition in [CRC, {"op": "tumour_type", "doids": ["1909"]}, {"op": "treatment", "line_min": 1},
                       {"op": "treatment", "line_max": 5}, {"op": "treatment", "drug_type": "chemotherapy"}, {"op": "treatment", "drug": "trial DRUG"},
                       {"op": "treatment", "mechanism": "Platinum"}, {"op": "not", "arg": CRC}]:
        fast = cohort_memory.evaluate(snap, C.parse(definition))
        assert fast is not None and _pairs(fast) == _pairs(C.evaluate_sql(snap, definition)), definition
    assert "PXT" in C.evaluate(snap, {"op": "tumour_type", "doids": ["1909"]}).sample_ids   # trimmed like DuckDB's trim


def test_a_withdrawal_reaches_the_kept_tables(store):
    ab.load(store)
    assert "P01T" in C.evaluate(store.snapshot(), KRAS).sample_ids
    withdraw_patient(store, "P01", "consent withdrawn")
    snap = store.snapshot()
    assert sorted(C.evaluate(snap, KRAS).sample_ids) == ["P03T"]
    assert "P01" not in C.evaluate(snap, {"op": "all"}).patient_ids


def test_oncoprint_from_kept_events_equals_its_sql(snap, monkeypatch):
    genes = ["kras", "TP53", "ERBB2", "CDKN2A", "ALK", "TMPRSS2", "BRAF", "PTEN", "KRAS"]
    cohort = C.evaluate(snap, {"op": "all"})
    kept = O.oncoprint(snap, cohort, genes).exact()
    by_id = C.Cohort(cohort.sample_ids, cohort.patient_ids, cohort.version, cohort.members)   # no positions
    assert O.oncoprint(snap, by_id, genes).exact() == kept
    monkeypatch.setattr(alterations, "materialized_arrow", lambda *a, **k: None)   # the SQL path
    assert O.oncoprint(snap, by_id, genes).exact() == kept
    assert kept["matrix"] and any(r["alterations"] for r in kept["matrix"])


def test_oncoprint_of_a_sub_cohort_by_position_equals_the_one_by_id(snap):
    many = ["PTEN", "TP53", "ALK", "KRAS", "ERBB2", "CDKN2A", "BRAF", "TMPRSS2"] * 8   # 64 listed: past one int64 of flags
    for genes in (["TP53", "KRAS", "ERBB2"], ["ERBB2", "KRAS", "TP53", "KRAS"], many):
        for definition in [{"op": "not", "arg": KRAS}, CRC, {"op": "not", "arg": {"op": "all"}}, {"op": "all"}]:
            cohort = C.evaluate(snap, definition)
            by_id = C.Cohort(cohort.sample_ids, cohort.patient_ids, cohort.version, cohort.members)
            fast, slow = O.oncoprint(snap, cohort, genes), O.oncoprint(snap, by_id, genes)
            assert (fast.samples, fast.cells, fast.profiled) == (slow.samples, slow.cells, slow.profiled), (genes, definition)
