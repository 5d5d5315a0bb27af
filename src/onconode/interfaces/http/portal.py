"""The researcher portal: build a cohort, save and share it, and analyse it.

Pages only: each route reads its form or query string, calls `onconode.analysis.service`
(which evaluates the cohort and passes the result through the disclosure gate), and
renders. A refusal of the gate (too few patients) or an invalid request is
shown on the page where the user can change it, not as an error page. Analysis pages are
GET forms, so every view of a cohort has a URL that can be bookmarked and shared.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import QueryParams

from onconode.analysis import saved, service
from onconode.analysis.summary import TITLES
from onconode.analysis.disclosure import DisclosureRefused
from onconode.interfaces.http import cohort_form, portal_charts as charts
from onconode.interfaces.http.researcher import gate_user
from onconode.interfaces.http.session import csrf_protect, node_of
from onconode.interfaces.http.templating import render

router = APIRouter(include_in_schema=False)

ANALYSES = (("summary", "Summary"), ("frequency", "Alteration frequency"), ("oncoprint", "OncoPrint"),
            ("compare", "Group comparison"), ("response", "Treatment response"), ("survival", "Survival"),
            ("swimmer", "Treatment lines"))
BIOMARKERS = (("gene", "a gene alteration"), ("msi", "MSI"), ("tmb_high", "TMB high"), ("hrd", "HR deficient"))
ENDPOINTS = (("os", "Overall survival"), ("time_on_treatment", "Time on treatment"), ("time_to_progression", "Time to progression"))


def _freezes(node: Any) -> list[Any]:
    with node.snapshot(None):   # the store lock: the warm-up and other requests share the connection
        return node.store.freezes()


@contextmanager
def _snapshot(node: Any, cohort: saved.SavedCohort | None = None, freeze: str | None = None) -> Iterator[Any]:
    """The store as the cohort was saved on (its freeze or pinned version), under the node's lock."""
    with node.snapshot(cohort.freeze if cohort else freeze) as snap:
        yield saved.snapshot_of(node.store, cohort) if cohort is not None and cohort.freeze is None else snap


def _attempt(run: Callable[[], dict[str, Any]]) -> tuple[dict[str, Any] | None, str | None]:
    """The result, or why it is not shown (a gate refusal or a request that cannot run)."""
    try:
        return run(), None
    except (DisclosureRefused, ValueError) as exc:
        return None, str(exc)


# -- cohort builder ------------------------------------------------------------------

@router.get("/cohorts", response_class=HTMLResponse)
def builder(request: Request, copy: str | None = None) -> Response:
    node = node_of(request)
    user = gate_user(request)
    start = saved.load(node.store, copy) if copy else None
    with _snapshot(node) as snap:
        choices = cohort_form.choices(snap)
    return render(request, "portal/cohorts.html", choices=choices, freezes=_freezes(node), copy=start,
                  mine=saved.list_cohorts(node.store, created_by=user), form=cohort_form)


@router.post("/cohorts/count", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
async def live_count(request: Request) -> Response:
    """The builder's live count (htmx): the cohort the form describes, through the gate."""
    form = await request.form()
    node = node_of(request)
    definition: dict[str, Any] | None = None

    def run() -> dict[str, Any]:
        nonlocal definition
        definition = cohort_form.definition_from_form(form)
        with _snapshot(node, freeze=str(form.get("freeze") or "") or None) as snap:
            return service.count(node.gate, gate_user(request), snap, definition)

    result, refused = _attempt(run)
    return render(request, "portal/_count.html", result=result, refused=refused, definition=definition)


@router.post("/cohorts", dependencies=[Depends(csrf_protect)])
async def save_cohort(request: Request) -> Response:
    form = await request.form()
    node = node_of(request)
    try:
        definition = cohort_form.definition_from_form(form)
        with node.snapshot(None):   # saving reads the store's version (under the lock, as every store use)
            kept = saved.save(node.store, str(form.get("name") or ""), definition, created_by=gate_user(request),
                              freeze=str(form.get("freeze") or "") or None)
    except ValueError as exc:
        with _snapshot(node) as snap:
            choices = cohort_form.choices(snap)
        return render(request, "portal/cohorts.html", status_code=422, error=str(exc), choices=choices,
                      freezes=_freezes(node), copy=None, mine=saved.list_cohorts(node.store, created_by=gate_user(request)),
                      form=cohort_form)
    return RedirectResponse(f"/cohorts/{kept.cohort_id}", status_code=303)


# -- one cohort and its analyses -----------------------------------------------------

def _page(request: Request, cohort_id: str, analysis: str, run: Callable[[Any, saved.SavedCohort, str, QueryParams], dict[str, Any]] | None,
          **context: Any) -> Response:
    node = node_of(request)
    cohort = saved.load(node.store, cohort_id)
    user = gate_user(request)
    params = request.query_params
    result = refused = None
    with _snapshot(node, cohort) as snap:
        count, count_refused = _attempt(lambda: service.count(node.gate, user, snap, cohort.definition))
        if run is not None and (params or analysis == "summary"):
            result, refused = _attempt(lambda: run(snap, cohort, user, params))
        choices = cohort_form.choices(snap) if analysis in ("response", "survival", "swimmer") else {}
    return render(request, f"portal/{analysis}.html", cohort=cohort, analysis=analysis, analyses=ANALYSES, count=count,
                  count_refused=count_refused, result=result, refused=refused, params=params, choices=choices,
                  biomarkers=BIOMARKERS, endpoints=ENDPOINTS, charts=charts,
                  mine=saved.list_cohorts(node.store, created_by=user), **context)


def _genes(params: QueryParams, default: str = "") -> list[str] | None:
    genes = [g.strip().upper() for g in (params.get("genes") or default).replace(",", " ").split() if g.strip()]
    return genes or None


def _treatment(params: QueryParams) -> dict[str, Any] | None:
    t = {k: params.get(k) or None for k in ("drug", "drug_type", "mechanism")}
    return {k: v for k, v in t.items() if v} or None


def _biomarker(params: QueryParams) -> tuple[str, dict[str, Any]]:
    """(label, filter) of the biomarker chosen on a response / comparison / survival form."""
    kind = params.get("biomarker") or "gene"
    if kind == "msi":
        return "MSI", {"op": "msi", "status": ["MSI"]}
    if kind == "tmb_high":
        return "TMB high", {"op": "tmb", "status": "HIGH"}
    if kind == "hrd":
        return "HR deficient", {"op": "hrd", "status": ["HR_DEFICIENT"]}
    gene = (params.get("gene") or "").strip().upper()
    if not gene:
        raise ValueError("choose a gene for the biomarker (e.g. KRAS), or another biomarker")
    alteration = params.get("alteration") or "mutation"
    leaf: dict[str, Any] = {"op": "gene_altered", "gene": gene, "alteration": alteration}
    if params.get("hotspot") and alteration == "mutation":
        leaf["hotspot"] = True
    return f"{gene} {'hotspot ' if 'hotspot' in leaf else ''}{alteration}", leaf


def _groups(request: Request, cohort: saved.SavedCohort, params: QueryParams) -> dict[str, dict[str, Any]]:
    """Groups to compare: this cohort split by a biomarker (biomarker-positive, then the
    rest), or this cohort against saved cohorts (made disjoint in that order)."""
    others = [i.strip() for v in params.getlist("with") for i in v.replace(",", " ").split() if i.strip()]
    if others:
        store = node_of(request).store
        groups = {cohort.name: cohort.definition}
        for i in others:
            other = saved.load(store, i)
            groups[other.name if other.name not in groups else f"{other.name} ({i})"] = other.definition
        if params.get("rest"):
            groups["everyone else"] = {"op": "all"}
        return groups
    label, leaf = _biomarker(params)
    return {label: {"op": "and", "args": [cohort.definition, leaf]}, "rest of the cohort": cohort.definition}


@router.get("/cohorts/{cohort_id}", response_class=HTMLResponse)
def cohort_page(request: Request, cohort_id: str) -> Response:
    return _page(request, cohort_id, "cohort", None)


@router.get("/cohorts/{cohort_id}/summary", response_class=HTMLResponse)
def summary_page(request: Request, cohort_id: str) -> Response:
    node = node_of(request)
    return _page(request, cohort_id, "summary", lambda snap, c, user, p: service.summary(node.gate, user, snap, c.definition),
                 titles=TITLES)


def _scope(p: QueryParams) -> dict[str, bool]:
    """The page's "include the rest" checkboxes (alterations.Scope): off by default."""
    return {"all_mutations": p.get("all_mutations") == "1", "include_failed_qc": p.get("include_failed_qc") == "1"}


@router.get("/cohorts/{cohort_id}/frequency", response_class=HTMLResponse)
def frequency_page(request: Request, cohort_id: str) -> Response:
    node = node_of(request)
    kinds = ("MUTATION", "AMP", "DEL", "FUSION", "DRIVER", "ANY")

    def run(snap: Any, c: saved.SavedCohort, user: str, p: QueryParams) -> dict[str, Any]:
        kind = p.get("kind") or "MUTATION"
        return service.frequency(node.gate, user, snap, c.definition, genes=_genes(p), kinds=[kind], **_scope(p))
    return _page(request, cohort_id, "frequency", run, kinds=kinds)


@router.get("/cohorts/{cohort_id}/oncoprint", response_class=HTMLResponse)
def oncoprint_page(request: Request, cohort_id: str) -> Response:
    node = node_of(request)

    def run(snap: Any, c: saved.SavedCohort, user: str, p: QueryParams) -> dict[str, Any]:
        genes = _genes(p)
        if not genes:
            raise ValueError("list the genes to show, e.g. APC KRAS TP53")
        return service.oncoprint(node.gate, user, snap, c.definition, genes, **_scope(p))
    return _page(request, cohort_id, "oncoprint", run)


@router.get("/cohorts/{cohort_id}/compare", response_class=HTMLResponse)
def compare_page(request: Request, cohort_id: str) -> Response:
    node = node_of(request)

    def run(snap: Any, c: saved.SavedCohort, user: str, p: QueryParams) -> dict[str, Any]:
        return service.compare(node.gate, user, snap, _groups(request, c, p), genes=_genes(p), kinds=[p.get("kind") or "ANY"],
                               **_scope(p))
    return _page(request, cohort_id, "compare", run, kinds=("ANY", "MUTATION", "AMP", "DEL", "FUSION", "DRIVER"))


@router.get("/cohorts/{cohort_id}/response", response_class=HTMLResponse)
def response_page(request: Request, cohort_id: str) -> Response:
    node = node_of(request)

    def run(snap: Any, c: saved.SavedCohort, user: str, p: QueryParams) -> dict[str, Any]:
        treatment = _treatment(p)
        if treatment is None:
            raise ValueError("choose the treatment (a drug, drug type or mechanism) whose response to analyse")
        label, leaf = _biomarker(p)
        out = service.biomarker_response(node.gate, user, snap, c.definition, treatment, leaf,
                                         covariates=p.getlist("covariate"))
        out["biomarker_label"] = label
        return out
    return _page(request, cohort_id, "response", run)


@router.get("/cohorts/{cohort_id}/survival", response_class=HTMLResponse)
def survival_page(request: Request, cohort_id: str) -> Response:
    node = node_of(request)

    def run(snap: Any, c: saved.SavedCohort, user: str, p: QueryParams) -> dict[str, Any]:
        groups = _groups(request, c, p) if (p.get("split") or p.getlist("with")) else {c.name: c.definition}
        return service.survival(node.gate, user, snap, groups, endpoint=p.get("endpoint") or "os", treatment=_treatment(p),
                                left_truncation=p.get("left_truncation", "on") != "off", cox_covariates=p.getlist("cox"))
    return _page(request, cohort_id, "survival", run)


@router.get("/cohorts/{cohort_id}/swimmer", response_class=HTMLResponse)
def swimmer_page(request: Request, cohort_id: str) -> Response:
    node = node_of(request)

    def run(snap: Any, c: saved.SavedCohort, user: str, p: QueryParams) -> dict[str, Any]:
        return service.swimmer(node.gate, user, snap, c.definition, _treatment(p))
    return _page(request, cohort_id, "swimmer", run)
