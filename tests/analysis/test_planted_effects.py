"""The synthetic cohort's planted biomarker effects (docs/synthetic-cohort.md) come out
significant for a researcher without a licence — through the disclosure gate, as the
portal will show them. 2,000 patients, a few variants per sample."""

from __future__ import annotations

import pytest

from onconode.analysis import service
from onconode.analysis.disclosure import Gate
from onconode.store import Store
from onconode.synth import load_cohort

USER = "researcher@example.org"


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    home = tmp_path_factory.mktemp("planted") / "node"
    store = Store.init(home)
    load_cohort(store, patients=2000, seed=7, median_variants=20)
    yield store, Gate.for_home(home)
    store.close()


def response(node, cohort, treatment, biomarker):
    store, gate = node
    return service.biomarker_response(gate, USER, store.snapshot(), cohort, treatment, biomarker, covariates=["age", "purity"])


def shown(out: dict) -> dict:
    """The statistics a researcher sees; fails if disclosure control withheld them."""
    assert out["disclosure"] == "controlled"
    assert isinstance(out["fisher_p"], float), out["fisher_p"]
    return out


def test_kras_mutant_colorectal_cancer_does_not_respond_to_anti_egfr(node):
    crc = {"op": "tumour_type", "doids": ["9256"]}
    kras = {"op": "gene_altered", "gene": "KRAS", "alteration": "mutation", "hotspot": True}
    out = shown(response(node, crc, {"mechanism": "Anti-EGFR"}, kras))
    assert out["fisher_p"] < 0.01 and out["odds_ratio"]["ci_high"] < 1
    assert out["orr"][0]["orr"] < out["orr"][1]["orr"]


def test_braf_v600e_melanoma_responds_to_braf_inhibitors(node):
    melanoma = {"op": "tumour_type", "doids": ["1909"]}
    v600e = {"op": "gene_altered", "gene": "BRAF", "alteration": "mutation", "protein_change": "V600E"}
    out = shown(response(node, melanoma, {"mechanism": "BRAF inhibitor"}, v600e))
    assert out["fisher_p"] < 0.01 and out["odds_ratio"]["ci_low"] > 1
    assert out["orr"][0]["orr"] > 0.4 > out["orr"][1]["orr"]


def test_msi_and_tmb_high_tumours_respond_to_checkpoint_inhibitors(node):
    everyone = {"op": "all"}
    msi = shown(response(node, everyone, {"mechanism": "Anti-PD-1"}, {"op": "msi", "status": ["MSI"]}))
    tmb = shown(response(node, everyone, {"mechanism": "Anti-PD-1"}, {"op": "tmb", "status": "HIGH"}))
    assert msi["fisher_p"] < 0.05 and msi["odds_ratio"]["odds_ratio"] > 1
    assert tmb["fisher_p"] < 0.001 and tmb["odds_ratio"]["ci_low"] > 1
    biomarker = [t for t in tmb["regression"]["terms"] if t["term"] == "biomarker"][0]
    assert biomarker["p"] < 0.001 and biomarker["odds_ratio"] > 1  # adjusted for age and purity


def test_hr_deficient_tumours_respond_to_parp_inhibitors(node):
    """Off-label PARP use without HRD is rare (a handful of patients at this size), so the
    unlicensed view hides the whole 2 × 2 table (one small cell and the margins would give
    it away); a researcher whose approved access covers the dataset sees the finding."""
    store, _ = node
    everyone, parp, hrd = {"op": "all"}, {"mechanism": "PARP inhibitor"}, {"op": "hrd", "status": ["HR_DEFICIENT"]}
    public = response(node, everyone, parp, hrd)
    if any(isinstance(c, str) for row in public["table"] for c in row):
        assert str(public["fisher_p"]).startswith("withheld")
    licensed = Gate.for_home(store.home, licensed_scope=lambda user, snap: set(
        snap.table("patient").select("patient_id").to_pyarrow()["patient_id"].to_pylist()))
    out = service.biomarker_response(licensed, "licensee", store.snapshot(), everyone, parp, hrd, covariates=["age", "purity"])
    assert out["disclosure"].startswith("exact")
    assert out["fisher_p"] < 0.001 and out["odds_ratio"]["ci_low"] > 1
    assert out["orr"][0]["orr"] > 0.4 > out["orr"][1]["orr"]


def test_kras_mutant_patients_on_anti_egfr_die_sooner_direction(node):
    """The planted death hazard ratio (1.5) shows in the Cox model's direction; at this
    size it is not significant, so only the direction is asserted."""
    store, gate = node
    treated_crc = {"op": "and", "args": [{"op": "tumour_type", "doids": ["9256"]}, {"op": "treatment", "mechanism": "Anti-EGFR"}]}
    kras = {"op": "and", "args": [treated_crc, {"op": "gene_altered", "gene": "KRAS", "alteration": "mutation", "hotspot": True}]}
    out = service.survival(gate, USER, store.snapshot(), {"KRAS mutant": kras, "KRAS wild-type": treated_crc}, "os")
    hr = out["cox"]["terms"][0]
    assert hr["term"] == "group[KRAS wild-type]" and hr["hazard_ratio"] < 1
    assert all(s["at_risk"] >= 5 for c in out["curves"] for s in c["steps"])   # events are perturbed: at risk stays ≥ 5
