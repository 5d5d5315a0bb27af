"""The federation agent's derived artifacts (`store/derived.py`), for the composition
root: its whole-store node tables are declared beside the code that reads them
(`analysis/federated/data.py`)."""

from __future__ import annotations

from onconode.analysis.federated import data


def register_all() -> list[str]:
    """The names of this package's artifacts, registered (by importing their module)."""
    return [data.NODE_TABLES]
