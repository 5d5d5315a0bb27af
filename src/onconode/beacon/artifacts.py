"""The Beacon's derived artifacts (`store/derived.py`), for the composition root."""

from __future__ import annotations

from onconode.beacon import positions, structural, vrs_alleles


def register_all() -> list[str]:
    """The names of this package's artifacts, registered (by importing their module)."""
    return [positions.NAME, vrs_alleles.NAME, structural.ARTIFACT]
