"""The answers of the one cohort evaluator and the one frequency path, counted by eye on the
hand-made store (analysis_builder): the SQL's semantics are the specification — a missing
value never matches, text compares case-insensitively (non-ASCII too), drivers count from a
likelihood threshold, a kind counts only in samples profiled for it, a withdrawal reaches
every answer at once."""

from __future__ import annotations

import pytest

import analysis_builder as ab
from onconode.analysis import cohort as C
from onconode.analysis import frequency as F
from onconode.analysis import oncoprint as O
from onconode.analysis.cellkey import RecordKeys
from onconode.ingest.values import to_arrow
from onconode.model import TABLES_BY_NAME
from onconode.store.withdraw import withdraw_patient

KRAS = {"op": "gene_altered", "gene": "KRAS", "alteration": "mutation"}
CRC = {"op": "tumour_type", "doids": ["9256"]}
EVERY = {f"P{i:02d}T" for i in range(1, 13)} | {"P03U"}

SAMPLES = [
    ({"op": "all"}, EVERY),
    (CRC, {"P01T", "P02T", "P03T", "P03U", "P11T"}),
    ({"op": "tumour_type", "doids": ["9256"], "include_descendants": False}, {"P03T", "P03U"}),
    (KRAS, {"P01T", "P03T"}),   # P10's failed the filter, P11's is silent, P12's default-filtered
    ({"op": "gene_altered", "gene": "kras", "alteration": "mutation", "hotspot": True}, {"P01T"}),
    ({"op": "gene_altered", "gene": "KRAS", "alteration": "mutation", "hotspot": False}, {"P03T"}),
    ({"op": "gene_altered", "gene": "BRCA1", "alteration": "mutation", "biallelic": True}, {"P06T"}),
    ({"op": "gene_altered", "gene": "ERBB2", "alteration": "amplification", "biallelic": False}, set()),   # NULL flag
    ({"op": "gene_altered", "gene": "TP53", "alteration": "mutation", "coding_effects": ["SPLICE"]}, {"P09T"}),
    ({"op": "gene_altered", "gene": "ERBB2", "alteration": "amplification"}, {"P06T"}),
    ({"op": "gene_altered", "gene": "CDKN2A", "alteration": "deletion"}, {"P05T"}),   # HETLOSS is no deletion
    ({"op": "gene_altered", "gene": "PTEN", "alteration": "deletion"}, {"P10T"}),     # a driver-catalogue DEL
    ({"op": "gene_altered", "gene": "ALK", "alteration": "fusion"}, {"P12T"}),
    ({"op": "gene_altered", "gene": "TMPRSS2"}, {"P10T"}),
    ({"op": "gene_altered", "gene": "NOSUCHGENE"}, set()),
    ({"op": "gene_altered", "gene": "TP53", "alteration": "driver", "min_driver_likelihood": 0.4}, {"P09T"}),
    ({"op": "gene_altered", "gene": "TP53", "alteration": "driver", "min_driver_likelihood": 0.41}, set()),
    ({"op": "treatment", "mechanism": "anti-egfr"}, {"P01T", "P03T", "P03U"}),
    ({"op": "treatment", "drug": "Pembrolizumab", "line_min": 2}, {"P04T"}),
    ({"op": "treatment", "drug_type": "Targeted therapy", "line_max": 1}, {"P01T", "P03T", "P03U", "P04T", "P05T", "P08T"}),
    ({"op": "treatment", "drug": "Cetuximab", "mechanism": "Platinum"}, set()),   # both on one drug: none
    ({"op": "treatment", "line_min": 2}, {"P04T", "P06T"}),
    ({"op": "and", "args": [CRC, {"op": "not", "arg": KRAS}]}, {"P02T", "P03U", "P11T"}),
    ({"op": "not", "arg": {"op": "all"}}, set()),
    ({"op": "and", "args": [CRC, {"op": "or", "args": [KRAS, {"op": "gene_altered", "gene": "BRAF", "alteration": "mutation"}]},
                            {"op": "treatment", "mechanism": "Anti-EGFR"}]}, {"P01T", "P03T"}),
]


@pytest.fixture
def snap(store):
    ab.load(store)
    return store.snapshot()


@pytest.mark.parametrize("definition, samples", SAMPLES)
def test_a_definition_selects_the_samples_counted_by_eye(snap, definition, samples):
    c = C.evaluate(snap, definition)
    assert c.sample_ids == samples
    assert c.patient_ids == {s[:3] for s in samples}
    assert c.members == {(s, s[:3]) for s in samples}


def test_missing_values_never_match_and_text_compares_case_insensitively_beyond_ascii(store):
    rows = ab.rows()
    rows["sample"].append({"sample_id": "PXT", "patient_id": "P01", "primary_tumor_doids": " 219 ,\t1909"})
    rows["sample"].append({"sample_id": "PYT", "patient_id": "P02", "primary_tumor_doids": None})
    rows["treatment"].append({"treatment_id": "P05-TX", "patient_id": "P05", "line": None, "start_date": ab.D(2022, 1, 1)})
    rows["treatment_drug"].append({"treatment_id": "P05-TX", "patient_id": "P05", "drug": "Ötrial drug", "type": None,
                                   "mechanism": None})
    with store.transaction("edge cases") as tx:
        for name, rs in rows.items():
            tx.replace(name, to_arrow(TABLES_BY_NAME[name], rs))
    snap = store.snapshot()

    def samples(definition):
        return C.evaluate(snap, definition).sample_ids
    assert samples({"op": "tumour_type", "doids": ["1909"]}) == {"P04T", "P05T", "PXT"}   # trimmed like DuckDB's trim
    assert "PYT" not in samples(CRC) and "PYT" in samples({"op": "not", "arg": CRC})   # no DOID: never CRC
    assert samples({"op": "treatment", "drug": "ÖTRIAL DRUG"}) == {"P05T"}      # lower-cased beyond ASCII
    assert samples({"op": "treatment", "drug_type": "chemotherapy"}) == {"P01T", "P07T", "PXT"}   # a NULL type: no match
    assert samples({"op": "treatment", "mechanism": "Platinum"}) == {"P01T", "P07T", "PXT"}
    assert samples({"op": "treatment", "line_min": 2, "drug": "ötrial drug"}) == set()   # a line without a number: no range


def test_a_withdrawal_reaches_every_answer_at_once(store):
    ab.load(store)
    before = F.alteration_frequency(store.snapshot(), C.evaluate(store.snapshot(), {"op": "all"}), ["KRAS"], ("MUTATION",))
    assert "P01T" in C.evaluate(store.snapshot(), KRAS).sample_ids
    withdraw_patient(store, "P01", "consent withdrawn")
    snap = store.snapshot()
    assert C.evaluate(snap, KRAS).sample_ids == {"P03T"}
    assert "P01" not in C.evaluate(snap, {"op": "all"}).patient_ids
    after = F.alteration_frequency(snap, C.evaluate(snap, {"op": "all"}), ["KRAS"], ("MUTATION",))
    assert after.rows[0]["altered"] == before.rows[0]["altered"] - 1 == 1


EVENTS = {"MUTATION": {"BRAF": 3, "KRAS": 2, "TP53": 2, "BRCA1": 1, "BRCA2": 1, "EGFR": 1},
          "AMP": {"ERBB2": 1, "MET": 1}, "DEL": {"CDKN2A": 1, "PTEN": 1},
          "FUSION": {"ALK": 1, "EML4": 1, "ERG": 1, "TMPRSS2": 1}}


def _shown(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


@pytest.mark.parametrize("threshold, drivers", [(0.0, {"KRAS": 1, "PTEN": 1, "TP53": 1}), (0.4, {"KRAS": 1, "PTEN": 1, "TP53": 1}),
                                                (0.5, {"KRAS": 1, "PTEN": 1}), (0.96, {"PTEN": 1})])
def test_every_kind_counts_the_profiled_samples_altered_drivers_from_a_likelihood(snap, threshold, drivers):
    got = F.alteration_frequency(snap, C.evaluate(snap, {"op": "all"}), None, F.FREQUENCY_KINDS, threshold).exact()
    # P11 is profiled for mutations only: it counts for MUTATION's denominator, not for the others
    assert got["profiled"] == {"MUTATION": 13, "AMP": 12, "DEL": 12, "FUSION": 12, "DRIVER": 12, "ANY": 12}
    listed = {k: [(r["gene"], r["altered"]) for r in got["rows"] if r["kind"] == k] for k in F.FREQUENCY_KINDS}
    for kind, counts in EVENTS.items():
        assert listed[kind] == _shown(counts), kind
    assert listed["DRIVER"] == _shown(drivers)
    every = {g: 1 for kind in EVENTS.values() for g in kind}
    assert listed["ANY"] == _shown({**every, **{g: n for kind in EVENTS.values() for g, n in kind.items()}})
    assert [r["kind"] for r in got["rows"]] == sorted((r["kind"] for r in got["rows"]), key=F.FREQUENCY_KINDS.index)


def test_genes_asked_by_name_are_listed_with_zero_and_two_groups_count_apart(snap):
    kras = C.evaluate(snap, KRAS)
    rest = C.evaluate(snap, {"op": "all"}).without(kras)
    got = F.alteration_frequencies(snap, {"KRAS": kras, "rest": rest}, ["braf", "KRAS", "NOSUCHGENE"], ("MUTATION", "ANY"))
    assert {n: [(r["kind"], r["gene"], r["altered"]) for r in g.rows] for n, g in got.items()} == {
        "KRAS": [("MUTATION", "KRAS", 2), ("MUTATION", "BRAF", 0), ("MUTATION", "NOSUCHGENE", 0),
                 ("ANY", "KRAS", 2), ("ANY", "BRAF", 0), ("ANY", "NOSUCHGENE", 0)],
        "rest": [("MUTATION", "BRAF", 3), ("MUTATION", "KRAS", 0), ("MUTATION", "NOSUCHGENE", 0),
                 ("ANY", "BRAF", 3), ("ANY", "KRAS", 0), ("ANY", "NOSUCHGENE", 0)]}
    assert got["rest"].profiled == {"MUTATION": 10, "ANY": 9}   # every sample but P01's and P03's; P11 for mutations only


def test_the_cells_keys_are_the_key_sums_of_their_samples(snap, tmp_path):
    keys = RecordKeys.for_home(tmp_path)
    kras = C.evaluate(snap, KRAS)
    rest = C.evaluate(snap, {"op": "all"}).without(kras)
    got = F.alteration_frequencies(snap, {"KRAS": kras, "rest": rest}, None, ("MUTATION", "DRIVER", "ANY"), 0.5)
    k = got["rest"].keys_of(keys)
    assert k.altered(["MUTATION", "ANY", "DRIVER", "MUTATION"], ["BRAF", "PTEN", "PTEN", "NOSUCHGENE"]).tolist() == [
        keys.cell({"P02T", "P04T", "P05T"}), keys.cell({"P10T"}), keys.cell({"P10T"}), 0]
    assert k.profiled["ANY"] == keys.cell(rest.sample_ids - {"P11T"})
    assert k.samples == keys.cell(rest.sample_ids)
    assert got["KRAS"].keys_of(keys).altered(["MUTATION"], ["KRAS"]).tolist() == [keys.cell({"P01T", "P03T"})]


def test_an_oncoprint_lists_the_profiled_samples_altered_first_in_gene_order(snap):
    got = O.oncoprint(snap, C.evaluate(snap, {"op": "all"}), ["kras", "TP53"]).exact()
    assert got["profiled"] == 12   # not P11T: profiled for mutations only
    assert got["matrix"][:5] == [
        {"sample_id": "P01T", "alterations": {"KRAS": ["HOTSPOT_MISSENSE"]}},
        {"sample_id": "P03T", "alterations": {"KRAS": ["MISSENSE"]}},
        {"sample_id": "P08T", "alterations": {"TP53": ["HOTSPOT_MISSENSE"]}},
        {"sample_id": "P09T", "alterations": {"TP53": ["SPLICE"]}},
        {"sample_id": "P02T", "alterations": {}}]
    assert [r["sample_id"] for r in got["matrix"][4:]] == sorted(EVERY - {"P01T", "P03T", "P08T", "P09T", "P11T"})
