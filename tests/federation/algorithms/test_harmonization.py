"""Nodes with their own code systems (ICD-10, ICD-O-3 topography, local drug names)
answer harmonized tasks exactly as if they held DOIDs and ATC, publish what they can
answer, and refuse — naming the term — what their codes cannot express."""

from __future__ import annotations

import re

import pyarrow as pa
import ibis
import pytest

from onconode.analysis import cohort as cohorts
from onconode.analysis.disclosure import DisclosureSettings, Rules
from onconode.analysis.federated import run_local
from onconode.federation import harmonization as h
from onconode.model import MODEL_VERSION
from onconode.store import Store
from onconode.synth import load_cohort

LUNG_ON_TAXANE = {"op": "and", "args": [{"op": "tumour_type", "doids": ["1324"]}, {"op": "treatment", "mechanism": "Taxane"}]}
COLORECTAL = {"op": "tumour_type", "doids": ["9256"]}
KRAS_IN_COLORECTAL = {"op": "and", "args": [COLORECTAL, {"op": "gene_altered", "gene": "KRAS", "alteration": "mutation"}]}


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    """Per node: (harmonized cohorts before localizing, the localized store)."""
    out = {}
    for name, seed, system in (("SE", 31, "ICD-10"), ("ES", 32, "ICD-O-3")):
        store = Store.init(tmp_path_factory.mktemp(name) / "node")
        load_cohort(store, patients=150, seed=seed, median_variants=5, workers=1)
        before = store.snapshot()
        expected = {k: cohorts.evaluate(before, q).patient_ids
                    for k, q in (("lung", LUNG_ON_TAXANE), ("crc", COLORECTAL), ("crc_kras", KRAS_IN_COLORECTAL))}
        glm = run_local("glm", {name: before}, GLM, Rules(DisclosureSettings()))
        h.localize(store, system)
        out[name] = (expected, glm, store)
    yield out
    for _, _, s in out.values():
        s.close()


GLM = {"cohort": {"op": "tumour_type", "doids": ["162"]}, "treatment": {"mechanism": "Taxane"}, "outcome": "treatment_lines",
       "family": "poisson", "covariates": ["age", "sex"]}


def test_a_localized_node_holds_no_harmonized_codes_and_the_mapping_gives_them_back(nodes):
    for name, (expected, _, store) in nodes.items():
        raw = store.snapshot()
        assert cohorts.evaluate(raw, COLORECTAL).patients == 0  # what a node without the mapping layer would answer
        view = h.harmonized(raw)
        assert cohorts.evaluate(view, LUNG_ON_TAXANE).patient_ids == expected["lung"], name
        assert cohorts.evaluate(view, COLORECTAL).patient_ids == expected["crc"], name


def test_a_harmonized_view_shares_the_store_caches_of_unmapped_tables_and_bypasses_the_mapped(nodes):
    from onconode.analysis import alterations, materialized

    for name, (expected, _, store) in nodes.items():
        raw = store.snapshot()
        view = h.harmonized(raw)
        assert view.changed_tables == {"sample", "treatment_drug"}
        assert expected["crc_kras"], "the check needs KRAS-mutated colorectal patients"
        assert cohorts.evaluate(view, KRAS_IN_COLORECTAL).patient_ids == expected["crc_kras"], name
        assert set(cohorts.evaluate_sql(view, KRAS_IN_COLORECTAL)[1]) == expected["crc_kras"], name
        # the alteration events read no mapped table: the view uses the store's own table
        events_of_view = alterations.events(view)
        assert events_of_view.get_name() == alterations.events(raw).get_name()
        assert "_onconode_cache_alteration_events_" in events_of_view.get_name()
        # the samples and drugs are mapped: never served from (or kept under) the store's key
        samples = materialized.materialized(view, "harmonized_samples", lambda: view.table("sample").select("sample_id"))
        assert "_onconode_cache_" not in ibis.to_sql(samples, dialect="duckdb")


def test_a_federated_model_over_localized_nodes_equals_the_model_before_localization(nodes):
    rules = Rules(DisclosureSettings())
    for name, (_, before, store) in nodes.items():
        after = run_local("glm", {name: h.harmonized(store.snapshot())}, GLM, rules)
        assert [t["coef"] for t in after["terms"]] == pytest.approx([t["coef"] for t in before["terms"]], abs=1e-12)


def test_each_node_publishes_its_model_version_code_systems_and_coverage(nodes):
    cov = h.coverage(nodes["SE"][2].snapshot())
    assert cov["model_version"] == MODEL_VERSION and cov["tumour_codes"] == "ICD-10" and cov["drug_codes"] == "names"
    assert "1324" in cov["doids"] and "3908" not in cov["doids"]  # C34 is lung cancer, not NSCLC
    assert cov["unmapped"] == {"tumour_codes": [], "drug_names": []}
    assert set(h.covered_doids("DOID")) >= {"3908", "1324", "9256"}


def test_a_task_asking_for_a_term_the_node_cannot_express_is_refused_by_name(nodes):
    cov = h.coverage(nodes["SE"][2].snapshot())
    h.check_task({"cohort": LUNG_ON_TAXANE}, cov, "SE")  # lung cancer: answerable
    with pytest.raises(h.HarmonizationError, match=r"SE cannot answer DOID:3908 \(lung non-small cell carcinoma\) in indicators.nsclc"):
        h.check_task({"indicators": {"nsclc": {"op": "not", "arg": {"op": "tumour_type", "doids": ["3908"]}}}}, cov, "SE")
    with pytest.raises(h.HarmonizationError, match=f"model version {re.escape(MODEL_VERSION)}, the task is written for 2.0"):
        h.check_task({"model_version": "2.0"}, cov, "SE")


def test_an_unmappable_drug_name_makes_treatment_criteria_unanswerable(nodes):
    store = nodes["ES"][2]
    t = store.snapshot().table("treatment_drug").to_pyarrow()
    names = t["drug"].to_pylist()
    names[0] = "Onbekend middel X"  # a name the curation table does not know
    with store.transaction("test", "an unknown drug name") as tx:
        tx.replace("treatment_drug", t.set_column(t.schema.get_field_index("drug"), "drug", pa.array(names, pa.string())))
    cov = h.coverage(store.snapshot())
    assert cov["unmapped"]["drug_names"] == ["Onbekend middel X"]
    h.check_task({"cohort": COLORECTAL}, cov, "ES")
    with pytest.raises(h.HarmonizationError, match="drug names it cannot map \\(Onbekend middel X\\)"):
        h.check_task({"cohort": COLORECTAL, "treatment": {"mechanism": "Taxane"}}, cov, "ES")


def test_local_response_scales_map_to_recist_and_name_what_they_cannot():
    assert h.to_recist("nl-zorg", ["complete remissie", "progressieve ziekte"]) == ["CR", "PD"]
    assert h.to_recist("irecist", ["iUPD"]) == ["NE"]
    with pytest.raises(h.HarmonizationError, match=r"no mapping for \['mixed response'\]"):
        h.to_recist("who-1981", ["mixed response", "no change"])
    with pytest.raises(h.HarmonizationError, match="unknown response scale 'mine'"):
        h.to_recist("mine", ["x"])


def test_an_unmappable_tumour_code_makes_tumour_type_criteria_unanswerable(nodes):
    store = nodes["SE"][2]
    sample, code = store.con.execute("SELECT id, code FROM local_code WHERE entity = 'sample' LIMIT 1").fetchall()[0]
    store.con.execute("UPDATE local_code SET code = 'C99.9' WHERE entity = 'sample' AND id = ?", [sample])
    try:
        cov = h.coverage(store.snapshot())
        assert cov["unmapped"]["tumour_codes"] == ["C99.9"]
        h.check_task({"cohort": {"op": "sex", "values": ["female"]}}, cov, "SE")  # no tumour type: still answerable
        with pytest.raises(h.HarmonizationError, match=r"SE has tumour codes it cannot map \(C99.9\); the tumour type in cohort"):
            h.check_task({"cohort": COLORECTAL}, cov, "SE")
    finally:
        store.con.execute("UPDATE local_code SET code = ? WHERE entity = 'sample' AND id = ?", [code, sample])
