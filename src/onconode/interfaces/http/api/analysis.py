"""REST API of the researcher analyses: cohort count and summary, alteration frequency,
OncoPrint, group comparison, biomarker vs response, survival, saved cohorts.

Thin by design: parse the request, pick the freeze, call `onconode.analysis.service`
(whose every result has passed the disclosure gate) for the calling user, and render
JSON or — with `?format=tsv` — one of the result's tables (`analysis.result_tables`).
Anonymous callers may use every analysis; figures are controlled (perturbed by the
cell-key method) all the same (`web.researcher.gate_user`: one id per browser for the API
and the portal).
"""

from __future__ import annotations

from typing import Annotated, Any, Callable, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import PlainTextResponse

from onconode.access.identity import Account
from onconode.analysis import cohort as cohorts
from onconode.analysis import result_tables, saved, service
from onconode.analysis.catalogue import newest_freeze
from onconode.analysis.compare import GroupError
from onconode.interfaces.http.api.analysis_schemas import (
    AnalysisResult, CohortRef, CohortRequest, CompareRequest, CountResult, FrequencyRequest, GroupsRequest,
    OncoPrintRequest, ResponseRequest, SaveCohortRequest, SavedCohortOut, SurvivalRequest,
)
from onconode.interfaces.http.api.freeze import freeze_snapshot
from onconode.interfaces.http.researcher import gate_user
from onconode.store.store import StoreError
from onconode.interfaces.http.downloads import content_disposition
from onconode.interfaces.http.session import csrf_protect, csrf_token, node_of, require_account

router = APIRouter(prefix="/api", tags=["analysis"])
PROTECTED = [Depends(csrf_protect)]
TSV = {200: {"content": {"text/tab-separated-values": {}}, "description": "JSON, or one table as TSV with ?format=tsv"}}
Format = Annotated[Literal["json", "tsv"], Query(description="json (default) or tsv: one table of the result")]
TableName = Annotated[str | None, Query(description="With format=tsv: which table (default the main one; an unknown name lists them)")]


def _definition(node: Any, ref: CohortRef, where: str) -> tuple[dict[str, Any], str | None]:
    """The definition a reference stands for, and the freeze a saved cohort was saved on.
    Invalid definitions are refused with `where` in front of each place in the tree."""
    if ref.cohort_id is not None:
        kept = saved.load(node.store, ref.cohort_id)
        return kept.definition, kept.freeze
    try:
        cohorts.parse(ref.cohort)
    except cohorts.CohortError as exc:
        problems = str(exc).splitlines()[1:]
        named = [f"  {where}" + ("" if p.strip().startswith("(root)") else ".") + p.strip().removeprefix("(root)") for p in problems]
        raise cohorts.CohortError(f"{where} is not a valid cohort definition:\n" + "\n".join(named)) from None
    return dict(ref.cohort or {}), None


def _groups(node: Any, body: GroupsRequest) -> tuple[dict[str, dict[str, Any]], list[str | None]]:
    out, freezes = {}, []
    for name, ref in body.groups.items():
        out[name], f = _definition(node, ref, f"groups.{name}")
        freezes.append(f)
    return out, freezes


def _run(request: Request, freeze: str | None, saved_freezes: list[str | None],
         compute: Callable[[Any, str, Any], dict[str, Any]], fmt: str, table: str | None) -> Any:
    """Evaluate on the chosen freeze for the calling user; render JSON or TSV."""
    node = node_of(request)
    user = gate_user(request)
    with freeze_snapshot(node, freeze, saved_freezes) as snap:
        try:
            result = compute(node.gate, user, snap)
        except (cohorts.CohortError, GroupError):
            raise
        except ValueError as exc:  # a parameter the analysis cannot use (unknown covariate, no genes, ...)
            raise HTTPException(422, str(exc)) from None
        result.update(freeze=snap.freeze, version=snap.version)
    if fmt == "tsv":
        try:
            t = result_tables.table(result, table)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        return PlainTextResponse(t.tsv(), media_type="text/tab-separated-values; charset=utf-8",
                                 headers={"Content-Disposition": content_disposition(f"{result['analysis']}-{t.name}.tsv")})
    return result


@router.get("/analysis/caller", summary="Who analyses run for, and a CSRF token for the POSTs")
def caller(request: Request) -> dict[str, str]:
    """Anonymous clients call this first: it starts a session (its id is the disclosure
    gate's user) and returns the token to send as `X-CSRF-Token`."""
    return {"user": gate_user(request), "csrf": csrf_token(request)}


@router.post("/analysis/count", response_model=CountResult, responses=TSV, dependencies=PROTECTED, summary="Patients and samples in a cohort")
def count(request: Request, body: CohortRequest, format: Format = "json", table: TableName = None) -> Any:
    node = node_of(request)
    d, f = _definition(node, body, "cohort")
    return _run(request, body.freeze, [f], lambda gate, user, snap: service.count(gate, user, snap, d), format, table)


@router.post("/analysis/summary", response_model=AnalysisResult, responses=TSV, dependencies=PROTECTED,
             summary="Cohort summary: tumour types, sex, age, biopsy sites; TMB, purity, ploidy")
def summary(request: Request, body: CohortRequest, format: Format = "json", table: TableName = None) -> Any:
    d, f = _definition(node_of(request), body, "cohort")
    return _run(request, body.freeze, [f], lambda gate, user, snap: service.summary(gate, user, snap, d), format, table)


@router.post("/analysis/frequency", response_model=AnalysisResult, responses=TSV, dependencies=PROTECTED,
             summary="Alteration frequency per gene and kind (altered / profiled samples)")
def frequency(request: Request, body: FrequencyRequest, format: Format = "json", table: TableName = None) -> Any:
    d, f = _definition(node_of(request), body, "cohort")
    return _run(request, body.freeze, [f], lambda gate, user, snap: service.frequency(
        gate, user, snap, d, body.genes, list(body.kinds) if body.kinds else None, body.min_driver_likelihood,
        body.all_mutations, body.include_failed_qc), format, table)


@router.post("/analysis/oncoprint", response_model=AnalysisResult, responses=TSV, dependencies=PROTECTED,
             summary="OncoPrint of a gene list (alteration patterns without a licence)")
def oncoprint(request: Request, body: OncoPrintRequest, format: Format = "json", table: TableName = None) -> Any:
    d, f = _definition(node_of(request), body, "cohort")
    return _run(request, body.freeze, [f], lambda gate, user, snap: service.oncoprint(
        gate, user, snap, d, body.genes, body.all_mutations, body.include_failed_qc), format, table)


@router.post("/analysis/compare", response_model=AnalysisResult, responses=TSV, dependencies=PROTECTED,
             summary="Compare groups: enriched alterations (Fisher / chi-squared, BH q), clinical attributes")
def compare(request: Request, body: CompareRequest, format: Format = "json", table: TableName = None) -> Any:
    groups, freezes = _groups(node_of(request), body)
    return _run(request, body.freeze, freezes, lambda gate, user, snap: service.compare(
        gate, user, snap, groups, body.genes, list(body.kinds) if body.kinds else None, body.disjoint,
        body.all_mutations, body.include_failed_qc), format, table)


@router.post("/analysis/response", response_model=AnalysisResult, responses=TSV, dependencies=PROTECTED,
             summary="Biomarker vs treatment response: ORR, Fisher, odds ratio, logistic regression")
def response(request: Request, body: ResponseRequest, format: Format = "json", table: TableName = None) -> Any:
    node = node_of(request)
    d, f = _definition(node, body, "cohort")
    b, fb = _definition(node, body.biomarker, "biomarker")
    treatment = body.treatment.model_dump(exclude_none=True)
    covariates = list(body.covariates) if body.covariates is not None else None
    return _run(request, body.freeze, [f, fb], lambda gate, user, snap: service.biomarker_response(
        gate, user, snap, d, treatment, b, covariates), format, table)


@router.post("/analysis/survival", response_model=AnalysisResult, responses=TSV, dependencies=PROTECTED,
             summary="Survival: Kaplan-Meier per group, log-rank, Cox model")
def survival(request: Request, body: SurvivalRequest, format: Format = "json", table: TableName = None) -> Any:
    groups, freezes = _groups(node_of(request), body)
    treatment = body.treatment.model_dump(exclude_none=True) if body.treatment else None
    covs = list(body.cox_covariates) if body.cox_covariates is not None else None
    return _run(request, body.freeze, freezes, lambda gate, user, snap: service.survival(
        gate, user, snap, groups, body.endpoint, treatment, body.left_truncation, covs, body.disjoint), format, table)


# -- saved cohorts ---------------------------------------------------------------------
@router.post("/cohorts", response_model=SavedCohortOut, status_code=201, dependencies=PROTECTED, tags=["cohorts"],
             summary="Save a cohort under a name; returns its id to share")
def save_cohort(request: Request, body: SaveCohortRequest, account: Annotated[Account, Depends(require_account)]) -> Any:
    node = node_of(request)
    definition, _ = _definition(node, CohortRef(cohort=body.cohort), "cohort")
    with node.snapshot(None) as current:
        freeze = body.freeze or newest_freeze(current.store)
        try:
            kept = saved.save(node.store, body.name, definition, created_by=account.email, freeze=freeze)
        except StoreError as exc:
            raise HTTPException(404, str(exc)) from None
    return kept.to_json()


@router.get("/cohorts", response_model=list[SavedCohortOut], tags=["cohorts"], summary="Your saved cohorts")
def list_cohorts(request: Request, account: Annotated[Account, Depends(require_account)]) -> Any:
    return [c.to_json() for c in saved.list_cohorts(node_of(request).store, created_by=account.email)]


@router.get("/cohorts/{cohort_id}", response_model=SavedCohortOut, tags=["cohorts"], summary="A saved cohort by its id")
def get_cohort(request: Request, cohort_id: str) -> Any:
    return saved.load(node_of(request).store, cohort_id).to_json()
