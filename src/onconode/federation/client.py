"""The researcher's side: submit a run to a coordinator and follow it to the end."""

from __future__ import annotations

import json
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


def render_run(view: dict[str, Any]) -> str:
    """A run's state and result as the researcher reads it in a terminal (the CLI and the demo print it)."""
    lines = [f"run {view['run']}: {view['status']} after {view['round']} round(s) — {view['algorithm']} {view['version']}"]
    for n, s in view["nodes"].items():
        lines.append(f"  {n:<6} {s['state']}" + (f"  ({s['reason']})" if s.get("reason") else ""))
    if view.get("error"):
        lines.append(f"error: {view['error']}")
    result = view.get("result")
    if result is not None:
        lines.append(f"result (covers {', '.join(view['covers'])}):")
        if result.get("terms"):  # a regression: one row per term
            lines.append(f"  {result.get('family', '')} model of {result.get('outcome', '')}, N = {result.get('n')}")
            lines.append(f"  {'term':<16}{'coef':>10}{'se':>10}{'p':>10}{'exp(coef)':>11}")
            for t in result["terms"]:
                e = f"{t['exp_coef']:>11.3f}" if "exp_coef" in t else ""
                lines.append(f"  {t['term']:<16}{t['coef']:>10.4f}{t['se']:>10.4f}{t['p']:>10.4g}{e}")
        else:
            lines.append(json.dumps(result, indent=2))
    return "\n".join(lines)
