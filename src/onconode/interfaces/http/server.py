"""Running the node's web server: `onconode serve [--workers N]` and the demo.

Several worker processes answer in parallel (one Python process uses one core for its
analyses, and a slow question no longer holds up everyone else's). Uvicorn starts them and
restarts one that dies; each builds its own `Node` from the home folder it finds in
$ONCONODE_HOME (the app factory below), and shares nothing with the others in memory:
sessions, login and application limits, Beacon budgets and OIDC login state live in the
governance database (DESIGN.md, "Several server workers"), the store is opened read-only
by each.
"""

from __future__ import annotations

import os
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Callable

import uvicorn
from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from onconode.analysis.warm import warm_node_in_background
from onconode.interfaces.http.app import create_app
from onconode.interfaces.http.node import Node

HOME_ENV = "ONCONODE_HOME"
WORKER_HEADER = "x-onconode-worker"
FACTORY = f"{__name__}:app_from_environment"


def default_workers() -> int:
    """The cores this process may run on (a container's CPU set, not the machine's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS and Windows have no sched_getaffinity
        return max(1, os.cpu_count() or 1)


def app_from_environment() -> FastAPI:
    """The app of one worker process: its own Node on the home in $ONCONODE_HOME (set by
    `serve`), its analysis tables warmed in the background, closed when the worker stops."""
    home = os.environ.get(HOME_ENV)
    if not home:
        raise RuntimeError(f"${HOME_ENV} is not set: start the server with `onconode --home DIR serve`")
    node = Node(Path(home), governance_options={"mail_by_job": True})  # a request queues mail; a job worker sends it
    warm_node_in_background(node)
    app = create_app(node)
    app.add_middleware(WorkerHeader)
    app.router.lifespan_context = _closing(node)
    return app


def _closing(node: Node) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """The app's lifespan: close the node's store and database when the worker stops."""
    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        try:
            yield
        finally:
            node.close()

    return lifespan


class WorkerHeader:
    """Names the worker process that answered (X-Onconode-Worker: its pid) on every answer, so
    an operator behind a load balancer, and the tests, can see which worker served a request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app, self.header = app, (WORKER_HEADER.encode(), str(os.getpid()).encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def named(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), self.header]}
            await send(message)

        await self.app(scope, receive, named)


# proxy_headers off: uvicorn would otherwise believe X-Forwarded-For from loopback by default;
# the app itself believes it only from the configured trusted proxies (create_app).
UVICORN_OPTIONS: dict[str, Any] = {"log_level": "warning", "proxy_headers": False}


def server_config(app: FastAPI, host: str = "127.0.0.1", port: int = 8000) -> uvicorn.Config:
    """Uvicorn's settings for the node, for one app object in this process."""
    return uvicorn.Config(app, host=host, port=port, **UVICORN_OPTIONS)


def serve(home: Path, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve the node with `workers` processes until interrupted.

    Session cookies are always Secure: browsers accept them on http://127.0.0.1 and
    localhost, and anywhere else the node must sit behind TLS."""
    os.environ[HOME_ENV] = str(Path(home).resolve())
    uvicorn.run(FACTORY, factory=True, host=host, port=port, workers=workers, **UVICORN_OPTIONS)
