"""The coordinator: holds no data, only runs, their per-node status and combined results.

A run is one analysis over chosen nodes of a collaboration. Each round the coordinator
signs one task per active node; nodes fetch them by polling (they connect out; the
coordinator never calls a node). When every node of the round has answered — done,
refused or failed — the algorithm's `combine` sums the partials into (next state,
result); while the result is None (an iterative algorithm not yet converged) a new round
starts with the same nodes. A node that does not answer round 1 is left out of the run; one
that stops after round 1 stops the run (the state carried between rounds holds its data). A node
silent past the task timeout is marked failed; the result names the nodes it covers and
why each other node is missing, so nothing is dropped silently.

Researchers see the combined result and each node's status, never a node's partial (the
per-node score vectors DataSHIELD hands its client are exactly what we keep here).
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from onconode.federation import algorithms, messages
from onconode.federation.registry import Registry

QUEUED, RUNNING, REFUSED, FAILED, DONE = "queued", "running", "refused", "failed", "done"
TERMINAL = {REFUSED, FAILED, DONE}
MAX_ROUNDS = 50


class RunError(ValueError):
    """A submission that cannot become a run; the message says what to change."""


class RunNotFound(LookupError):
    pass


@dataclass
class NodeStatus:
    state: str = QUEUED
    reason: str | None = None
    round: int = 1
    deadline: dt.datetime | None = None
    task: str | None = None
    partial: dict[str, Any] | None = None


@dataclass
class Run:
    id: str
    requester: str
    authorization: dict[str, str]
    collaboration: str
    algorithm: str
    version: str
    params: dict[str, Any]
    created: dt.datetime
    timeout: dt.timedelta
    nodes: dict[str, NodeStatus]
    state: dict[str, Any] = field(default_factory=dict)
    round: int = 0
    status: str = "running"
    result: dict[str, Any] | None = None
    error: str | None = None
    covers: list[str] = field(default_factory=list)
    changes: int = 0  # bumped by every change a researcher can see; `view(wait=...)` waits for the next

    def view(self) -> dict[str, Any]:
        """What the researcher sees: statuses and the combined result, no partials."""
        return {
            "run": self.id, "status": self.status, "collaboration": self.collaboration, "algorithm": self.algorithm,
            "version": self.version, "requester": self.requester, "round": self.round,
            "created": self.created.isoformat(timespec="seconds"),
            "nodes": {n: {"state": s.state, "reason": s.reason, "round": s.round} for n, s in self.nodes.items()},
            "result": self.result, "error": self.error, "covers": self.covers,
            "not_covered": {n: f"{s.state}: {s.reason}" for n, s in self.nodes.items() if s.state in (REFUSED, FAILED)},
            "changes": self.changes,
        }


class Coordinator:
    def __init__(self, registry: Registry, key: Ed25519PrivateKey,
                 clock: Callable[[], dt.datetime] | None = None) -> None:
        self.registry = registry
        self.key = key
        self.clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
        self.node_keys = registry.node_keys()
        self.nonces = messages.NonceStore()
        self.runs: dict[str, Run] = {}
        self.seen: dict[str, dict[str, Any]] = {}  # node -> last poll and the model coverage it published
        self._cond = threading.Condition()
        # Import the algorithm library now (scipy, the query layer: seconds), not on the
        # first researcher's submission, whose rounds would wait for it.
        algorithms.preload()

    # -- researchers ----------------------------------------------------------------------
    def submit(self, request: dict[str, Any], token: str | None = None) -> Run:
        """Start a run from a researcher's request (authorization checked first)."""
        now = self.clock()
        collab = str(request.get("collaboration", ""))
        requester, auth = self.registry.authenticate(collab, request.get("dar"), token, request.get("visa"),
                                                     int(now.timestamp()))
        members = self.registry.collaborations[collab].nodes
        nodes = list(request.get("nodes") or members)
        outside = [n for n in nodes if n not in members]
        if outside or not nodes:
            raise RunError(f"node(s) {', '.join(outside) or '(none)'} are not in collaboration {collab} "
                           f"(its nodes: {', '.join(members)})")
        name, version = str(request.get("algorithm", "")), request.get("version")
        try:
            algo = algorithms.get(name, None if version is None else str(version))
        except algorithms.UnknownAlgorithm as exc:
            raise RunError(str(exc)) from None
        params = dict(request.get("params") or {})
        if request.get("cohort") is not None:
            params["cohort"] = request["cohort"]
        timeout = float(request.get("timeout_seconds") or self.registry.task_timeout_seconds)
        run = Run(secrets.token_urlsafe(16), requester, auth, collab, name, str(algo.version), params, now,
                  dt.timedelta(seconds=timeout), {n: NodeStatus() for n in dict.fromkeys(nodes)})
        try:
            run.state = algo.start(params)
        except Exception as exc:  # the algorithm validates its parameters here
            raise RunError(f"{name}: {exc}") from None
        with self._cond:
            self.runs[run.id] = run
            self._new_round(run, list(run.nodes))
        return run

    def view(self, run_id: str, wait: float = 0.0, after: int | None = None) -> dict[str, Any]:
        """The run as the researcher sees it. With `after` (the `changes` of the view they
        hold), wait up to `wait` seconds for something new: a long poll, so a client following
        a run hears of each round and of the result when it happens, not at its next poll."""
        self.sweep()
        end = time.monotonic() + max(0.0, min(wait, 30.0))  # a wait, not a date: immune to clock steps
        with self._cond:
            while True:
                run = self.runs.get(run_id)
                if run is None:
                    raise RunNotFound(f"no run {run_id!r} on this coordinator")
                remaining = end - time.monotonic()
                if after is None or run.changes != after or run.status != "running" or remaining <= 0:
                    return run.view()
                self._cond.wait(min(remaining, 1.0))  # the sweeper notifies at least every half second

    def nodes(self) -> dict[str, Any]:
        """Every registered node: when it last polled and the model coverage it publishes."""
        return {n: self.seen.get(n, {"last_seen": None, "coverage": None}) for n in sorted(self.node_keys)}

    # -- nodes ----------------------------------------------------------------------------
    def poll(self, envelope: Any, wait: float = 0.0) -> list[messages.Envelope]:
        """Tasks for the node that signed the poll, waiting up to `wait` seconds for one."""
        body = messages.verify(envelope, "poll", self.node_keys, self.nonces, self.clock())
        node = body["signer"]
        self.seen[node] = {"last_seen": self.clock().isoformat(timespec="seconds"), "coverage": body.get("coverage")}
        end = time.monotonic() + max(0.0, min(wait, 30.0))
        with self._cond:
            while True:
                tasks = self._take(node)
                remaining = end - time.monotonic()
                if tasks or remaining <= 0:
                    return tasks
                self._cond.wait(min(remaining, 1.0))

    def _take(self, node: str) -> list[messages.Envelope]:
        out = []
        for run in self.runs.values():
            s = run.nodes.get(node)
            if run.status == "running" and s is not None and s.state == QUEUED and s.task is not None:
                s.state = RUNNING
                self._changed(run)
                out.append(self._task_message(run, node, s))
        return out

    def _task_message(self, run: Run, node: str, s: NodeStatus) -> messages.Envelope:
        payload = {"task": s.task, "run": run.id, "round": run.round, "node": node, "collaboration": run.collaboration,
                   "algorithm": run.algorithm, "version": run.version, "params": run.params, "state": run.state,
                   "requester": run.requester, "authorization": run.authorization}
        remaining = (s.deadline - self.clock()) if s.deadline else run.timeout
        return messages.sign(self.key, self.registry.name, "task", payload, max(remaining, dt.timedelta(seconds=1)), self.clock())

    def accept_result(self, envelope: Any) -> None:
        body = messages.verify(envelope, "result", self.node_keys, self.nonces, self.clock())
        node = body["signer"]
        with self._cond:
            run = self.runs.get(body.get("run"))
            s = run.nodes.get(node) if run else None
            if run is None or s is None or s.task != body.get("task") or s.state in TERMINAL:
                raise messages.MessageRefused(f"result from {node} answers no open task (late, or for another run)")
            outcome = body.get("status")
            if outcome == DONE and isinstance(body.get("partial"), dict):
                s.state, s.partial, s.reason = DONE, body["partial"], None
            elif outcome in (REFUSED, FAILED):
                s.state, s.reason = outcome, str(body.get("reason") or "no reason given")
            else:
                raise messages.MessageRefused("a result must be done (with a partial), refused or failed")
            self._changed(run)
            self._maybe_combine(run)

    # -- rounds ---------------------------------------------------------------------------
    def sweep(self) -> None:
        """Mark nodes past their deadline failed (and finish the rounds that frees)."""
        now = self.clock()
        with self._cond:
            for run in self.runs.values():
                if run.status != "running":
                    continue
                late = [s for s in run.nodes.values() if s.state in (QUEUED, RUNNING) and s.deadline and s.deadline < now]
                for s in late:
                    s.state = FAILED
                    s.reason = (f"no answer within {run.timeout.total_seconds():g} s in round {run.round} "
                                "(node down, disconnected or too slow)")
                if late:
                    self._changed(run)
                    self._maybe_combine(run)
            self._cond.notify_all()

    def _changed(self, run: Run) -> None:
        """Record a change the researcher can see and wake whoever waits on it (caller holds the lock)."""
        run.changes += 1
        self._cond.notify_all()

    def _new_round(self, run: Run, nodes: list[str]) -> None:
        run.round += 1
        deadline = self.clock() + run.timeout
        for n in nodes:
            s = run.nodes[n]
            s.state, s.round, s.deadline, s.partial, s.reason = QUEUED, run.round, deadline, None, None
            s.task = secrets.token_hex(8)
        self._changed(run)  # wakes the nodes' long polls: their tasks are ready

    def _maybe_combine(self, run: Run) -> None:
        active = [n for n, s in run.nodes.items() if s.round == run.round]
        if any(run.nodes[n].state not in TERMINAL for n in active):
            return
        partials = {n: run.nodes[n].partial for n in active if run.nodes[n].state == DONE}
        dropped = [n for n in active if n not in partials]
        if run.round > 1 and dropped:
            # The state carried from earlier rounds (coefficients, a Cox time grid) was
            # computed with these nodes' data: going on without them would mix two cohorts.
            reasons = "; ".join(f"{n}: {run.nodes[n].state}, {run.nodes[n].reason}" for n in dropped)
            run.status, run.error = "failed", (
                f"{', '.join(dropped)} stopped taking part in round {run.round} ({reasons}); the earlier rounds used "
                f"{'its' if len(dropped) == 1 else 'their'} data, so the run cannot finish without "
                f"{'it' if len(dropped) == 1 else 'them'}: resubmit it (without {', '.join(dropped)} if that stays unavailable)")
            self._changed(run)
            return
        if not partials:
            run.status, run.error = "failed", "no node returned a result; see each node's reason"
            self._changed(run)
            return
        try:
            next_state, result = algorithms.get(run.algorithm, run.version).combine(run.params, run.state, partials)  # type: ignore[arg-type]
        except Exception as exc:
            run.status, run.error = "failed", f"combining the partial results failed: {exc}"
            self._changed(run)
            return
        run.covers = sorted(partials)
        if result is not None:
            run.status, run.result = "done", result
            for n in partials:
                run.nodes[n].partial = None  # partials are not kept once combined
        elif run.round >= MAX_ROUNDS:
            run.status, run.error = "failed", f"{run.algorithm} did not converge in {MAX_ROUNDS} rounds"
        else:
            run.state = next_state
            self._new_round(run, list(partials))
            return
        self._changed(run)
