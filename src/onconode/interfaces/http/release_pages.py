"""Download pages of licensed releases: the releases you may download, and one release's
files with sizes, SHA-256 checksums, short-lived download links and how to verify.
Thin: the session says who, `onconode.release.service` decides and lists."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from onconode.access.db import GovernanceError
from onconode.access.identity import Account, get_account
from onconode.access.visibility import may_view
from onconode.access.workflow import Denied, load
from onconode.release import ReleaseError, service
from onconode.interfaces.http.session import current_account, mfa_verified, node_of
from onconode.interfaces.http.templating import render

router = APIRouter(include_in_schema=False)


def _login_first(request: Request) -> Response | None:
    if current_account(request) is None or not mfa_verified(request):
        return RedirectResponse(f"/login?next={quote(request.url.path)}", 303)
    return None


def visible(request: Request, user: Account, app_id: str) -> bool:
    """Whether the caller may see the application at all (named on it or handling it)."""
    with node_of(request).gov.engine.connect() as conn:
        try:
            app = load(conn, app_id)
        except GovernanceError:
            return False
        return may_view(app, get_account(conn, user.id))


@router.get("/releases")
def releases_page(request: Request) -> Response:
    if (redirect := _login_first(request)) is not None:
        return redirect
    user = current_account(request)
    return render(request, "release/list.html", releases=service.my_releases(node_of(request), user))


@router.get("/releases/{app_id}")
def release_page(request: Request, app_id: str) -> Response:
    if (redirect := _login_first(request)) is not None:
        return redirect
    user = current_account(request)
    if not visible(request, user, app_id):  # as for applications: nothing about what the caller may not see
        return render(request, "release/denied.html", status_code=404, app_id=app_id,
                      reason=f"no release {app_id} that you may download; your releases are listed at /releases")
    try:
        release = service.release_files(node_of(request), user, app_id)
    except service.ReleaseBeingBuilt as exc:
        return render(request, "release/building.html", app_id=app_id, reason=str(exc), job=exc)
    except (Denied, ReleaseError) as exc:
        return render(request, "release/denied.html", status_code=403 if isinstance(exc, Denied) else 404, app_id=app_id, reason=str(exc))
    return render(request, "release/detail.html", release=release)
