"""The synthetic cohort's planted biomarker effects (docs/synthetic-cohort.md): the
response rates an analysis observes are the ones the guide documents, and the effects
come out significant for a researcher without a licence — through the disclosure gate,
as the portal will show them. 2,000 patients, a few variants per sample."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from scipy.stats import binomtest

from onconode.analysis import cohort as cohorts
from onconode.analysis import service
from onconode.analysis.disclosure import Gate
from onconode.analysis.response import biomarker_response
from onconode.store import Store
from onconode.synth import load_cohort
from onconode.synth.effects import EFFECTS

USER = "researcher@example.org"


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    home = tmp_path_factory.mktemp("planted") / "node"
    store = Store.init(home)
    load_cohort(store, patients=2000, seed=7, median_variants=20)
    yield store, Gate.for_home(home)
    store.close()


GUIDE = Path(__file__).resolve().parents[2] / "docs" / "synthetic-cohort.md"
# Each effect's analysis as docs/synthetic-cohort.md describes it: cohort, treatment, biomarker.
ANALYSES = {
    "kras_anti_egfr_resistance": ({"op": "tumour_type", "doids": ["9256"]}, {"mechanism": "Anti-EGFR"},
                                  {"op": "gene_altered", "gene": "KRAS", "alteration": "mutation", "hotspot": True}),
    "braf_v600e_braf_inhibitor": ({"op": "tumour_type", "doids": ["1909", "9256"]}, {"mechanism": "BRAF inhibitor"},
                                  {"op": "gene_altered", "gene": "BRAF", "alteration": "mutation", "protein_change": "V600E"}),
    "msi_checkpoint": ({"op": "all"}, {"mechanism": "Anti-PD-1"}, {"op": "msi", "status": ["MSI"]}),
    "tmb_high_checkpoint": ({"op": "all"}, {"mechanism": "Anti-PD-1"}, {"op": "tmb", "status": "HIGH"}),
    "hrd_parp": ({"op": "all"}, {"mechanism": "PARP inhibitor"}, {"op": "hrd", "status": ["HR_DEFICIENT"]}),
    "egfr_tki": ({"op": "tumour_type", "doids": ["3908"]}, {"mechanism": "EGFR TKI"},
                 {"op": "gene_altered", "gene": "EGFR", "alteration": "mutation", "hotspot": True}),
}


def documented_rates() -> dict[str, tuple[float, float]]:
    """The guide's table "What an analysis observes": effect -> expected ORR (positive, negative)."""
    text = GUIDE.read_text(encoding="utf-8").split("### What an analysis observes", 1)[1]
    rows = re.findall(r"^\| `(\w+)` \|[^|]*\| (\d+) % \| (\d+) % \|", text, flags=re.M)
    return {name: (int(pos) / 100, int(neg) / 100) for name, pos, neg in rows}


def test_the_guide_documents_an_observed_rate_for_every_planted_effect():
    assert set(documented_rates()) == {e.name for e in EFFECTS} == set(ANALYSES)


def test_observed_response_rates_match_the_documented_ones(node):
    """The tolerance the guide states: each observed rate lies in the central 99.9 % of the
    binomial distribution of its documented rate for its number of evaluable patients, and
    so do all responders together (a z-test on their sum, |z| < 3.29). Before responders
    were recorded as such, every rate came out at ~0.77x the planted one (z ~ -6 here)."""
    store, _ = node
    snap = store.snapshot()
    documented = documented_rates()
    observed = expected = variance = 0.0
    for effect, (cohort, treatment, biomarker) in sorted(ANALYSES.items()):
        out = biomarker_response(snap, cohorts.evaluate(snap, cohort), treatment, cohorts.evaluate(snap, biomarker),
                                 covariates=[])
        for group, rate in zip(out.orr, documented[effect]):
            k, n = group["responders"], group["evaluable"]
            assert n >= 5, (effect, group)
            p = binomtest(k, n, rate).pvalue
            assert p >= 0.001, (effect, group["group"], f"{k}/{n}", rate, p)
            observed, expected, variance = observed + k, expected + n * rate, variance + n * rate * (1 - rate)
    z = (observed - expected) / variance ** 0.5
    assert abs(z) < 3.29, (observed, expected, z)


def response(node, cohort, treatment, biomarker):
    store, gate = node
    return service.biomarker_response(gate, USER, store.snapshot(), cohort, treatment, biomarker, covariates=["age", "purity"])


def licensed_response(node, cohort, treatment, biomarker):
    store, _ = node
    licensed = Gate.for_home(store.home, licensed_scope=lambda user, snap: set(
        snap.table("patient").select("patient_id").to_pyarrow()["patient_id"].to_pylist()))
    out = service.biomarker_response(licensed, "licensee", store.snapshot(), cohort, treatment, biomarker, covariates=["age", "purity"])
    assert out["disclosure"].startswith("exact")
    return out


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
    """MSI tumours are few (a few dozen treated): the public view shows the direction, but
    its cells carry the disclosure noise, so whether its Fisher p falls below 0.05 depends
    on the node's record keys; the significance is asserted where a licence makes it exact."""
    everyone = {"op": "all"}
    msi = shown(response(node, everyone, {"mechanism": "Anti-PD-1"}, {"op": "msi", "status": ["MSI"]}))
    tmb = shown(response(node, everyone, {"mechanism": "Anti-PD-1"}, {"op": "tmb", "status": "HIGH"}))
    assert msi["odds_ratio"]["odds_ratio"] > 1
    exact = licensed_response(node, everyone, {"mechanism": "Anti-PD-1"}, {"op": "msi", "status": ["MSI"]})
    assert exact["fisher_p"] < 0.05 and exact["odds_ratio"]["odds_ratio"] > 1
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
    out = licensed_response(node, everyone, parp, hrd)
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
