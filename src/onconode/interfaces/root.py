"""The composition root: the one place that wires the node's parts together at start.

Domain packages do not reach for each other's code to react to events; they expose a
function and this module connects it. Both interfaces call `wire()` before they do
anything else — the CLI in its root callback, the HTTP app in `create_app` — so a
command run from either has the same reactions:

- a governance command's committed events reach `release.auto.on_committed`, which
  builds a release when a DAR is signed by all three parties, an extension is approved
  or a Clinical Request is granted (`access.listeners`);
- every package's derived artifacts (analysis base tables, release variant snapshots,
  Beacon position indexes, the federation agent's tables) are declared with the store's
  registry (`store/derived.py`), which never imports them.
"""

from __future__ import annotations

from onconode.access import listeners
from onconode.analysis import artifacts as analysis_artifacts
from onconode.beacon import artifacts as beacon_artifacts
from onconode.federation import artifacts as federation_artifacts
from onconode.release import artifacts as release_artifacts
from onconode.release import auto


def wire() -> None:
    """Connect the node's reactions (idempotent: a second call changes nothing)."""
    listeners.register(auto.on_committed)
    register_derived()


def register_derived() -> list[str]:
    """Declare every package's derived artifacts with the store's registry; returns their names."""
    return [name for package in (analysis_artifacts, release_artifacts, beacon_artifacts, federation_artifacts)
            for name in package.register_all()]
