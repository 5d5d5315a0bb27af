"""An RDF graph as an HTTP answer, in the format the client asks for: Turtle (the FAIR Data
Point default) or JSON-LD with an inline context (nothing to fetch to read it)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from rdflib import Graph

from onconode.exchange.catalogue_rdf import jsonld_context

TURTLE = "text/turtle"
JSONLD = "application/ld+json"


def negotiated(request: Request, default: str = TURTLE) -> str:
    """The media type to answer with: the first of Turtle / JSON-LD the Accept header names, else `default`."""
    accept = request.headers.get("accept", "")
    found = [(accept.find(m), m) for m in (TURTLE, JSONLD) if m in accept]
    return min(found)[1] if found else default


def rdf_response(graph: Graph, media_type: str) -> Response:
    if media_type == JSONLD:
        body = graph.serialize(format="json-ld", context=jsonld_context(), auto_compact=True)
    else:
        body = graph.serialize(format="turtle")
    return Response(body, media_type=media_type, headers={"Vary": "Accept"})
