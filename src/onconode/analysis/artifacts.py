"""The analysis package's derived artifacts (`store/derived.py`), for the composition
root: importing the modules that declare them registers them."""

from __future__ import annotations

from onconode.analysis import alterations  # noqa: F401  (passing mutations, alteration events)
from onconode.store import derived


def register_all() -> list[str]:
    """The names of this package's artifacts, registered (by the imports above)."""
    return [a.name for a in derived.artifacts() if a.name.startswith("analysis.")]
