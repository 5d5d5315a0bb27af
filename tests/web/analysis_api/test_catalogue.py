"""The data catalogue: datasets with disclosure-controlled counts over REST and as web
pages, and the DCAT-AP / HealthDCAT-AP JSON-LD that data-discovery portals harvest."""

from __future__ import annotations

from pyld import jsonld
from rdflib import Graph

from onconode.analysis.catalogue import DatasetFigures
from onconode.analysis.cellkey import RecordKeys
from onconode.analysis.disclosure import DisclosureSettings, Rules
from onconode.exchange.catalogue_shacl import validate
from tests.web.analysis_api.test_analysis_api import anonymous, small_cells, small_location
from tests.web.conftest import FREEZE

DATASET = "HMF-SYNTH"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
HEALTH = "http://healthdataportal.eu/ns/health#"


def test_the_catalogue_lists_datasets_with_consent_and_controlled_counts(client):
    body = client.get("/api/catalogue").json()
    assert body["freeze"] == FREEZE and [f["freeze_id"] for f in body["freezes"]] == [FREEZE]
    (d,) = body["datasets"]
    assert d["dataset_id"] == DATASET and d["access"] == "/access" and d["licence_type"] == "EEA"
    assert {"code": "DUO:0000042", "shorthand": "GRU", "label": "general research use", "modifier": ""} in d["consent"]
    assert abs(d["counts"]["patients"] - 300) <= 3 and d["counts"]["disclosure"] == "controlled"   # perturbed


def test_a_dataset_shows_its_data_types_tumour_types_and_dictionary_with_small_cells_hidden(client):
    d = client.get(f"/api/catalogue/{DATASET}").json()
    counts = d["counts"]
    assert "<5" in counts["tumour_types"].values()
    assert small_cells(counts) == []
    data_types = {t["data_type"]: t for t in counts["data_types"]}
    assert data_types["somatic small variants"]["unit"] == "samples" and data_types["treatments"]["unit"] == "patients"
    assert "somatic small variants" in d["data_types_present"]
    assert {"patient", "sample", "somatic_variant", "treatment_response"} <= {t["name"] for t in d["dictionary"]["tables"]}


def test_catalogue_figures_are_perturbed_by_their_units_cell_keys():
    rules = Rules(DisclosureSettings(), RecordKeys(bytes(32)))
    ids = [f"P{i:02d}" for i in range(40)]
    fig = DatasetFigures(patient_ids=frozenset(ids), sample_ids=frozenset(ids[:3]),
                         tumour_types={"Lung": frozenset(ids[:38]), "Skin": frozenset(ids[38:])},
                         data_types={"fusions": ("samples", frozenset(ids[:3])), "treatments": ("patients", frozenset())})
    shown = fig.controlled(rules)
    assert shown["patients"] == rules.count_of(ids) and abs(shown["patients"] - 40) <= 3
    assert shown["tumour_types"]["Skin"] == "<5"                             # listed, so never 0
    assert shown["data_types"][1] == {"data_type": "treatments", "unit": "patients", "count": 0}
    assert shown["samples"] == shown["data_types"][0]["count"]               # the same samples, the same figure
    assert fig.exact()["samples"] == 3 and fig.exact()["tumour_types"] == {"Lung": 38, "Skin": 2}


def test_a_dataset_and_a_cohort_of_the_same_patients_show_the_same_perturbed_count(client):
    anonymous(client)
    location = small_location(client)
    shown = client.get(f"/api/catalogue/{DATASET}").json()["counts"]["patients"]
    assert client.post("/api/analysis/count", json={"cohort": {"op": "dataset", "ids": [DATASET]}}).json()["patients"] == shown
    everyone_but = {"op": "not", "arg": {"op": "tumour_location", "locations": [location]}}
    assert client.post("/api/analysis/count", json={"cohort": everyone_but}).status_code == 200   # no history to refuse it


def test_an_unknown_dataset_or_freeze_is_404(client):
    r = client.get("/api/catalogue/NOPE")
    assert r.status_code == 404 and DATASET in r.json()["detail"]
    assert client.get("/api/catalogue?freeze=DR-NOPE").status_code == 404


def test_the_catalogue_pages_are_tables_with_captions_and_headers(client):
    page = client.get("/catalogue", headers={"accept": "text/html"})
    assert page.status_code == 200 and "<caption>Datasets held by this node</caption>" in page.text
    assert f'href="/catalogue/{DATASET}?freeze={FREEZE}"' in page.text and 'scope="col"' in page.text
    detail = client.get(f"/catalogue/{DATASET}").text
    assert "Apply for access to this dataset" in detail and 'href="/access"' in detail
    assert "&lt;5" in detail and '<label for="freeze">' in detail
    assert "<caption>Columns of <code>somatic_variant</code></caption>" in detail


def test_an_unknown_dataset_page_is_a_404_page(client):
    r = client.get("/catalogue/NOPE", headers={"accept": "text/html"})
    assert r.status_code == 404 and "no dataset" in r.text


def test_the_dcat_catalogue_is_json_ld_that_expands(client):
    r = client.get("/catalog.jsonld")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")
    doc = r.json()
    assert isinstance(doc["@context"], dict)
    expanded = jsonld.expand(doc)
    (catalog,) = [n for n in expanded if f"{DCAT}Catalog" in n.get("@type", [])]
    (ref,) = catalog[f"{DCAT}dataset"]
    assert ref["@id"] == f"https://testserver/fdp/dataset/{DATASET}"     # its FAIR Data Point address
    (dataset,) = [n for n in expanded if n["@id"] == ref["@id"]]
    assert f"{DCAT}Dataset" in dataset["@type"]
    assert dataset[f"{DCT}identifier"][0]["@value"] == DATASET
    assert dataset[f"{DCT}title"][0]["@value"] == "Synthetic metastatic cancer WGS cohort"
    assert dataset[f"{DCT}accessRights"][0]["@id"] == "http://publications.europa.eu/resource/authority/access-right/RESTRICTED"
    assert dataset[f"{DCAT}theme"][0]["@id"] == "http://publications.europa.eu/resource/authority/data-theme/HEAL"
    assert {x["@id"] for x in dataset["http://data.europa.eu/r5r/applicableLegislation"]} >= {
        "http://data.europa.eu/eli/reg/2016/679/oj", "http://data.europa.eu/eli/reg/2025/327/oj"}
    individuals = dataset[f"{HEALTH}numberOfUniqueIndividuals"][0]
    shown = client.get("/api/catalogue").json()["datasets"][0]["counts"]["patients"]   # 300, perturbed
    assert individuals == {"@type": "http://www.w3.org/2001/XMLSchema#nonNegativeInteger", "@value": str(shown)}  # lexical form
    (dist,) = [n for n in expanded if n["@id"] == dataset[f"{DCAT}distribution"][0]["@id"]]
    assert dist[f"{DCAT}accessURL"][0]["@id"] == "https://testserver/access"
    (kind,) = [n for n in expanded if n["@id"] == dataset[f"{DCAT}contactPoint"][0]["@id"]]
    assert kind["http://www.w3.org/2006/vcard/ns#hasURL"][0]["@id"] == "https://testserver/access"
    assert dataset[f"{DCT}publisher"][0]["@id"] == "https://testserver/"


def test_the_dcat_catalogue_converts_to_rdf(client):
    quads = jsonld.normalize(client.get("/catalog.jsonld").json(), {"algorithm": "URDNA2015", "format": "application/n-quads"})
    shown = client.get("/api/catalogue").json()["datasets"][0]["counts"]["patients"]   # 300, perturbed
    assert f"<https://testserver/fdp/dataset/{DATASET}> <{HEALTH}numberOfUniqueIndividuals> " \
           f'"{shown}"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>' in quads


def test_the_served_catalogue_conforms_to_the_healthdcat_ap_shapes(client):
    graph = Graph().parse(data=client.get("/catalog.jsonld").text, format="json-ld")
    assert validate(graph, "healthdcat-ap") == []
