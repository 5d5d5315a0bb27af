"""The FAIR Data Point a GDI or HealthData@EU harvester reads: walked from `/fdp` by its
links, Turtle or JSON-LD by content negotiation, the dataset valid against the GDI Dataset
shape, and nothing in it that the public catalogue does not already show."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF

from onconode.exchange.catalogue_rdf import FDP, HEALTH, LDP
from onconode.exchange.catalogue_shacl import validate
from onconode.interfaces.http.app import create_app
from onconode.interfaces.http.node import Node
from tests.web.conftest import FAST_ARGON2, own_home

BASE = "https://testserver"
DATASET = "HMF-SYNTH"


@pytest.fixture
def client(web_home: Path, tmp_path: Path) -> Iterator[TestClient]:
    home = own_home(web_home, tmp_path)
    (home / "onconode.toml").write_text(f'[catalogue]\ngdi_identifiers = {{ {DATASET} = "GDI-NL-7" }}\ncountry = "NLD"\n')
    node = Node(home, governance_options=FAST_ARGON2)
    with TestClient(create_app(node), base_url=BASE) as c:
        yield c
    node.close()


def fetch(client: TestClient, iri: URIRef, accept: str = "text/turtle") -> Graph:
    assert str(iri).startswith(BASE + "/fdp"), iri
    r = client.get(str(iri)[len(BASE):], headers={"accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(accept)
    return Graph().parse(data=r.text, format="turtle" if accept == "text/turtle" else "json-ld")


def one(graph: Graph, s, p):
    (value,) = graph.objects(s, p)
    return value


def test_a_harvester_walks_the_fdp_from_its_root_to_the_distribution(client):
    root = URIRef(f"{BASE}/fdp")
    g = fetch(client, root)
    assert (root, RDF.type, FDP.FAIRDataPoint) in g and (root, DCTERMS.title, None) in g
    catalog = one(g, root, FDP.metadataCatalog)
    assert (root, LDP.contains, catalog) in g
    c = fetch(client, catalog)
    assert (catalog, RDF.type, DCAT.Catalog) in c
    dataset = one(c, catalog, DCAT.dataset)
    assert (catalog, LDP.contains, dataset) in c
    d = fetch(client, dataset)
    assert str(one(d, dataset, DCTERMS.identifier)) == "GDI-NL-7"
    assert (dataset, DCTERMS.isPartOf, catalog) in d
    distribution = one(d, dataset, DCAT.distribution)
    dist = fetch(client, distribution)
    assert one(dist, distribution, DCAT.accessURL) == URIRef(f"{BASE}/access")
    assert (distribution, DCAT.accessURL, None) not in d        # each resource in its own document


def test_the_fdp_answers_turtle_or_json_ld_by_content_negotiation(client):
    dataset = URIRef(f"{BASE}/fdp/dataset/{DATASET}")
    turtle = fetch(client, dataset)
    jsonld = fetch(client, dataset, "application/ld+json")
    assert isomorphic(turtle, jsonld)
    assert client.get("/fdp").headers["content-type"].startswith("text/turtle")      # the FDP default


def test_the_fdp_dataset_conforms_to_the_gdi_dataset_shape(client):
    d = fetch(client, URIRef(f"{BASE}/fdp/dataset/{DATASET}"))
    assert validate(d, "gdi") == []
    d.remove((None, DCTERMS.identifier, None))
    d.add((URIRef(f"{BASE}/fdp/dataset/{DATASET}"), DCTERMS.identifier, Literal(DATASET)))
    assert [p.path for p in validate(d, "gdi")] == [str(DCTERMS.identifier)]      # the shape can fail


def test_the_fdp_shows_nothing_the_public_catalogue_does_not(client):
    catalogue = Graph().parse(data=client.get("/catalog.jsonld").text, format="json-ld")
    root = URIRef(f"{BASE}/fdp")
    for iri in (root, URIRef(f"{BASE}/fdp/catalog"), URIRef(f"{BASE}/fdp/dataset/{DATASET}"),
                URIRef(f"{BASE}/fdp/distribution/{DATASET}")):
        extra = [t for t in fetch(client, iri) if t not in catalogue and t[0] != root]
        assert extra == [], (iri, extra[:3])
    shown = client.get("/api/catalogue").json()["datasets"][0]["counts"]["patients"]     # controlled, as everywhere
    d = fetch(client, URIRef(f"{BASE}/fdp/dataset/{DATASET}"))
    assert one(d, URIRef(f"{BASE}/fdp/dataset/{DATASET}"), HEALTH.numberOfUniqueIndividuals) == Literal(
        shown, datatype=URIRef("http://www.w3.org/2001/XMLSchema#nonNegativeInteger"))


def test_an_unknown_fdp_resource_is_404_pointing_at_the_root(client):
    r = client.get("/fdp/dataset/NOPE")
    assert r.status_code == 404 and f"{BASE}/fdp" in r.json()["detail"]
    assert client.get("/fdp?freeze=DR-NOPE").status_code == 404


def test_the_fdp_is_read_only(client):
    assert client.post("/fdp", content=b"").status_code == 405


def test_the_catalogue_page_links_the_fdp_for_people_who_look(client):
    page = client.get("/catalogue", headers={"accept": "text/html"}).text
    assert '<a href="/fdp">FAIR Data Point</a>' in page
