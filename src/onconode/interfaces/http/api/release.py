"""REST API of licensed releases: list and download (download contacts, MFA session,
short-lived links bound to the account, HTTP Range), build and download report (office).
Thin: parse, authorize through the session, call `onconode.release.service`, render."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response, StreamingResponse

from onconode.access.identity import Account
from onconode.access.workflow import load
from onconode.release import ReleaseError
from onconode.release import delivery, service
from onconode.release.jobs import enqueue_build
from onconode.release.manifest import MANIFEST
from onconode.interfaces.http.api.access_render import open_application
from onconode.interfaces.http.downloads import content_disposition
from onconode.interfaces.http.session import csrf_protect, node_of, require_mfa

router = APIRouter(tags=["releases"])
Caller = Annotated[Account, Depends(require_mfa)]


def _not_found(exc: ReleaseError) -> HTTPException:
    return HTTPException(404, str(exc))


@router.get("/api/releases")
def list_releases(request: Request, user: Caller) -> list[dict[str, Any]]:
    """Releases you may download now."""
    return service.my_releases(node_of(request), user)


@router.get("/api/releases/{app_id}")
def release(request: Request, app_id: str, user: Caller) -> dict[str, Any]:
    """Files of a release with sizes, SHA-256 and download links valid for a few minutes."""
    open_application(request, app_id, user)  # 404 for an application the caller may not see, as GET /api/applications/{id}
    try:
        return service.release_files(node_of(request), user, app_id)
    except ReleaseError as exc:
        raise _not_found(exc) from None


@router.get("/api/releases/{app_id}/files/{path:path}")
def download(request: Request, app_id: str, path: str, user: Caller, link: str = Query(..., description="The signed link token.")) -> Response:
    """Download one file (or a byte range of it: `Range: bytes=N-`); every download is audited."""
    node = node_of(request)
    linked_app, linked_path = delivery.open_link(node.secret_key, link, user.id, node.now())
    if (linked_app, linked_path) != (app_id, path):
        raise HTTPException(403, "this link is for another file; use the link the release page gives for this file")
    storage = service.storage_of(node)
    try:
        size = storage.entry(app_id, path)["bytes"]
    except ReleaseError as exc:
        raise _not_found(exc) from None
    try:
        rng = delivery.byte_range(request.headers.get("range"), size)
    except ValueError as exc:
        return Response(str(exc), status_code=416, headers={"Content-Range": f"bytes */{size}"})
    first, last = rng if rng else (0, size - 1)
    delivery.authorize_download(node.gov, storage, user.id, app_id, path, first, last, node.now())
    name = path.rsplit("/", 1)[-1]
    headers = {"Accept-Ranges": "bytes", "Content-Length": str(last - first + 1),
               "Content-Disposition": content_disposition(name), "Cache-Control": "no-store"}
    if rng:
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    media = "application/json" if path == MANIFEST else "application/octet-stream"
    return StreamingResponse(delivery.read_chunks(storage, app_id, path, first, last), status_code=206 if rng else 200,
                             headers=headers, media_type=media)


@router.post("/api/releases/{app_id}/build", dependencies=[Depends(csrf_protect)], status_code=202)
def build_release(request: Request, app_id: str, user: Caller) -> dict[str, Any]:
    """Queue the build (or rebuild) of an application's release (office, data manager).
    A job worker builds it; follow it at `/api/jobs/{job}`: the release appears when it is done."""
    service.require_builder(user)
    node = node_of(request)
    with node.gov.engine.connect() as conn:
        load(conn, app_id)  # an unknown application is refused now (400), not by a failed job later
    job = enqueue_build(node.gov.engine, app_id, node.now(), built_by=user.email)
    return {"application": app_id, "job": job, "status": f"/api/jobs/{job}"}


@router.get("/api/releases/{app_id}/downloads")
def download_report(request: Request, app_id: str, user: Caller) -> list[dict[str, Any]]:
    """Who downloaded what, when; refused attempts too (office)."""
    service.require_office(user)
    open_application(request, app_id, user)
    return delivery.downloads(node_of(request).gov, app_id)
