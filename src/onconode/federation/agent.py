"""The node agent: connects out to the coordinator, runs what the node's policy allows.

For each task it (1) verifies the coordinator's signature, the expiry and that the nonce
is new, (2) checks the policy — collaboration, algorithm and version, the requester's
approved DAR or visa —, (3) applies the differencing guard to the requester's earlier
tasks on this node, (4) runs the algorithm's node-side `partial` on its own store (through the node's code
mapping, `harmonization.py`) with the node's disclosure thresholds, and (5) signs and posts the partial, or a refusal with
its reason. Every step's outcome is in the node's hash-chained audit log, including
what was sent. The agent never listens on a port.

Rounds of one iterative run (GLM, Cox: algorithms with `pins_patient_table`) ask for the
same patient table again with a new β. The first round's table, harmonization check and
differencing admission are kept for that run (`_Pinned`), keyed by the run, requester,
algorithm, version and the exact parameters, so later rounds neither reopen the store
nor re-read the requester's history — and every round of a run computes on the same data
even if the store gets a new version meanwhile (Newton steps over changing data would
converge to nothing). The one change a pin does not outlast is a consent withdrawal:
withdrawal takes effect at once, so each later round asks the store for its withdrawal
sequence (the key of every derived copy, `store/derived.py`; a read-only open, ~25 ms on
the 5,000-patient store); if any patient withdrew since the first round, it drops the pinned table and refuses ("data changed: patient
withdrawn, resubmit"); any withdrawal counts, not only one of the table's patients, so
the refusal tells the requester nothing about who was in the cohort. Signature, nonce,
expiry, policy and the algorithm's own disclosure rules are still checked on every
round's message.
"""

from __future__ import annotations

import datetime as dt
import sys
import ssl
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from onconode.access.audit import canonical
from onconode.analysis.disclosure import DisclosureRefused, Gate
from onconode.analysis.cellkey import RecordKeys
from onconode.analysis.history import QueryHistory
from onconode.analysis.versions import version_counts
from onconode.federation import algorithms, harmonization, messages
from onconode.federation.nodelog import LOG_FILE, NodeLog
from onconode.federation.policy import NodePolicy
from onconode.analysis import cohort as cohorts
from onconode.store import Store
from onconode.store.store import withdrawal_sequence
from onconode.analysis.federated.data import FrameSnapshot, patient_frame, prepare

POLL_TTL = dt.timedelta(seconds=60)
RESULT_TTL = dt.timedelta(minutes=10)
PIN_RUNS = 4                      # iterative runs whose patient table a node keeps at once
PIN_IDLE = dt.timedelta(minutes=10)  # a run silent this long is forgotten (its rounds have ended)


class DataChanged(Exception):
    """The store changed under a pinned run in a way the run must not outlast (a withdrawal)."""


@dataclass
class _Pinned:
    """One iterative run's admitted patient table on this node (node memory only), and the
    store's withdrawal sequence when it was read (a later withdrawal ends the run's pin)."""
    snap: Any
    used: dt.datetime
    withdrawals: int


class NodeAgent:
    def __init__(self, home: Path, policy: NodePolicy, key: Ed25519PrivateKey,
                 clock: Callable[[], dt.datetime] | None = None) -> None:
        self.home = Path(home)
        self.policy = policy
        self.key = key
        self.clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
        self.trusted = {policy.coordinator_name: policy.coordinator_public_key()}
        self.nonces = messages.NonceStore(self.home / "federation" / "nonces.sqlite")
        self.log = NodeLog(self.home / LOG_FILE, self.home)
        self.gate = Gate(policy.disclosure, RecordKeys.for_home(self.home), history=QueryHistory(self.home / "federation" / "history"))
        self.published: dict[str, Any] = {}
        self._pinned: OrderedDict[str, _Pinned] = OrderedDict()

    # -- one task ---------------------------------------------------------------------------
    def handle(self, envelope: Any) -> messages.Envelope | None:
        """The signed answer to one task message (None when it cannot be answered at all)."""
        claimed = envelope.get("body", {}) if isinstance(envelope, dict) else {}
        ids = {k: claimed.get(k) for k in ("run", "task", "round")}
        try:
            task = messages.verify(envelope, "task", self.trusted, self.nonces, self.clock())
        except messages.MessageRefused as exc:
            self.log.append("task.rejected", {**ids, "reason": str(exc)})
            return self._answer(ids, "refused", reason=f"node {self.policy.node} rejected the task message: {exc}")
        ids = {k: task[k] for k in ("run", "task", "round")}
        about = {**ids, "requester": task.get("requester"), "algorithm": task.get("algorithm"),
                 "version": task.get("version"), "collaboration": task.get("collaboration"),
                 "authorization": {k: (v if k == "dar" else "visa") for k, v in (task.get("authorization") or {}).items()},
                 "params": task.get("params")}
        self.log.append("task.received", about)
        reason = (f"task addressed to {task.get('node')}, this is {self.policy.node}" if task.get("node") != self.policy.node
                  else self.policy.refusal(task, int(self.clock().timestamp())))
        if reason:
            return self._finish(ids, "refused", reason=reason)
        try:
            partial = self._compute(task)
        except (DisclosureRefused, DataChanged) as exc:
            return self._finish(ids, "refused", reason=f"node {self.policy.node}: {exc}")
        except (algorithms.UnknownAlgorithm, harmonization.HarmonizationError) as exc:
            return self._finish(ids, "refused", reason=str(exc) if str(exc).startswith("node ") else f"node {self.policy.node}: {exc}")
        except Exception as exc:  # reported, not hidden: the researcher sees which node failed and why
            return self._finish(ids, "failed", reason=f"node {self.policy.node}: {type(exc).__name__}: {exc}")
        return self._finish(ids, "done", partial=partial)

    def _compute(self, task: dict[str, Any]) -> dict[str, Any]:
        algo = algorithms.get(task["algorithm"], str(task["version"]))
        params, requester = task.get("params") or {}, str(task["requester"])
        rules = self.gate.rules
        pin = self._pin_key(task) if getattr(algo, "pins_patient_table", False) else None
        pinned = self._pinned_snap(pin)
        if pinned is not None:  # a later round of a run admitted here: same data, same checks passed
            self._check_no_withdrawal(pin)
            return algo.partial(pinned, params, task.get("state") or {}, rules)
        with Store.open(self.home, read_only=True) as store:
            raw = store.snapshot(params.get("freeze"))
            # Tasks speak the harmonized model; a node with local codes answers through its
            # mapping, and refuses (never zero-fills) a term its codes cannot distinguish.
            harmonization.check_task(params, harmonization.coverage(raw), f"node {self.policy.node}")
            snap = harmonization.harmonized(raw)
            patients_of = getattr(algo, "patients", None)  # the patients behind each figure (base.py)
            if patients_of is not None:
                groups = patients_of(snap, params)
            else:
                groups = {"cohort": cohorts.evaluate(snap, params.get("cohort") or {"op": "all"}).patient_ids}
            self.gate.admit(requester, snap, groups)  # group sizes and differencing, per requester
            if pin is not None:
                snap = self._pin(pin, snap, params, withdrawal_sequence(store))
            return algo.partial(snap, params, task.get("state") or {}, rules)

    @staticmethod
    def _pin_key(task: dict[str, Any]) -> str:
        return canonical({k: task.get(k) for k in ("run", "requester", "algorithm", "version", "params")})

    def _pinned_snap(self, key: str | None) -> Any:
        now = self.clock()
        for k in [k for k, p in self._pinned.items() if now - p.used > PIN_IDLE]:
            del self._pinned[k]
        if key is None or key not in self._pinned:
            return None
        self._pinned.move_to_end(key)
        self._pinned[key].used = now
        return self._pinned[key].snap

    def _check_no_withdrawal(self, key: str) -> None:
        """Refuse (and forget the pinned table) if a patient withdrew since the run's first
        round here: the pinned table may hold them, and consent withdrawal takes effect at once."""
        with Store.open(self.home, read_only=True) as store:
            now = withdrawal_sequence(store)
        if now != self._pinned[key].withdrawals:
            del self._pinned[key]
            raise DataChanged("data changed: patient withdrawn, resubmit (a consent withdrawal since this run's "
                              "first round; the run's pinned patient table was discarded)")

    def _pin(self, key: str, snap: Any, params: dict[str, Any], withdrawals: int) -> Any:
        """The run's patient table, detached from the store (which closes after this round)."""
        frame = FrameSnapshot(patient_frame(snap, params))
        self._pinned[key] = _Pinned(frame, self.clock(), withdrawals)
        while len(self._pinned) > PIN_RUNS:
            self._pinned.popitem(last=False)
        return frame

    def _finish(self, ids: dict[str, Any], status: str, **extra: Any) -> messages.Envelope:
        answer = self._answer(ids, status, **extra)
        self.log.append(f"task.{status}", {**ids, "sent": answer["body"]})
        return answer

    def _answer(self, ids: dict[str, Any], status: str, **extra: Any) -> messages.Envelope:
        return messages.sign(self.key, self.policy.node, "result", {**ids, "status": status, **extra}, RESULT_TTL, self.clock())

    def warm_up(self) -> None:
        """Load the allowed algorithms and the store libraries before the first poll, so a
        task's time is spent computing it (imports take seconds; a round's deadline is for work)."""
        with Store.open(self.home, read_only=True) as store:
            snap = store.snapshot(None)
            self.published = published_coverage(snap)
            # Loads the query backend (~1 s of imports) and builds the current version's
            # whole-store tables every task's patient table starts from (data.py).

            prepare(harmonization.harmonized(snap))
        for name, versions in self.policy.algorithms.items():
            for version in versions:
                try:
                    algorithms.get(name, version)
                except algorithms.UnknownAlgorithm as exc:
                    _say(f"policy allows {name} {version}, but: {exc}")

    # -- the connection -----------------------------------------------------------------------
    def serve(self, coordinator: str, verify: ssl.SSLContext | bool = True, wait: float = 20.0,
              stop: Callable[[], bool] = lambda: False) -> None:
        """Poll the coordinator until `stop()`; reconnect with back-off when it is away."""
        self.warm_up()
        _say(f"node {self.policy.node} ready; polling {coordinator}")
        backoff = 0.5
        with httpx.Client(base_url=coordinator.rstrip("/"), verify=verify, timeout=wait + 15) as http:
            while not stop():
                try:
                    poll = messages.sign(self.key, self.policy.node, "poll", {"coverage": self.published}, POLL_TTL, self.clock())
                    r = http.post("/api/nodes/poll", params={"wait": wait}, json=poll)
                    if r.status_code == 403:
                        _say(f"the coordinator refuses this node: {r.json().get('detail')}; is its public key registered?")
                        time.sleep(5)
                        continue
                    r.raise_for_status()
                    backoff = 0.5
                    for task in r.json()["tasks"]:
                        answer = self.handle(task)
                        if answer is not None:
                            self._post(http, answer)
                except httpx.HTTPError as exc:
                    _say(f"coordinator {coordinator} unreachable ({exc}); retrying in {backoff:g} s")
                    time.sleep(backoff)
                    backoff = min(backoff * 2, 30)

    def _post(self, http: httpx.Client, answer: messages.Envelope) -> None:
        r = http.post("/api/nodes/results", json=answer)
        b = answer["body"]
        if r.status_code == 403:
            _say(f"coordinator did not accept our answer to task {b.get('task')}: {r.json().get('detail')}")
        else:
            r.raise_for_status()
            _say(f"run {b.get('run')} round {b.get('round')}: {b['status']}" + (f" ({b['reason']})" if b.get("reason") else ""))


def published_coverage(snap: Any) -> dict[str, Any]:
    """What the node tells the coordinator about its data model with every poll: model
    version, code systems, how many Disease Ontology terms it can answer and the local
    codes it cannot map (the full term list stays node-side, where tasks are checked), and
    the pipeline/tool versions its samples come from (names only, no counts: PURPLE 4.4
    changed TMB/TML, so a federated TMB question pools definitions unless split by version)."""
    c = harmonization.coverage(snap)
    return {"model_version": c["model_version"], "tumour_codes": c["tumour_codes"], "drug_codes": c["drug_codes"],
            "response_scale": c["response_scale"], "doids_answerable": len(c["doids"]), "unmapped": c["unmapped"],
            "tool_versions": {tool: sorted(versions) for tool, versions in version_counts(snap).items()}}


def _say(text: str) -> None:
    print(f"{dt.datetime.now(dt.timezone.utc):%H:%M:%S} {text}", file=sys.stderr, flush=True)
