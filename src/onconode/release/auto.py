"""Build a release when its application becomes releasable: a DAR's third licence
signature (`activated`), an approved extension (`extension_decided`, approve) or an
approved Clinical Request (`clinical_approved`).

The seam is `onconode.access.listeners`: access announces committed events and this
module's `on_committed`, registered by the composition root (`onconode.interfaces.root`)
when the CLI or the server starts, reacts, so access/ never
depends on release/. The reaction only *enqueues* the build (`release.jobs`): the
signature is committed and the DAR active at once, and a job worker builds the release
from the store and publishes it; its people are mailed when it is ready. A build that
cannot be made (no store, the freeze missing, no approved items…) does not undo the
signature: its job fails with the reason, which is also written to the build log
(`release-builds.jsonl`, field `error`), and `onconode release pending` builds it later.

Set the governance option `auto_release: false` (e.g. a node whose releases are built
by a scheduled `onconode release pending`) to turn the automatic build off.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from onconode.release import ReleaseError

log = logging.getLogger(__name__)

OPTION = "auto_release"


def makes_releasable(event: Any) -> bool:
    """True for the events after which an application's release must be (re)built."""
    if event.type in ("activated", "clinical_approved"):
        return True
    return event.type == "extension_decided" and event.payload.get("decision") == "approve"


def on_committed(gov: Any, app: Any, events: list[Any]) -> None:
    """The listener: queue the build of `app`'s release if `events` made it releasable."""
    if not gov.options.get(OPTION, True):
        return
    triggers = [e for e in events if makes_releasable(e)]
    if triggers:
        # lazy: the job kinds load SQLAlchemy, DuckDB and the release builder; every command wires this listener, few enqueue
        from onconode.release.jobs import enqueue_build

        enqueue_build(gov.engine, app.id, triggers[-1].at, built_by=f"automatic ({triggers[-1].type})")


def build_and_publish(gov: Any, app_id: str, at: dt.datetime, built_by: str) -> Any:
    """Build and publish one release from the store in the governance home; returns the
    build, or None after recording why it could not be built."""
    # lazy: the release builder loads DuckDB, pyarrow and fpdf (~1.5 s); every command wires this listener, few build
    from onconode.release.builder import build
    from onconode.release.storage import Storage
    from onconode.store import Store
    from onconode.release.jobs import record_failure
    from onconode.store.store import StoreError

    home = Path(gov.home)
    try:
        with Store.open(home, read_only=True) as store:
            built = build(home, store, gov, app_id, at=at, built_by=built_by)
        Storage.for_home(home).publish(built.path, app_id)
        return built
    except (ReleaseError, StoreError) as exc:
        log.warning("release of %s not built: %s", app_id, exc)
        record_failure(home, app_id, at, str(exc), built_by)
        return None


REBUILD_AFTER = ("activated", "clinical_approved", "extension_decided")


def pending(gov: Any, at: dt.datetime) -> list[str]:
    """Applications releasable at `at` with no release built since they last became
    releasable (never built, or activated / extension decided after the last build)."""
    # lazy: the release builder loads DuckDB, pyarrow and fpdf (~1.5 s); every command wires this listener, few build
    from onconode.access.workflow import list_applications
    from onconode.release.builder import build_log
    from onconode.release.selection import RELEASABLE

    last_built: dict[str, dt.datetime] = {}
    for row in build_log(Path(gov.home)):
        if "error" not in row:
            when = dt.datetime.fromisoformat(row["built_at"])
            last_built[row["application"]] = max(when, last_built.get(row["application"], when))
    out = []
    for app in list_applications(gov):
        if app.state_at(at) not in RELEASABLE.get(app.kind, set()):
            continue
        became = max((when for when, kind, _ in app.history if kind in REBUILD_AFTER and when <= at), default=None)
        built = last_built.get(app.id)
        if built is None or (became is not None and built < became):
            out.append(app.id)
    return out
