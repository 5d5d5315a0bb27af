"""The synthetic cohort's planted effect — KRAS-hotspot colorectal cancers do not respond
to anti-EGFR antibodies (docs/synthetic-cohort.md) — comes out significant through the
REST response endpoint for an anonymous researcher, under disclosure control. Needs more
patients than the shared 300-patient node: 1,500, one variant per sample on median."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from onconode.store import Store
from onconode.interfaces.http.app import create_app
from onconode.interfaces.http.node import Node
from tests.web.conftest import FAST_ARGON2


@pytest.fixture(scope="module")
def big_client(tmp_path_factory: pytest.TempPathFactory):
    from onconode.synth import load_cohort

    home: Path = tmp_path_factory.mktemp("planted-api") / "node"
    with Store.init(home) as store:
        load_cohort(store, patients=1500, seed=7, median_variants=1, workers=1)
        store.create_freeze("DR-PLANTED")
    node = Node(home, governance_options=FAST_ARGON2)
    with TestClient(create_app(node), base_url="https://testserver") as client:
        client.headers["X-CSRF-Token"] = client.get("/api/analysis/caller").json()["csrf"]
        yield client
    node.close()


def test_kras_mutant_colorectal_cancer_does_not_respond_to_anti_egfr_over_rest(big_client):
    r = big_client.post("/api/analysis/response", json={
        "cohort": {"op": "tumour_type", "doids": ["9256"]},
        "treatment": {"mechanism": "Anti-EGFR"},
        "biomarker": {"cohort": {"op": "gene_altered", "gene": "KRAS", "alteration": "mutation", "hotspot": True}},
        "covariates": ["age", "purity"],
    })
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["disclosure"] == "controlled" and out["freeze"] == "DR-PLANTED"
    assert isinstance(out["fisher_p"], float), out["fisher_p"]  # not withheld
    assert out["fisher_p"] < 0.01 and out["odds_ratio"]["ci_high"] < 1
    kras, wild_type = out["orr"]
    assert kras["group"] == "biomarker positive" and kras["orr"] < wild_type["orr"]
