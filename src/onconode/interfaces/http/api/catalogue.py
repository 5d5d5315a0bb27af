"""REST API of the data catalogue (`/api/catalogue`, `/api/catalogue/{dataset}`) and its
DCAT-AP / HealthDCAT-AP JSON-LD (`/catalog.jsonld`). Open to everyone: the counts are
disclosure-controlled by `analysis.catalogue`; the RDF is `exchange.catalogue_rdf`'s."""

from __future__ import annotations

from typing import Any, Callable

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from rdflib import Graph

from onconode.analysis import catalogue
from onconode.exchange import catalogue_rdf
from onconode.interfaces.http.api.freeze import freeze_snapshot
from onconode.interfaces.http.api.rdf import JSONLD, rdf_response
from onconode.interfaces.http.researcher import gate_user
from onconode.interfaces.http.session import node_of

router = APIRouter(tags=["catalogue"])
HARVESTER = "public:catalogue"  # the gate's user for harvesters (no session, same figures for all)
FreezeQuery = Query(None, description="Data freeze (default: the newest)")


def on_freeze(request: Request, freeze: str | None, user: str, compute: Callable[[Any, str, Any], Any]) -> tuple[Any, Any]:
    """Run a catalogue function on a freeze (default the newest) under the store lock;
    returns (what it computed, the freezes the node has)."""
    node = node_of(request)
    with freeze_snapshot(node, freeze) as snap:
        try:
            return compute(node.gate, user, snap), {"freeze": snap.freeze, "version": snap.version,
                                                    "freezes": catalogue.freezes(snap.store)}
        except catalogue.DatasetNotFound as exc:
            raise HTTPException(404, str(exc)) from None


def public_base(request: Request) -> str:
    """The node's public address: `[node] public_url`, else the address the request reached."""
    return node_of(request).settings.node.public_url.rstrip("/") or str(request.base_url).rstrip("/")


def harvested_graph(request: Request, freeze: str | None) -> Graph:
    """The catalogue graph of a freeze as harvesters see it (one public user for the gate)."""
    settings = node_of(request).settings
    base = public_base(request)
    graph, _ = on_freeze(request, freeze, HARVESTER, lambda gate, user, snap: catalogue_rdf.catalogue_graph(
        gate, user, snap, base, settings.node.name, settings.catalogue))
    return graph


@router.get("/api/catalogue", summary="Datasets of this node with disclosure-controlled counts")
def list_datasets(request: Request, freeze: str | None = FreezeQuery) -> dict[str, Any]:
    found, where = on_freeze(request, freeze, gate_user(request), catalogue.overview)
    return {**where, "datasets": found, "apply": catalogue.ACCESS_PAGE}


@router.get("/api/catalogue/{dataset_id}", summary="One dataset: description, consent, counts, data types, data dictionary")
def get_dataset(request: Request, dataset_id: str, freeze: str | None = FreezeQuery) -> dict[str, Any]:
    found, where = on_freeze(request, freeze, gate_user(request),
                             lambda gate, user, snap: catalogue.describe(gate, user, snap, dataset_id))
    return {**where, **found}


@router.get("/catalog.jsonld", summary="The catalogue as DCAT-AP / HealthDCAT-AP JSON-LD", response_class=Response)
def catalog_jsonld(request: Request, freeze: str | None = FreezeQuery) -> Response:
    return rdf_response(harvested_graph(request, freeze), JSONLD)
