"""GA4GH Beacon v2 HTTP endpoints, mounted at `/beacon` on every node (the Beacon's root).

Thin: parse the request (GET query or POST body), work out who asks, call the service
inside one store snapshot, render JSON. Every answer, errors included, is a Beacon
document (beaconErrorResponse with errorCode = HTTP status).

POST queries change nothing on the node, and an aggregator or script cannot carry a CSRF
token; so POST ignores the session cookie (only a bearer visa counts) and needs none.
"""

from __future__ import annotations

import dataclasses
from contextlib import contextmanager
from typing import Any, Iterator

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
import json

from onconode.analysis.beacon_rules import BudgetExceeded, Requester
from onconode.beacon import auth, fast, info as docs
from onconode.beacon.info import BY_PATH, BeaconInfo
from onconode.beacon.positions import PositionIndex
from onconode.beacon.request import BeaconQuery, BeaconRequestError, from_body, from_get
from onconode.beacon.responses import error
from onconode.beacon.search import Scope
from onconode.beacon.service import BeaconService
from onconode.interfaces.http.beacon_budget import budget_for
from onconode.interfaces.http.session import current_account, node_of
from onconode.store.store import published_pointer

router = APIRouter(prefix="/beacon", tags=["beacon"])
ENTRIES = ("individuals", "biosamples", "g_variants", "analyses", "runs")
COLLECTIONS = ("datasets", "cohorts")
# (entry of the path, sub-path) -> (entry answered, which scope field the id fills)
SUBPATHS: dict[tuple[str, str | None], tuple[str, str]] = {
    ("individuals", None): ("individuals", "patient_id"), ("individuals", "g_variants"): ("g_variants", "patient_id"),
    ("individuals", "biosamples"): ("biosamples", "patient_id"),
    ("biosamples", None): ("biosamples", "sample_id"), ("biosamples", "g_variants"): ("g_variants", "sample_id"),
    ("biosamples", "analyses"): ("analyses", "sample_id"), ("biosamples", "runs"): ("runs", "sample_id"),
    ("g_variants", None): ("g_variants", "variant_id"), ("g_variants", "biosamples"): ("biosamples", "variant_id"),
    ("g_variants", "individuals"): ("individuals", "variant_id"),
    ("analyses", None): ("analyses", "sample_id"), ("analyses", "g_variants"): ("g_variants", "sample_id"),
    ("runs", None): ("runs", "sample_id"), ("runs", "g_variants"): ("g_variants", "sample_id"),
    ("runs", "analyses"): ("analyses", "sample_id"),
    ("datasets", "g_variants"): ("g_variants", "dataset_id"), ("datasets", "biosamples"): ("biosamples", "dataset_id"),
    ("datasets", "individuals"): ("individuals", "dataset_id"), ("cohorts", "individuals"): ("individuals", "dataset_id"),
}
ID_SUFFIX = {"analyses": "-analysis", "runs": "-run"}


def _service(request: Request) -> BeaconService:
    return service_for(node_of(request), str(request.base_url))


def service_for(node: Any, base_url: str) -> BeaconService:
    """One service per node (its query budget is counted in the governance database, shared by
    every server worker: beacon_budget.py); when the settings give no beacon.base_url, a copy
    per URL the node is reached at (same budget)."""
    svc = node.__dict__.get("beacon_service")
    if svc is None:
        settings = node.settings
        svc = node.__dict__.setdefault("beacon_service", BeaconService(BeaconInfo.from_settings(settings.beacon),
                                                                       settings.disclosure, budget_for(node), node.home))
    if svc.info.base_url:
        return svc
    at = node.__dict__.setdefault("beacon_service_at", {})
    copy = at.get(base_url)
    if copy is None:
        copy = dataclasses.replace(svc, info=svc.info.at(base_url.rstrip("/") + "/beacon"))
        if len(at) < 64:  # the Host header is the client's to choose: keep a few, not one per spoofed name
            at[base_url] = copy
    return copy


def _who(request: Request) -> Requester:
    node = node_of(request)
    account = current_account(request) if request.method == "GET" else None
    client = request.client.host if request.client else "unknown"
    return auth.requester(node.gov, request.headers.get("authorization"), account.email if account else None, client, node.now())


@contextmanager
def _snapshot(node: Any) -> Iterator[Any]:
    """The latest data freeze (released data), else the current store; the freeze is looked
    up under the store lock too (one DuckDB connection, many request threads)."""
    with node.snapshot() as current:
        freezes = current.store.freezes()
        with node.snapshot(freezes[-1].freeze_id if freezes else None) as snap:
            yield snap


async def _query(request: Request) -> BeaconQuery:
    if request.method == "POST":
        raw = await request.body()
        try:
            return from_body(json.loads(raw) if raw.strip() else {})
        except json.JSONDecodeError as exc:
            raise BeaconRequestError(f"the request body is not JSON ({exc})") from None
    return from_get(request.query_params)


def served_now(node: Any) -> Any:
    """The served snapshot's dataset ids and position index if they were looked up on the
    store copy that is published now (a read of the small pointer file), else None. An
    index not built at the lookup is looked for again in the registry on every request
    (one stat of its folder), so one a job builds later answers the next query, without
    waiting for the next publish."""
    fresh = node.__dict__.get("beacon_served_on") == published_pointer(node.home)
    served = node.__dict__.get("beacon_served") if fresh else None
    if served is not None and served[1] is None:
        path = node.__dict__.get("beacon_index_at")
        if path is not None and path.is_dir():   # complete: the registry renames a finished build into place
            served = node.__dict__["beacon_served"] = (served[0], PositionIndex(path))
    return served


def _served(node: Any, svc: BeaconService) -> tuple[list[str], Any]:
    """The served snapshot's dataset ids and position index, looked up once per published
    store copy (under the store lock): a copy never changes, so later position queries need
    neither the store nor its lock until an ingest, freeze or withdrawal publishes the next."""
    served = served_now(node)
    if served is None:
        with _snapshot(node) as snap:
            node.__dict__["beacon_index_at"] = svc.index_location(snap)   # before the tuple that makes it used
            served = node.__dict__["beacon_served"] = svc.served(snap)
            node.__dict__["beacon_served_on"] = snap.store.published.pointer if snap.store.published else None
    return served


async def _answer(request: Request, work, positions: bool = False) -> JSONResponse:
    """Answer one entry or collection query; `positions`: a plain /g_variants query, which
    a position index answers without the store (service.position_counts)."""
    svc = _service(request)
    q = BeaconQuery()
    try:
        q = await _query(request)
        node = node_of(request)
        # testMode skips authentication (spec) but not the budget: anonymous, keyed by address
        who = Requester(f"ip:{request.client.host if request.client else 'unknown'}", "PUBLIC") if q.test_mode else _who(request)
        if positions and fast.applies(q, Scope()):
            served = served_now(node) or await run_in_threadpool(_served, node, svc)
            if served[1] is not None:
                # in a thread: its budget is a governance-database transaction (and a range may read many index rows)
                doc = await run_in_threadpool(svc.position_counts, served, q, who)
                if doc is not None:
                    return JSONResponse(doc)

        def run() -> dict[str, Any]:
            with _snapshot(node) as snap:
                return work(svc, snap, q, who)

        return JSONResponse(await run_in_threadpool(run))  # queries block: keep them off the event loop
    except BeaconRequestError as exc:
        return JSONResponse(error(svc.info, q, 400, str(exc)), status_code=400)
    except auth.BeaconAuthError as exc:
        return JSONResponse(error(svc.info, q, 401, str(exc)), status_code=401)
    except BudgetExceeded as exc:
        return JSONResponse(error(svc.info, q, 429, str(exc)), status_code=429, headers={"Retry-After": str(exc.retry_after)})


def _not_found(request: Request, what: str) -> JSONResponse:
    return JSONResponse(error(_service(request).info, BeaconQuery(), 404,
                              f"{what} is not a Beacon endpoint of this node; GET /beacon/map lists them"), status_code=404)


# -- informational endpoints ---------------------------------------------------------
@router.get("")
@router.get("/")
@router.get("/info")
def beacon_info(request: Request) -> dict[str, Any]:
    return docs.info(_service(request).info)


@router.get("/service-info")
def service_info(request: Request) -> dict[str, Any]:
    return docs.service_info(_service(request).info)


@router.get("/configuration")
def configuration(request: Request) -> dict[str, Any]:
    return docs.configuration(_service(request).info)


@router.get("/map")
def beacon_map(request: Request) -> dict[str, Any]:
    return docs.beacon_map(_service(request).info)


@router.get("/entry_types")
def entry_types(request: Request) -> dict[str, Any]:
    return docs.entry_types_response(_service(request).info)


@router.get("/filtering_terms")
@router.get("/individuals/filtering_terms")
@router.get("/{collection}/{id}/filtering_terms")
def filtering_terms(request: Request, collection: str = "datasets", id: str | None = None) -> Any:
    if collection not in COLLECTIONS:
        return _not_found(request, f"/{collection}/{{id}}/filtering_terms")
    node = node_of(request)
    with _snapshot(node) as snap:
        s = snap.table("sample")
        if id is not None:
            s = s.filter(s.patient_id.isin(snap.table("patient").filter(lambda p: p.dataset_id == id).patient_id))
        rows = s.select("primary_tumor_doids", "haematological_diagnosis_code", "haematological_diagnosis").distinct().to_pyarrow().to_pylist()
    codes = {c.strip() for r in rows if r["primary_tumor_doids"] for c in r["primary_tumor_doids"].split(",") if c.strip().isdigit()}
    icdo = {r["haematological_diagnosis_code"]: r["haematological_diagnosis"] or "" for r in rows if r["haematological_diagnosis_code"]}
    return docs.filtering_terms(_service(request).info, sorted(codes), icdo)


# -- entry-type endpoints ------------------------------------------------------------
@router.api_route("/{entry}", methods=["GET", "POST"])
async def entry_root(request: Request, entry: str) -> JSONResponse:
    if entry in COLLECTIONS:
        return await _answer(request, lambda svc, snap, q, who: svc.collections(snap, entry, q, who))
    if entry not in ENTRIES:
        return _not_found(request, f"/{entry}")
    return await _answer(request, lambda svc, snap, q, who: svc.entries(snap, entry, q, who), positions=entry == "g_variants")


@router.api_route("/{entry}/{id}", methods=["GET", "POST"])
@router.api_route("/{entry}/{id}/{sub}", methods=["GET", "POST"])
async def entry_by_id(request: Request, entry: str, id: str, sub: str | None = None) -> JSONResponse:
    if entry in COLLECTIONS and sub is None:
        return await _answer(request, lambda svc, snap, q, who: svc.collections(snap, entry, q, who, dataset_id=id))
    target = SUBPATHS.get((entry, sub))
    if target is None or target[0] not in BY_PATH:
        return _not_found(request, f"/{entry}/{{id}}" + (f"/{sub}" if sub else ""))
    answered, field = target
    key = id.removesuffix(ID_SUFFIX[entry]) if entry in ID_SUFFIX else id
    scope = Scope(**{field: key})
    return await _answer(request, lambda svc, snap, q, who: svc.entries(snap, answered, q, who, scope))
