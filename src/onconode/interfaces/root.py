"""The composition root: the one place that wires the node's parts together at start.

Domain packages do not reach for each other's code to react to events; they expose a
function and this module connects it. Both interfaces call `wire()` before they do
anything else — the CLI in its root callback, the HTTP app in `create_app` — so a
command run from either has the same reactions:

- a governance command's committed events reach `release.auto.on_committed`, which
  builds a release when a DAR is signed by all three parties, an extension is approved
  or a Clinical Request is granted (`access.listeners`);
- the server and the job workers also declare every package's derived artifacts with the
  store's registry (`interfaces/derived_wiring.py`; a CLI command imports the module whose
  artifact it builds, which declares it), so the root command starts without DuckDB.
"""

from __future__ import annotations

from onconode.access import listeners
from onconode.release import auto


def wire() -> None:
    """Connect the node's reactions (idempotent: a second call changes nothing)."""
    listeners.register(auto.on_committed)
