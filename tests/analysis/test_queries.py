"""The cohort queries' definitions, on a store small enough to count by hand."""

from __future__ import annotations

from typing import Any

import pytest

from onconode.analysis import queries as Q
from onconode.ingest.values import to_arrow
from onconode.model import TABLES_BY_NAME
from onconode.store import Store


def mutation(sample: str, pos: int, gene: str, effect: str = "MISSENSE", **extra: Any) -> dict[str, Any]:
    return {"sample_id": sample, "chromosome": "7", "position": pos, "ref": "A", "alt": "T",
            "gene": gene, "coding_effect": effect, "filter": "PASS", **extra}


ROWS: dict[str, list[dict[str, Any]]] = {
    "sample": [
        {"sample_id": "L1", "patient_id": "P1", "primary_tumor_location": "Lung"},
        {"sample_id": "L2", "patient_id": "P2", "primary_tumor_location": "Lung"},
        {"sample_id": "L3", "patient_id": "P3", "primary_tumor_location": "Lung"},
        {"sample_id": "L4", "patient_id": "P4", "primary_tumor_location": "Lung"},  # CNA panel only
        {"sample_id": "B1", "patient_id": "P5", "primary_tumor_location": "Breast"},
    ],
    "tumor_profile": [
        {"sample_id": "L1", "ref_genome": "GRCh38", "tmb_per_mb": 4.0},
        {"sample_id": "L2", "ref_genome": "GRCh38", "tmb_per_mb": 12.0, "profiled": "mutations,cna"},
        {"sample_id": "L3", "ref_genome": "GRCh38", "tmb_per_mb": 20.0},
        {"sample_id": "L4", "ref_genome": "GRCh38", "profiled": "cna"},
        {"sample_id": "B1", "ref_genome": "GRCh38", "tmb_per_mb": 1.0},
    ],
    "somatic_variant": [
        mutation("L1", 1, "EGFR", vaf=0.45),
        mutation("L1", 2, "EGFR", "NONSENSE_OR_FRAMESHIFT", vaf=0.2),  # same gene twice: one sample
        mutation("L2", 3, "EGFR", filter=None, vaf=0.31),                # no FILTER (MAF): passed
        mutation("L2", 4, "TP53", "SYNONYMOUS", vaf=0.5),               # silent: not an alteration
        mutation("L3", 5, "EGFR", filter="LowQual", vaf=0.9),           # failed filter
        mutation("L3", 6, "KRAS", "SPLICE", default_filtered=True, vaf=0.3),  # hidden class
        mutation("L4", 7, "EGFR", vaf=0.6),                             # not mutation-profiled
        mutation("B1", 8, "EGFR", vaf=0.7),
    ],
    "treatment_drug": [
        {"treatment_id": "T1", "patient_id": "P1", "drug": "Osimertinib", "mechanism": "EGFR inhibitor"},
        {"treatment_id": "T2", "patient_id": "P2", "drug": "Carboplatin", "mechanism": "Platinum"},
        {"treatment_id": "T5", "patient_id": "P5", "drug": "Osimertinib", "mechanism": "EGFR inhibitor"},
    ],
}


@pytest.fixture
def snap(store: Store):
    with store.transaction("test", "hand-counted") as tx:
        for table, rows in ROWS.items():
            tx.replace(table, to_arrow(TABLES_BY_NAME[table], rows))
    return store.snapshot()


def test_alteration_frequency_counts_samples_over_mutation_profiled_samples(snap) -> None:
    rows = Q.alteration_frequency(snap, "Lung").to_pyarrow().to_pylist()
    assert rows == [{"gene": "EGFR", "altered": 2, "profiled": 3, "frequency": pytest.approx(2 / 3)}]


def test_cohort_count_needs_gene_tumour_location_and_drug_mechanism(snap) -> None:
    def count(gene: str, location: str, mechanism: str) -> dict[str, int]:
        return Q.cohort_count(snap, gene, location, mechanism).to_pyarrow().to_pylist()[0]

    assert count("EGFR", "Lung", "EGFR inhibitor") == {"patients": 1, "samples": 1}
    assert count("EGFR", "Lung", "Platinum") == {"patients": 1, "samples": 1}
    assert count("EGFR", "Breast", "EGFR inhibitor") == {"patients": 1, "samples": 1}
    assert count("KRAS", "Lung", "EGFR inhibitor") == {"patients": 0, "samples": 0}


def test_tmb_by_tumour_type_skips_samples_without_a_tmb(snap) -> None:
    rows = Q.tmb_by_tumor_type(snap).to_pyarrow().to_pylist()
    assert rows == [
        {"location": "Breast", "samples": 1, "mean_tmb": 1.0, "min_tmb": 1.0, "max_tmb": 1.0, "tmb_high": 0},
        {"location": "Lung", "samples": 3, "mean_tmb": 12.0, "min_tmb": 4.0, "max_tmb": 20.0, "tmb_high": 2},
    ]


def test_variants_per_sample_counts_vaf_strictly_above_the_threshold(snap) -> None:
    rows = Q.variants_per_sample(snap, 0.3).to_pyarrow().to_pylist()
    assert rows == [
        {"sample_id": "B1", "variants": 1}, {"sample_id": "L1", "variants": 1}, {"sample_id": "L2", "variants": 2},
        {"sample_id": "L3", "variants": 1}, {"sample_id": "L4", "variants": 1},
    ]
