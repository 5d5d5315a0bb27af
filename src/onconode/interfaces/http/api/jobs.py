"""REST API of the job queue (`/api/jobs`): what is queued, running, done or failed, with
progress; cancel and retry. For the data access office and data managers only (MFA
session). Thin: authorize, call `onconode.db.jobs`, render."""

from __future__ import annotations

from typing import Annotated, Any, Optional

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from onconode.access.identity import Account
from onconode.access.roles import JOB_WATCHERS
from onconode.db import job_kinds, jobs
from onconode.interfaces.http.api.access_render import staff
from onconode.interfaces.http.session import csrf_protect, node_of

router = APIRouter(tags=["jobs"])


Watcher = Annotated[Account, Depends(staff(*sorted(JOB_WATCHERS)))]  # the office or a data manager, with MFA


def shown(job: jobs.Job) -> dict[str, Any]:
    """A job as the API and the page show it (private parameters hidden)."""
    return {**job.as_dict(), "params": job_kinds.shown_params(job.kind, job.params)}


def _or_404(call, *args: Any) -> jobs.Job:
    try:
        return call(*args)
    except jobs.JobError as exc:
        raise HTTPException(404 if "no job" in str(exc) else 409, str(exc)) from None


@router.get("/api/jobs")
def list_jobs(request: Request, user: Watcher, state: Optional[list[str]] = Query(None, max_length=len(jobs.STATES),
                                                                  description="queued, running, done, failed, cancelled"),
              kind: Optional[str] = None, limit: int = Query(100, ge=1, le=1000)) -> list[dict[str, Any]]:
    """The newest jobs first, with state, progress (0..1), message, attempts and error."""
    unknown = sorted(set(state or []) - set(jobs.STATES))
    if unknown:
        raise HTTPException(422, f"unknown state {', '.join(unknown)}; use one of {', '.join(jobs.STATES)}")
    return [shown(j) for j in jobs.list_jobs(node_of(request).gov.engine, state, kind, limit)]


@router.get("/api/jobs/{job_id}")
def get_job(request: Request, job_id: int, user: Watcher) -> dict[str, Any]:
    return shown(_or_404(jobs.get, node_of(request).gov.engine, job_id))


@router.post("/api/jobs/{job_id}/cancel", dependencies=[Depends(csrf_protect)])
def cancel_job(request: Request, job_id: int, user: Watcher) -> dict[str, Any]:
    """Cancel a queued job; a running one stops at its next progress report and publishes nothing."""
    return shown(_or_404(jobs.cancel, node_of(request).gov.engine, job_id))


@router.post("/api/jobs/{job_id}/retry", dependencies=[Depends(csrf_protect)])
def retry_job(request: Request, job_id: int, user: Watcher) -> dict[str, Any]:
    """Queue a failed or cancelled job again."""
    return shown(_or_404(jobs.retry, node_of(request).gov.engine, job_id))
