"""Derived artifacts built by jobs (`store/derived.py`): one job kind for every artifact
in the registry, named by the registry, so an artifact a package declares is built in the
background with no job code of its own.

Why: after a publish (ingest, freeze, withdrawal) every artifact keyed by the new store
state is missing, and the first request that needs one (an analysis, a Beacon position
query, a federated task) would pay for its build — minutes at scale. A writer therefore
queues one `derived-prebuild` job (cheap: the writing command need not load every
package that declares artifacts), which a worker turns into a `derived-build` job per
artifact the node serves and lacks (`derived.wanted`); each is built with
`derived.ensure`, which a request that comes first still falls back to (both build it
once, under the registry's lock).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from onconode.db import job_kinds, jobs
from onconode.db.job_kinds import Context
from onconode.store import derived
from onconode.store.store import Store

BUILD = "derived-build"
PREBUILD = "derived-prebuild"


def enqueue(engine: sa.Engine, store: Store, name: str, version: int, created_by: str = "") -> int:
    """Queue the build of artifact `name` of `store` at `version`: one job per artifact and
    registry key at a time (asking again while one is queued returns that one)."""
    derived.artifact(name)   # refuse a name the registry does not know, here rather than in the worker
    return jobs.enqueue(engine, BUILD, {"name": name, "version": version},
                        key=f"{name}@{derived.key(store, version)}", created_by=created_by)


def enqueue_wanted(engine: sa.Engine, store: Store, created_by: str = "publish") -> list[int]:
    """Queue a build of every artifact the node serves that is not built for the store's
    key (`derived.wanted`); returns the job ids."""
    return [enqueue(engine, store, name, version, created_by) for name, version in derived.wanted(store)]


def enqueue_prebuild(engine: sa.Engine, created_by: str = "publish") -> int:
    """After a publish: queue the job that queues the builds the new store state lacks. No
    key: a publish while an earlier one's job runs needs a look of its own (a look with
    nothing to queue costs a stat per artifact)."""
    return jobs.enqueue(engine, PREBUILD, {}, created_by=created_by)


def run_prebuild(ctx: Context, _params: dict[str, Any]) -> dict[str, Any]:
    with Store.open(ctx.home, read_only=True) as store:
        queued = enqueue_wanted(ctx.gov.engine, store, created_by=f"job {ctx.job_id}")
    return {"queued": queued}


def run_build(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Build the artifact (no work when it is built already: `ensure` returns it)."""
    name = params["name"]
    derived.artifact(name)
    with Store.open(ctx.home, read_only=True) as store:
        version = int(params["version"])
        ctx.report(0.0, f"building {name} of store version {version}")
        path = derived.ensure(store, name, version)
    return {"name": name, "version": version, "path": str(path)}


def register() -> None:
    job_kinds.register(BUILD, run_build, description="build a derived artifact of the store (registry name)")
    job_kinds.register(PREBUILD, run_prebuild, description="queue the derived-data builds a new store state lacks")
