"""The researcher's side: submit a run to a coordinator and follow it to the end."""

from __future__ import annotations

import ssl
import time
from typing import Any, Callable

import httpx


class FederationClientError(RuntimeError):
    pass


class CoordinatorClient:
    def __init__(self, url: str, verify: ssl.SSLContext | bool = True, token: str | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=url.rstrip("/"), verify=verify, headers=headers, timeout=30)

    def __enter__(self) -> "CoordinatorClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.http.close()

    def _json(self, r: httpx.Response) -> dict[str, Any]:
        if r.status_code >= 400:
            try:
                detail = r.json().get("detail")
            except ValueError:
                detail = r.text
            raise FederationClientError(f"coordinator answered {r.status_code}: {detail}")
        return r.json()

    def collaborations(self) -> dict[str, Any]:
        return self._json(self.http.get("/api/collaborations"))

    def submit(self, request: dict[str, Any]) -> dict[str, Any]:
        return self._json(self.http.post("/api/runs", json=request))

    def run(self, run_id: str, after: int | None = None, wait: float = 0.0) -> dict[str, Any]:
        """The run's view; with `after` (a view's `changes`), wait up to `wait` s for a newer one."""
        params: dict[str, Any] = {} if after is None else {"after": after, "wait": wait}
        return self._json(self.http.get(f"/api/runs/{run_id}", params=params))

    def follow(self, run_id: str, timeout: float = 600, on_change: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
        """Follow a run until it is done or failed, by long polls that the coordinator answers
        as soon as something changes; `on_change` sees every new status."""
        end, last, changes = time.monotonic() + timeout, None, None
        while True:
            left = end - time.monotonic()
            view = self.run(run_id, changes, max(0.0, min(20.0, left)))
            changes = view.get("changes")
            key = (view["status"], view["round"], tuple((n, s["state"]) for n, s in view["nodes"].items()))
            if key != last and on_change:
                on_change(view)
            last = key
            if view["status"] != "running":
                return view
            if time.monotonic() > end:
                raise FederationClientError(f"run {run_id} still running after {timeout:g} s")
            if changes is None:  # a coordinator without long polls for runs
                time.sleep(0.2)
