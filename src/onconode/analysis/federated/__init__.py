"""Federated algorithms: node-side partial steps and coordinator-side combines whose
result equals the analysis of the pooled data (see base.py for the contract)."""

from __future__ import annotations

from onconode.analysis.federated.base import ALGORITHMS, Algorithm, FederatedError
from onconode.analysis.federated.library import analysed_patients, get_algorithm, run_local

__all__ = ["ALGORITHMS", "Algorithm", "FederatedError", "analysed_patients", "get_algorithm", "run_local"]

