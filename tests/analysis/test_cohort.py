"""Cohort definitions: each criterion selects exactly the hand-counted samples of the
builder's store; the tree combines them; bad definitions name their place in the tree;
saved cohorts are reproducible on their freeze and shareable by id."""

from __future__ import annotations

import json

import pytest

import analysis_builder as ab
from onconode.analysis import cohort as C
from onconode.analysis import saved


@pytest.fixture
def snap(store):
    ab.load(store)
    return store.snapshot()


def samples(snap, definition) -> list[str]:
    return sorted(C.evaluate(snap, definition).sample_ids)


def test_all_selects_every_sample_and_patient(snap):
    c = C.evaluate(snap, {"op": "all"})
    assert c.samples == 13 and c.patients == 12


@pytest.mark.parametrize("definition, expected", [
    ({"op": "dataset", "ids": ["D2"]}, ["P11T", "P12T"]),
    ({"op": "tumour_type", "doids": ["9256"]}, ["P01T", "P02T", "P03T", "P03U", "P11T"]),
    ({"op": "tumour_type", "doids": ["DOID:219"]}, ["P01T", "P11T"]),  # colon and its adenocarcinoma
    ({"op": "tumour_type", "doids": ["9256"], "include_descendants": False}, ["P03T", "P03U"]),
    ({"op": "tumour_type", "doids": ["3908"]}, ["P08T", "P12T"]),  # NSCLC includes adenocarcinoma, not SCLC
    ({"op": "tumour_location", "locations": ["skin"]}, ["P04T", "P05T"]),
    ({"op": "biopsy_site", "sites": ["Lymph node"]}, ["P03T", "P05T"]),
    ({"op": "sex", "values": ["male"]}, ["P01T", "P04T", "P08T", "P09T", "P10T", "P12T"]),
    ({"op": "age_at_biopsy", "min": 70}, ["P01T", "P04T", "P08T", "P12T"]),
    ({"op": "age_at_biopsy", "max": 40}, ["P10T", "P11T"]),
    ({"op": "treatment", "mechanism": "anti-egfr"}, ["P01T", "P03T", "P03U"]),
    ({"op": "treatment", "drug": "Pembrolizumab", "line_min": 2}, ["P04T"]),
    ({"op": "treatment", "drug_type": "Targeted therapy", "line_max": 1}, ["P01T", "P03T", "P03U", "P04T", "P05T", "P08T"]),
    ({"op": "best_response", "values": ["CR", "PR"]}, ["P02T", "P03T", "P03U", "P04T", "P06T"]),
    ({"op": "best_response", "values": ["PD"], "treatment": {"mechanism": "BRAF inhibitor"}}, ["P05T"]),
    ({"op": "best_response", "values": ["NE"]}, ["P07T"]),
    ({"op": "gene_altered", "gene": "KRAS", "alteration": "mutation"}, ["P01T", "P03T"]),  # not filtered / silent / hidden
    ({"op": "gene_altered", "gene": "kras", "alteration": "mutation", "hotspot": True}, ["P01T"]),
    ({"op": "gene_altered", "gene": "BRAF", "alteration": "mutation", "protein_change": "V600E"}, ["P02T", "P04T"]),
    ({"op": "gene_altered", "gene": "BRCA1", "alteration": "mutation", "biallelic": True}, ["P06T"]),
    ({"op": "gene_altered", "gene": "TP53", "alteration": "mutation", "coding_effects": ["SPLICE"]}, ["P09T"]),
    ({"op": "gene_altered", "gene": "ERBB2", "alteration": "amplification"}, ["P06T"]),
    ({"op": "gene_altered", "gene": "CDKN2A", "alteration": "deletion"}, ["P05T"]),  # HETLOSS is not a deletion
    ({"op": "gene_altered", "gene": "PTEN", "alteration": "deletion"}, ["P10T"]),   # from the driver catalogue
    ({"op": "gene_altered", "gene": "ALK", "alteration": "fusion"}, ["P12T"]),
    ({"op": "gene_altered", "gene": "TMPRSS2", "alteration": "any"}, ["P10T"]),
    ({"op": "gene_altered", "gene": "TP53", "alteration": "driver", "min_driver_likelihood": 0.5}, []),
    ({"op": "gene_altered", "gene": "TP53", "alteration": "driver"}, ["P09T"]),
    ({"op": "tmb", "status": "HIGH"}, ["P02T", "P03T", "P03U", "P04T", "P08T", "P12T"]),
    ({"op": "tmb", "min_per_mb": 9, "max_per_mb": 12}, ["P03T", "P09T", "P12T"]),
    ({"op": "msi", "status": ["MSI"]}, ["P02T", "P03U"]),
    ({"op": "hrd", "status": ["HR_DEFICIENT"]}, ["P06T", "P07T"]),
    ({"op": "wgd", "value": True}, ["P01T", "P04T", "P06T", "P08T", "P12T"]),
    ({"op": "purity", "min": 0.3, "max": 0.45}, ["P02T", "P05T", "P10T", "P12T"]),
])
def test_each_criterion_selects_the_hand_counted_samples(snap, definition, expected):
    assert samples(snap, definition) == expected


def test_and_or_not_combine_sample_sets(snap):
    crc = {"op": "tumour_type", "doids": ["9256"]}
    kras = {"op": "gene_altered", "gene": "KRAS", "alteration": "mutation"}
    assert samples(snap, {"op": "and", "args": [crc, {"op": "not", "arg": kras}]}) == ["P02T", "P03U", "P11T"]
    assert samples(snap, {"op": "or", "args": [kras, {"op": "msi", "status": ["MSI"]}]}) == ["P01T", "P02T", "P03T", "P03U"]
    assert samples(snap, {"op": "not", "arg": {"op": "all"}}) == []


def test_patient_level_criteria_select_every_sample_of_the_patient(snap):
    c = C.evaluate(snap, {"op": "treatment", "mechanism": "Anti-EGFR"})
    assert c.patient_ids == {"P01", "P03"} and {"P03T", "P03U"} <= c.sample_ids


def test_definition_round_trips_through_json(snap):
    d = {"op": "and", "args": [{"op": "sex", "values": ["female"]}, {"op": "not", "arg": {"op": "wgd", "value": True}}]}
    again = json.loads(json.dumps(C.to_json(d)))
    assert C.evaluate(snap, again) == C.evaluate(snap, d)


@pytest.mark.parametrize("definition, message", [
    ({"op": "sex", "values": ["M"]}, "values[0]: Input should be 'male'"),
    ({"op": "and", "args": [{"op": "purity", "min": 0.9, "max": 0.1}]}, "args[0]: min (0.9) is above max (0.1)"),
    ({"op": "or", "args": [{"op": "all"}, {"op": "not", "arg": {"op": "gene_altered", "gene": "KRAS", "hotspot": True}}]},
     "args[1].arg: hotspot only apply to alteration 'mutation'"),
    ({"op": "best_response", "values": ["CR"], "treatment": {"line_min": 3, "line_max": 1}}, "treatment: line_min (3) is above line_max (1)"),
    ({"op": "gene_altered", "gene": "KRAS", "alteration": "driver", "min_driver_likelihood": 2}, "min_driver_likelihood: Input should be less than or equal to 1"),
    ({"op": "sql", "text": "1=1; DROP TABLE patient"}, "Input tag 'sql' found using 'op' does not match"),
    ({"op": "dataset", "ids": ["D1"], "extra": 1}, "extra: Extra inputs are not permitted"),
    ({"op": "and", "args": []}, "args: List should have at least 1 item"),
])
def test_invalid_definitions_name_the_place_in_the_tree(definition, message):
    with pytest.raises(C.CohortError) as err:
        C.parse(definition)
    assert message in str(err.value)


def test_every_problem_of_a_definition_is_reported_together():
    with pytest.raises(C.CohortError) as err:
        C.parse({"op": "and", "args": [{"op": "sex", "values": ["x"]}, {"op": "msi", "status": []}]})
    assert "args[0].values[0]" in str(err.value) and "args[1].status" in str(err.value)


def test_user_text_is_a_value_never_sql(snap):
    evil = "x' OR '1'='1"
    assert samples(snap, {"op": "biopsy_site", "sites": [evil]}) == []
    assert samples(snap, {"op": "gene_altered", "gene": evil}) == []


def test_saved_cohort_on_a_freeze_is_reproducible_and_shared_by_id(store):
    ab.load(store)
    store.create_freeze("DR-1")
    definition = {"op": "tumour_type", "doids": ["9256"]}
    kept = saved.save(store, "CRC", definition, created_by="alice", freeze="DR-1")
    before = saved.evaluate(store, kept.cohort_id)
    # a later ingest retires the samples of two colorectal patients in the current version
    with store.transaction("later") as tx:
        tx.replace("sample", None, owners=["P01", "P02"])
    assert C.evaluate(store.snapshot(), definition).patients == 2
    again = saved.load(store, kept.cohort_id)  # another user opens it by id
    assert (again.name, again.created_by, again.freeze) == ("CRC", "alice", "DR-1")
    assert saved.evaluate(store, kept.cohort_id) == before and before.patients == 4
    assert [c.cohort_id for c in saved.list_cohorts(store, created_by="alice")] == [kept.cohort_id]


def test_saved_cohort_without_freeze_pins_the_current_version(store):
    ab.load(store)
    kept = saved.save(store, "all", {"op": "all"}, created_by="bob")
    assert kept.version == store.current_version and saved.evaluate(store, kept.cohort_id).patients == 12


def test_saving_an_invalid_or_unknown_cohort_says_what_is_wrong(store):
    with pytest.raises(C.CohortError, match="values"):
        saved.save(store, "bad", {"op": "sex", "values": []}, created_by="bob")
    with pytest.raises(saved.CohortNotFound, match="no saved cohort"):
        saved.load(store, "0123456789ab")
    with pytest.raises(saved.CohortNotFound, match="not a cohort id"):
        saved.load(store, "../../etc/passwd")


def test_without_removes_whole_patients_for_disjoint_groups(snap):
    everyone = C.evaluate(snap, {"op": "all"})
    msi = C.evaluate(snap, {"op": "msi", "status": ["MSI"]})  # P02T and P03U: P03's other biopsy is MSS
    assert "P03T" in C.evaluate(snap, {"op": "not", "arg": {"op": "msi", "status": ["MSI"]}}).sample_ids
    rest = everyone.without(msi)
    assert rest.patients == 10 and not {"P03T", "P03U", "P02T"} & rest.sample_ids


def test_a_cohort_evaluates_the_same_on_an_exported_parquet_freeze(store, tmp_path):
    from onconode.analysis import frequency
    from onconode.store.parquet import ParquetSnapshot, export_parquet

    ab.load(store)
    store.create_freeze("DR-1")
    export_parquet(store, tmp_path / "export", freeze="DR-1")
    parquet = ParquetSnapshot(tmp_path / "export")
    definition = {"op": "or", "args": [{"op": "tumour_type", "doids": ["9256"]},
                                       {"op": "best_response", "values": ["PR"], "treatment": {"mechanism": "BRAF inhibitor"}},
                                       {"op": "gene_altered", "gene": "ALK", "alteration": "fusion"}]}
    on_store, on_parquet = C.evaluate(store.snapshot("DR-1"), definition), C.evaluate(parquet, definition)
    assert on_store == on_parquet and on_store.patients == 6
    rows = lambda snap, c: frequency.alteration_frequency(snap, c, ["KRAS", "BRAF"]).exact()["rows"]  # noqa: E731
    assert rows(store.snapshot("DR-1"), on_store) == rows(parquet, on_parquet)
