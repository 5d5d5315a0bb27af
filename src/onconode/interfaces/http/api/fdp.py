"""The FAIR Data Point (FDP spec v1.2, GDI metadata profile): `/fdp` (the repository),
`/fdp/catalog`, `/fdp/dataset/{id}`, `/fdp/distribution/{id}`, each as Turtle or JSON-LD
by content negotiation, linked by `fdp:metadataCatalog`, `ldp:contains`, `dcat:dataset`
and `dcat:distribution` so a harvester walks it from the root. Public and read-only: each
document is a cut of the same graph `/catalog.jsonld` serves (`harvested_graph`), so it
shows nothing the catalogue does not, and its counts passed the same disclosure gate."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from onconode.exchange import catalogue_rdf
from onconode.interfaces.http.api.catalogue import FreezeQuery, harvested_graph, public_base
from onconode.interfaces.http.api.rdf import negotiated, rdf_response
from onconode.interfaces.http.session import node_of

router = APIRouter(tags=["FAIR Data Point"])


def _document(request: Request, freeze: str | None, subject: URIRef | None = None) -> Response:
    base = public_base(request)
    graph = catalogue_rdf.repository(harvested_graph(request, freeze), base, node_of(request).settings.node.name)
    subject = subject or catalogue_rdf.Where(base).fdp
    if (subject, RDF.type, None) not in graph:
        raise HTTPException(404, f"{subject} is not in this node's FAIR Data Point; start at {base}/fdp")
    cut: Graph = catalogue_rdf.description(graph, subject, catalogue_rdf.fdp_resources(graph))
    return rdf_response(cut, negotiated(request))


@router.get("/fdp", summary="FAIR Data Point: the repository metadata (Turtle or JSON-LD)", response_class=Response)
def fdp_root(request: Request, freeze: str | None = FreezeQuery) -> Response:
    return _document(request, freeze)


@router.get("/fdp/catalog", summary="FAIR Data Point: the catalogue", response_class=Response)
def fdp_catalog(request: Request, freeze: str | None = FreezeQuery) -> Response:
    return _document(request, freeze, catalogue_rdf.Where(public_base(request)).catalog)


@router.get("/fdp/dataset/{dataset_id}", summary="FAIR Data Point: one dataset", response_class=Response)
def fdp_dataset(request: Request, dataset_id: str, freeze: str | None = FreezeQuery) -> Response:
    return _document(request, freeze, catalogue_rdf.Where(public_base(request)).dataset(dataset_id))


@router.get("/fdp/distribution/{dataset_id}", summary="FAIR Data Point: a dataset's distribution", response_class=Response)
def fdp_distribution(request: Request, dataset_id: str, freeze: str | None = FreezeQuery) -> Response:
    return _document(request, freeze, catalogue_rdf.Where(public_base(request)).distribution(dataset_id))
