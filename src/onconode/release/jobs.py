"""Release work as jobs (onconode.db.jobs): building and publishing a release, and the
periodic end-of-term check (a freeze's variant snapshot is a derived artifact, built by
the store's `derived-build` jobs).

Why jobs: a build takes minutes at scale, so a web request (the third licence signature,
the office's "build" button) only enqueues it; a worker builds it and the release
appears, complete, when the job finishes, and its people are told by mail. A build is
idempotent (it writes a hidden temporary folder and renames it into place, byte-identical
every time), so a worker killed mid-build leaves nothing visible and the job simply runs again.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from onconode import private
from onconode.access import notify
from onconode.access.workflow import load
from onconode.db import job_kinds, jobs
from onconode.db.job_kinds import Context, Permanent, progress_of
from onconode.release import ReleaseError
from onconode.release.builder import BUILD_LOG, build, releases_root
from onconode.release.manifest import MANIFEST
from onconode.release.storage import Storage
from onconode.release.term import end_of_term
from onconode.store import Store
from onconode.store.store import withdrawal_sequence

BUILD = "release-build"
TERM = "release-term"
TERM_EVERY_SECONDS = 3600.0
WITHDRAWAL_RACES = 3  # builds in one job when consent withdrawals commit while it reads the store


def enqueue_build(engine: sa.Engine, app_id: str, at: dt.datetime, built_by: str, key: str | None = None) -> int:
    """Queue the build of `app_id`'s release as the application stood at `at` (one job per
    application and `key` at a time, the key being the application by default: asking
    again while one is queued or running returns that one)."""
    return jobs.enqueue(engine, BUILD, {"application": app_id, "at": at.isoformat(), "built_by": built_by},
                        key=key or app_id, created_by=built_by)


def build_underway(engine: sa.Engine, app_id: str) -> jobs.Job | None:
    """The newest queued or running build of the application's release, None when none is."""
    return next((j for j in jobs.list_jobs(engine, states=jobs.ACTIVE, kind=BUILD)
                 if j.params.get("application") == app_id), None)


def record_failure(home: Path, app_id: str, at: dt.datetime, reason: str, built_by: str) -> None:
    """A build that could not be made, in the build log (`onconode release pending` lists it as due)."""
    private.append_text(Path(home) / BUILD_LOG, json.dumps(
        {"application": app_id, "built_at": at.isoformat(), "built_by": built_by, "error": reason}) + "\n")


def _tell_ready(gov: Any, app_id: str, manifest: dict[str, Any]) -> None:
    """The applicant and the download contacts learn that the release can be downloaded."""
    with gov.engine.connect() as conn:
        app = load(conn, app_id)
    title = f"{app_id} {app.form.get('title', '')}".strip()
    notify.send(gov, notify.emails_of(gov, [app.applicant]) + sorted(app.contact_emails), f"[{app_id}] release ready",
                f"The release of {title} (freeze {manifest['freeze']}, {manifest['patients']} patients, "
                f"{len(manifest['files'])} files) is ready. Download contacts sign in with multi-factor authentication "
                f"and find it under Releases (/releases/{app_id}).")


def run_build(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Build, publish, notify. A build the data cannot make (freeze missing, nothing
    approved) fails the job at once with the reason, also written to the build log."""
    app_id, built_by = params["application"], params.get("built_by", "job")
    at = dt.datetime.fromisoformat(params["at"])
    for _ in range(WITHDRAWAL_RACES):
        try:
            with Store.open(ctx.home, read_only=True) as store:
                withdrawals = withdrawal_sequence(store)
                built = build(ctx.home, store, ctx.gov, app_id, at=at, progress=progress_of(ctx), built_by=built_by)
        except ReleaseError as exc:
            record_failure(ctx.home, app_id, at, str(exc), built_by)
            raise Permanent(f"the release of {app_id} cannot be built: {exc}") from None
        if _withdrawals_now(ctx.home) == withdrawals:
            break
        # A consent withdrawal committed while this build read the store before it: the
        # build may hold the patient, so it is taken down and made again from the new store.
        withhold(ctx.home, app_id)
    else:
        raise RuntimeError(f"consent withdrawals kept arriving while the release of {app_id} was built; "
                           "the job is tried again")
    # No progress report (a cancel point) from here on: the build is in place, so a cancel
    # arriving now is too late and the job ends done, its release published and announced.
    Storage.for_home(ctx.home).publish(built.path, app_id)
    _tell_ready(ctx.gov, app_id, built.manifest)
    m = built.manifest
    return {"application": app_id, "freeze": m["freeze"], "patients": m["patients"], "files": len(m["files"])}


def _withdrawals_now(home: Path) -> int:
    with Store.open(home, read_only=True) as store:
        return withdrawal_sequence(store)


def withhold(home: Path, app_id: str) -> None:
    """Take a release off download at once (its manifest first: delivery serves only files
    a manifest lists), and its build folder with it: after a consent withdrawal it must not
    be served until a build without the patient replaces it."""
    storage = Storage.for_home(home)
    for path in (storage.path(app_id, MANIFEST), storage.path(app_id)):
        if storage.fs.exists(path):
            storage.fs.rm(path, recursive=True)
    shutil.rmtree(releases_root(home) / app_id, ignore_errors=True)


def run_term(ctx: Context, _params: dict[str, Any]) -> list[str]:
    return end_of_term(ctx.gov, ctx.home)


def register() -> None:
    job_kinds.register(BUILD, run_build, description="build and publish a licensed release")
    job_kinds.register(TERM, run_term, every_seconds=TERM_EVERY_SECONDS, description="deletion reminders at licence end")
