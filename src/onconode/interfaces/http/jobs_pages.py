"""The jobs page (`/jobs`) of the data access office and data managers: every release
build, snapshot, index, export, mail and scheduled check with its state and progress,
refreshed while the page is open, with Cancel and Retry. Thin: the session says who,
`onconode.db.jobs` lists and changes."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from onconode.access.roles import JOB_WATCHERS
from onconode.access.workflow import Denied
from onconode.db import jobs
from onconode.interfaces.http.api.jobs import shown
from onconode.interfaces.http.session import (
    csrf_protect,
    current_account,
    mfa_verified,
    node_of,
)
from onconode.interfaces.http.templating import render

router = APIRouter(include_in_schema=False)
REFRESH_SECONDS = 2


def _gate(request: Request) -> Response | None:
    """Log in first (with MFA); then only the office or a data manager."""
    user = current_account(request)
    if user is None or not mfa_verified(request):
        return RedirectResponse(f"/login?next={quote(request.url.path)}", 303)
    if not user.roles & JOB_WATCHERS:
        raise Denied("the jobs page is for the data access office and data managers")
    return None


@router.get("/jobs")
def jobs_page(request: Request, partial: bool = False) -> Response:
    if (redirect := _gate(request)) is not None:
        return redirect
    rows = [shown(j) for j in jobs.list_jobs(node_of(request).gov.engine, limit=200)]
    template = "jobs/table.html" if partial else "jobs/list.html"
    return render(request, template, jobs=rows, refresh=REFRESH_SECONDS)


@router.post("/jobs/{job_id}/{action}", dependencies=[Depends(csrf_protect)])
def job_action(request: Request, job_id: int, action: str, csrf: str = Form("")) -> Response:
    if (redirect := _gate(request)) is not None:
        return redirect
    change = {"cancel": jobs.cancel, "retry": jobs.retry}.get(action)
    if change is None:
        return render(request, "error.html", status_code=404, error=f"no action {action}; a job can be cancelled or retried")
    try:
        change(node_of(request).gov.engine, job_id)
    except jobs.JobError as exc:
        return render(request, "error.html", status_code=409, error=str(exc))
    return RedirectResponse("/jobs", 303)
