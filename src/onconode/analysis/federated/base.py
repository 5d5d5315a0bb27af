"""The contract between a federated algorithm and the protocol that carries it.

An algorithm is two halves that never share memory: `partial` runs at a node, on that
node's snapshot, and returns only aggregates that passed the node's disclosure rules;
`start` and `combine` run at the coordinator, which holds no data and sees nothing but
those aggregates. Iterative methods (GLM, Cox) run rounds: `combine` returns a new state
and no result until it has converged. Everything crossing the boundary is plain JSON
(lists and numbers), so the protocol can sign and audit it as bytes.

`analysed_patients` is the node-side hook for the differencing guard: the patient ids a
partial would rest on, for the protocol to compare with the requester's earlier tasks.
It never leaves the node.

An iterative algorithm whose `partial` reads nothing but `data.patient_frame` may set
`pins_patient_table = True`: the node agent then computes every round of one run on the
first round's table (a `FrameSnapshot`), so the store is read once per run and the
rounds of a Newton fit all see the same data.
"""

from __future__ import annotations

import json
from typing import Any, Protocol, runtime_checkable

from onconode.analysis.disclosure import DisclosureRefused, Rules


class FederatedError(ValueError):
    """A task that cannot run as asked (bad parameters, unknown algorithm); the message
    says which parameter and what to send instead."""


@runtime_checkable
class Algorithm(Protocol):
    name: str
    version: str

    def start(self, params: dict) -> dict: ...

    def partial(self, snap: Any, params: dict, state: dict, rules: Rules) -> dict: ...

    def combine(self, params: dict, state: dict, partials: dict[str, dict]) -> tuple[dict, dict | None]: ...

    def patients(self, snap: Any, params: dict) -> dict[str, frozenset[str]]: ...


ALGORITHMS: dict[str, Algorithm] = {}


def register(algorithm: Algorithm) -> Algorithm:
    ALGORITHMS[algorithm.name] = algorithm
    return algorithm


def get_algorithm(name: str, version: str | None = None) -> Algorithm:
    """The algorithm `name`, checked against `version` when the task pins one."""
    from onconode.analysis.federated import load_all

    load_all()
    if name not in ALGORITHMS:
        raise FederatedError(f"unknown algorithm {name!r}; available: {', '.join(sorted(ALGORITHMS))}")
    algo = ALGORITHMS[name]
    if version is not None and version != algo.version:
        raise FederatedError(f"algorithm {name!r} is version {algo.version} here, the task asks for {version}; "
                             "upgrade the older side or pin the same version")
    return algo


def analysed_patients(name: str, snap: Any, params: dict) -> dict[str, frozenset[str]]:
    """Node side only: per group, the patients a partial of `name` with `params` would
    rest on (for the group-size and differencing guard across one requester's tasks,
    `Gate.admit`). Never send this off the node."""
    return get_algorithm(name).patients(snap, params)


def jsonable(x: Any) -> Any:
    """A round trip through JSON: what the other side would actually receive."""
    return json.loads(json.dumps(x))


def run_local(algorithm: Algorithm | str, snaps: dict[str, Any], params: dict, rules: Rules | dict[str, Rules],
              max_rounds: int = 25) -> dict:
    """Drive an algorithm in one process, as the coordinator and nodes would over the
    network (every message passes through JSON). `rules` is one set for all nodes or one
    per node. A node's refusal is raised as DisclosureRefused naming the node."""
    algo = get_algorithm(algorithm) if isinstance(algorithm, str) else algorithm
    per_node = rules if isinstance(rules, dict) else {n: rules for n in snaps}
    state = jsonable(algo.start(jsonable(params)))
    for round_no in range(1, max_rounds + 1):
        partials: dict[str, dict] = {}
        for node, snap in snaps.items():
            try:
                partials[node] = jsonable(algo.partial(snap, jsonable(params), jsonable(state), per_node[node]))
            except DisclosureRefused as exc:
                raise DisclosureRefused(f"node {node}: {exc}") from None
        state, result = algo.combine(jsonable(params), state, partials)
        state = jsonable(state)
        if result is not None:
            out = jsonable(result)
            out.setdefault("rounds", round_no)
            out["nodes"] = sorted(snaps)
            return out
    raise FederatedError(f"{algo.name} did not finish within {max_rounds} rounds")
