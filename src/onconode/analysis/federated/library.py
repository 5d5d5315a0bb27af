"""The library of federated algorithms: every algorithm module is imported here, so each
has registered itself (`base.register`) before anyone looks one up by name.

The algorithms import `base`; this module imports them; nothing below imports this.
"""

from __future__ import annotations

import json
from typing import Any

from onconode.analysis.disclosure import DisclosureRefused, Rules
from onconode.analysis.federated import contingency, counts, cox, glm, km  # noqa: F401  (each registers itself)
from onconode.analysis.federated.base import ALGORITHMS, Algorithm, FederatedError


def get_algorithm(name: str, version: str | None = None) -> Algorithm:
    """The algorithm `name`, checked against `version` when the task pins one."""
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
