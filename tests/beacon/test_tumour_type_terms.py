"""Tumour types are advertised at /filtering_terms in the vocabularies the model holds
(DOID, OncoTree through its DOID, ICD-O-3 morphology) and every advertised term filters."""

from __future__ import annotations

from tests.beacon.helpers import bearer, visa

DATASET = "HMF-SYNTH"


def samples(node, where: str, params: list | None = None) -> set[str]:
    store = node.store
    rel = store.relation_sql("sample", store.resolve("DR-TEST"))
    return {r[0] for r in store.con.execute(f"SELECT sample_id FROM ({rel}) WHERE {where}", params or []).fetchall()}


def biosamples(client, node, filters) -> set[str]:
    body = {"meta": {"apiVersion": "v2.0.0"}, "query": {"filters": filters, "requestedGranularity": "record",
                                                        "pagination": {"limit": 100}}}
    r = client.post("/beacon/biosamples", json=body, headers=bearer(visa(node, DATASET)))
    assert r.status_code == 200, r.text
    return {rec["id"] for rs in r.json()["response"]["resultSets"] for rec in rs["results"]}


def test_tumour_types_are_advertised_in_doid_oncotree_and_icdo3(client, schemas):
    doc = client.get("/beacon/filtering_terms").json()
    assert schemas.errors("filtering_terms", doc) == []
    terms = {t["id"]: t for t in doc["response"]["filteringTerms"]}
    assert {"DOID:3910", "OncoTree:LUAD", "ICDO3:9861/3"} <= set(terms)
    assert terms["ICDO3:9861/3"]["label"] == "Acute myeloid leukaemia, NOS"
    assert {r["id"] for r in doc["response"]["resources"]} >= {"DOID", "OncoTree", "ICDO3", "NCIT"}


def test_every_advertised_tumour_type_term_filters(client, node):
    terms = [t["id"] for t in client.get("/beacon/filtering_terms").json()["response"]["filteringTerms"]
             if t["id"].split(":")[0] in ("DOID", "OncoTree", "ICDO3")]
    for term in terms:
        assert biosamples(client, node, [term]), term


def test_an_oncotree_code_finds_the_samples_of_its_disease_ontology_term(client, node):
    assert biosamples(client, node, ["OncoTree:LUAD"]) == samples(node, "primary_tumor_doids = '3910'") != set()


def test_an_icdo3_morphology_code_finds_exactly_its_samples(client, node):
    assert biosamples(client, node, ["ICDO3:9861/3"]) == samples(node, "haematological_diagnosis_code = '9861/3'") != set()
    assert biosamples(client, node, [{"id": "icdo3:9877/3"}]) == samples(node, "haematological_diagnosis_code = '9877/3'")


def test_tumour_type_terms_of_several_vocabularies_are_one_field(client, node):
    both = biosamples(client, node, ["OncoTree:LUAD", "ICDO3:9861/3"])
    assert both == biosamples(client, node, ["OncoTree:LUAD"]) | biosamples(client, node, ["ICDO3:9861/3"])


def test_an_oncotree_code_this_node_does_not_curate_is_refused_with_the_known_ones(client):
    r = client.get("/beacon/biosamples", params={"filters": "OncoTree:XYZ"})
    assert r.status_code == 400 and "LUAD" in r.json()["error"]["errorMessage"]
