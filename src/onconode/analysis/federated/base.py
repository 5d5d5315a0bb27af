"""The contract between a federated algorithm and the protocol that carries it.

An algorithm is two halves that never share memory: `partial` runs at a node, on that
node's snapshot, and returns only aggregates that passed the node's disclosure rules;
`start` and `combine` run at the coordinator, which holds no data and sees nothing but
those aggregates. Iterative methods (GLM, Cox) run rounds: `combine` returns a new state
and no result until it has converged. Everything crossing the boundary is plain JSON
(lists and numbers), so the protocol can sign and audit it as bytes.

`analysed_patients` (library.py) is the node-side hook for the differencing guard: the patient ids a
partial would rest on, for the protocol to compare with the requester's earlier tasks.
It never leaves the node.

An iterative algorithm whose `partial` reads nothing but `data.patient_frame` may set
`pins_patient_table = True`: the node agent then computes every round of one run on the
first round's table (a `FrameSnapshot`), so the store is read once per run and the
rounds of a Newton fit all see the same data.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from onconode.analysis.disclosure import Rules


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
