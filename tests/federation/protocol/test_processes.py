"""The federation protocol with real processes: a coordinator, three node agents, HTTPS."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import statsmodels.api as sm

from onconode.analysis.federated.data import patient_frame
from onconode.federation.nodelog import LOG_FILE, NodeLog
from onconode.store import Store

from tests.federation.protocol.conftest import OTHER_TOKEN, PATIENTS, Federation

FEMALE = {"op": "sex", "values": ["female"]}


def local_frames(fed: Federation, params: dict) -> dict:
    out = {}
    for name, home in fed.homes.items():
        with Store.open(home, read_only=True) as store:
            out[name] = patient_frame(store.snapshot(None), params).copy()
    return out


def test_a_count_over_three_nodes_equals_the_count_of_the_pooled_data(federation: Federation) -> None:
    view = federation.run(algorithm="counts", cohort=FEMALE)
    pooled = sum(len(f) for f in local_frames(federation, {"cohort": FEMALE}).values())
    assert view["status"] == "done", view
    assert view["covers"] == ["ES", "NL", "SE"]
    assert {n: s["state"] for n, s in view["nodes"].items()} == {"NL": "done", "SE": "done", "ES": "done"}
    assert view["result"]["patients"] == pooled


def test_an_iterative_glm_runs_rounds_and_equals_statsmodels_on_the_pooled_data(federation: Federation) -> None:
    params = {"family": "gaussian", "outcome": "purity", "covariates": ["age", "tmb_per_mb"]}
    view = federation.run(algorithm="glm", params=params)
    assert view["status"] == "done", view
    assert view["round"] >= 2
    pooled = __import__("pandas").concat(local_frames(federation, params).values()).dropna(subset=["purity", "age", "tmb_per_mb"])
    fit = sm.GLM(pooled.purity, sm.add_constant(pooled[["age", "tmb_per_mb"]]), family=sm.families.Gaussian()).fit()
    coefs = [t["coef"] for t in view["result"]["terms"]]
    np.testing.assert_allclose(coefs, fit.params.to_numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose([t["se"] for t in view["result"]["terms"]], fit.bse.to_numpy(), rtol=1e-6)
