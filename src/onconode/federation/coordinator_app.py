"""The coordinator's HTTP interface (thin: parse, call `Coordinator`, render).

Researchers: `POST /api/runs` (an approved DAR id with `Authorization: Bearer <token>`, or
a visa in the body), `GET /api/runs/{id}` (with `?after=<changes>&wait=<s>` a long poll
that answers as soon as the run changes), `GET /api/collaborations`, `GET /api/nodes`
(when each node last polled, and the model version and coverage it publishes).
Nodes (every request a signed message): `POST /api/nodes/poll`, `POST /api/nodes/results`.

The two long polls block a thread each for up to 30 s, so they run under their own
thread limiter (`LONG_POLLS`), not AnyIO's default one (40 threads) that every sync
endpoint shares: otherwise 40 waiting nodes and researchers would stall every other request.
"""

from __future__ import annotations

import threading
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Body, FastAPI, Header, HTTPException, Query
import anyio

from onconode.federation import authz, messages
from onconode.federation.coordinator import Coordinator, RunError, RunNotFound
from onconode.federation.keys import public_text

LONG_POLLS = 1000  # waiting polls at once (one thread each); more queue, without stalling other endpoints


def create_coordinator_app(coord: Coordinator, sweep_every: float = 0.5) -> FastAPI:
    stop = threading.Event()

    def sweeper() -> None:
        while not stop.wait(sweep_every):
            coord.sweep()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        t = threading.Thread(target=sweeper, name="timeouts", daemon=True)
        t.start()
        yield
        stop.set()

    app = FastAPI(title="onconode federation coordinator", lifespan=lifespan)
    waits: list[anyio.CapacityLimiter] = []  # made on first use, inside the server's event loop

    async def waiting(fn: Any, *args: Any) -> Any:
        """Run a long poll in a thread under the long polls' own limiter."""
        if not waits:
            waits.append(anyio.CapacityLimiter(LONG_POLLS))
        return await anyio.to_thread.run_sync(fn, *args, limiter=waits[0])

    @app.get("/api/info")
    def info() -> dict[str, Any]:
        return {"name": coord.registry.name, "public_key": public_text(coord.key), "nodes": sorted(coord.registry.nodes)}

    @app.get("/api/collaborations")
    def collaborations() -> dict[str, Any]:
        return {name: {"nodes": c.nodes} for name, c in coord.registry.collaborations.items()}

    @app.get("/api/nodes")
    def nodes() -> dict[str, Any]:
        return coord.nodes()

    @app.post("/api/runs", status_code=201)
    def submit(request: dict[str, Any] = Body(...), authorization: str | None = Header(None)) -> dict[str, Any]:
        token = authorization.removeprefix("Bearer ").strip() if authorization else None
        try:
            return coord.submit(request, token).view()
        except authz.AuthorizationError as exc:
            raise HTTPException(403, str(exc)) from None
        except RunError as exc:
            raise HTTPException(422, str(exc)) from None

    @app.get("/api/runs/{run_id}")
    async def run(run_id: str, wait: float = Query(0.0, ge=0, le=30),
                  after: int | None = Query(None, description="the `changes` of the view you hold: wait for a newer one")) -> dict[str, Any]:
        try:
            return await waiting(coord.view, run_id, wait, after)
        except RunNotFound as exc:
            raise HTTPException(404, str(exc)) from None

    @app.post("/api/nodes/poll")
    async def poll(envelope: dict[str, Any] = Body(...), wait: float = Query(0.0, ge=0, le=30)) -> dict[str, Any]:
        try:
            return {"tasks": await waiting(coord.poll, envelope, wait)}
        except messages.MessageRefused as exc:
            raise HTTPException(403, str(exc)) from None

    @app.post("/api/nodes/results")
    def results(envelope: dict[str, Any] = Body(...)) -> dict[str, str]:
        try:
            coord.accept_result(envelope)
        except messages.MessageRefused as exc:
            raise HTTPException(403, str(exc)) from None
        return {"ok": "accepted"}

    return app

