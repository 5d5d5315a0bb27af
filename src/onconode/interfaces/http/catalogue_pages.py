"""The data catalogue as web pages: `/catalogue` (every dataset, its counts) and
`/catalogue/{dataset}` (consent, data types, counts by tumour type, the data dictionary,
how to apply). Same figures as the REST API (`api.catalogue.on_freeze`), rendered."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from onconode.analysis import catalogue
from onconode.interfaces.http.researcher import gate_user
from onconode.interfaces.http.api.catalogue import FreezeQuery, on_freeze
from onconode.interfaces.http.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/catalogue", response_class=HTMLResponse)
def catalogue_page(request: Request, freeze: str | None = FreezeQuery) -> HTMLResponse:
    found, where = on_freeze(request, freeze, gate_user(request), catalogue.overview)
    return render(request, "catalogue/index.html", datasets=found, **where)


@router.get("/catalogue/{dataset_id}", response_class=HTMLResponse)
def dataset_page(request: Request, dataset_id: str, freeze: str | None = FreezeQuery) -> HTMLResponse:
    found, where = on_freeze(request, freeze, gate_user(request),
                             lambda gate, user, snap: catalogue.describe(gate, user, snap, dataset_id))
    return render(request, "catalogue/dataset.html", d=found, **where)
