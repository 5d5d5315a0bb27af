"""The researcher's federation pages: pick a collaboration and nodes, a cohort and an
analysis; watch each node's status; read the combined result.

The node's portal talks to the coordinator named in [federation.portal] of `<home>/onconode.toml`
(`url = "https://coordinator.example:8700"`, optional `cafile`), as the researcher, with
the DAR token or visa they type in. Everything else is the coordinator's REST API
(`federation.client`); this module only parses forms and renders.
"""

from __future__ import annotations

import json
import ssl
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from onconode.federation.client import CoordinatorClient, FederationClientError
from onconode.interfaces.http.session import csrf_protect, node_of, require_account
from onconode.interfaces.http.templating import render

router = APIRouter(include_in_schema=False)
ALGORITHMS = ("counts", "frequency", "contingency", "glm", "cox", "km")


def _client(request: Request, token: str | None = None) -> CoordinatorClient | None:
    node = node_of(request)
    conf = node.settings.federation.portal
    if not conf.url:
        return None
    verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=str(node.home / conf.cafile)) if conf.cafile else True
    return CoordinatorClient(conf.url, verify, token)


def _page(request: Request, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    client = _client(request)
    collaborations: dict[str, Any] = {}
    if client is not None:
        with client:
            try:
                collaborations = client.collaborations()
            except (FederationClientError, OSError) as exc:
                ctx.setdefault("error", f"the coordinator is not reachable: {exc}")
    return render(request, "federation/index.html", status_code=status_code, configured=client is not None,
                  collaborations=collaborations, algorithms=ALGORITHMS, form=ctx.pop("form", {}), **ctx)


@router.get("/federation", response_class=HTMLResponse)
def federation_page(request: Request, account=Depends(require_account)) -> HTMLResponse:
    return _page(request)


@router.post("/federation/runs", dependencies=[Depends(csrf_protect)])
def submit(request: Request, account=Depends(require_account), collaboration: str = Form(...),
           nodes: list[str] = Form([]), algorithm: str = Form(...), cohort: str = Form(""), params: str = Form(""),
           dar: str = Form(""), token: str = Form(""), visa: str = Form("")):
    form = {"collaboration": collaboration, "nodes": nodes, "algorithm": algorithm, "cohort": cohort, "params": params, "dar": dar}
    try:
        request_body = {"collaboration": collaboration, "algorithm": algorithm, "nodes": nodes or None,
                        "cohort": json.loads(cohort) if cohort.strip() else None,
                        "params": json.loads(params) if params.strip() else {}}
    except json.JSONDecodeError as exc:
        return _page(request, 422, error=f"cohort or parameters are not valid JSON: {exc}", form=form)
    request_body.update({"dar": dar} if dar.strip() else {"visa": visa.strip()} if visa.strip() else {})
    client = _client(request, token.strip() or None)
    if client is None:
        return _page(request, 409, error="this node has no coordinator configured", form=form)
    with client:
        try:
            run = client.submit({k: v for k, v in request_body.items() if v is not None})
        except FederationClientError as exc:
            return _page(request, 400, error=str(exc), form=form)
    return RedirectResponse(f"/federation/runs/{run['run']}", status_code=303)


def _run(request: Request, run_id: str) -> dict[str, Any]:
    client = _client(request)
    if client is None:
        raise FederationClientError("this node has no coordinator configured")
    with client:
        return client.run(run_id)


@router.get("/federation/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, run_id: str, account=Depends(require_account)) -> HTMLResponse:
    try:
        view = _run(request, run_id)
    except FederationClientError as exc:
        return render(request, "federation/run.html", status_code=404, run=None, error=str(exc))
    template = "federation/_status.html" if request.headers.get("HX-Request") else "federation/run.html"
    return render(request, template, run=view)
