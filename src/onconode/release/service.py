"""What the REST API and the download page share: the releases an account may download
now, a release's files with short-lived links, building on request, and the office's
download report. Interfaces call these and render; the checks live in `delivery`."""

from __future__ import annotations

from typing import Any

from onconode.access.identity import Account
from onconode.access.roles import Role
from onconode.access.workflow import Denied
from onconode.release import ReleaseError
from onconode.release.builder import built_releases
from onconode.release.delivery import LINK_SECONDS, listing, make_link
from onconode.release.jobs import build_underway
from onconode.release.storage import Storage
from onconode.access.entitlements import can_download

BUILDERS = (Role.ACCESS_OFFICE, Role.DATA_MANAGER)


def storage_of(node: Any) -> Storage:
    return Storage.for_home(node.home)


def my_releases(node: Any, account: Account) -> list[dict[str, Any]]:
    """Built releases this account may download at this moment."""
    out = []
    for m in built_releases(node.home):
        if can_download(node.gov, account.id, m["application"], node.now()):
            out.append({"application": m["application"], "freeze": m["freeze"], "patients": m["patients"],
                        "samples": m["samples"], "files": len(m["files"]), "bytes": sum(f["bytes"] for f in m["files"])})
    return out


class ReleaseBeingBuilt(ReleaseError):
    """No release to download yet, but a job is building it (its first build, or a rebuild
    after a consent withdrawal took it off download): say so, not "no release"."""

    def __init__(self, app_id: str, job_id: int, state: str, progress: float) -> None:
        super().__init__(f"the release of {app_id} is being built (job {job_id}, {state}, {round(progress * 100)} % done): "
                         "it appears here when the job finishes, and its download contacts are mailed then")
        self.job_id, self.state, self.progress = job_id, state, progress


def release_files(node: Any, account: Account, app_id: str, base: str = "") -> dict[str, Any]:
    """A release's files with sizes, checksums and links for this account (Denied if not
    entitled; ReleaseBeingBuilt while a job builds it)."""
    try:
        lst = listing(node.gov, storage_of(node), account.id, app_id, node.now())
    except ReleaseError:
        underway = build_underway(node.gov.engine, app_id)
        if underway is None:
            raise
        raise ReleaseBeingBuilt(app_id, underway.id, underway.state, underway.progress) from None
    files = []
    for f in [*lst.files, {"path": "manifest.json", "bytes": None, "sha256": None}]:
        token = make_link(node.secret_key, account.id, app_id, f["path"], node.now())
        files.append({**f, "url": f"{base}/api/releases/{app_id}/files/{f['path']}?link={token}"})
    return {"application": app_id, "freeze": lst.freeze, "patients": lst.manifest["patients"], "samples": lst.manifest["samples"],
            "tables": lst.manifest["tables"], "link_seconds": LINK_SECONDS, "files": files}


def require_builder(account: Account) -> None:
    if not any(account.has(r) for r in BUILDERS):
        raise Denied("only the data access office or a data manager builds releases")


def require_office(account: Account) -> None:
    if not account.has(Role.ACCESS_OFFICE):
        raise Denied("only the data access office sees download reports")
