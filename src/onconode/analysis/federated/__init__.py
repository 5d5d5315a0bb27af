"""Federated algorithms: node-side partial steps and coordinator-side combines whose
result equals the analysis of the pooled data (see base.py for the contract)."""

from __future__ import annotations

from onconode.analysis.federated.base import (ALGORITHMS, Algorithm, FederatedError, analysed_patients, get_algorithm,
                                              run_local)

__all__ = ["ALGORITHMS", "Algorithm", "FederatedError", "analysed_patients", "get_algorithm", "run_local", "load_all"]


def load_all() -> None:
    """Import every algorithm module so each registers itself."""
    from onconode.analysis.federated import contingency, counts, cox, glm, km  # noqa: F401
