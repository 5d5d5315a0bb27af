"""Cohort criteria and summary charts on CUPPA, HLA, viruses, signatures, germline
pathogenic variants (consenting patients only) and expression: each criterion selects
exactly the samples plain Python finds in the rows, and the charts pass the disclosure
gate like every other count."""

from __future__ import annotations

import random

import pytest

from onconode.analysis import cohort as cohorts
from onconode.analysis import summary
from onconode.analysis.disclosure import Gate
from onconode.ingest.values import to_arrow
from onconode.model import TABLES_BY_NAME
from onconode.model.codes import GERMLINE_CONSENT
from onconode.store import Store
from onconode.synth import load_cohort

TYPES = ["Skin: Melanoma", "Lung: Non-small cell", "Breast", "Colorectum/Small intestine/Appendix"]
ALLELES = ["A*01:01", "A*02:01", "A*03:01", "B*07:02", "B*08:01", "C*07:01"]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """120 synthetic patients; each sample gets CUPPA, HLA, virus, signature, germline and
    expression rows drawn from a seeded generator (kept here as the truth)."""
    store = Store.init(tmp_path_factory.mktemp("tools") / "node")
    load_cohort(store, patients=120, seed=7, median_variants=5, workers=1)
    rng = random.Random(1)
    pairs = store.con.execute("SELECT sample_id, patient_id FROM sample ORDER BY sample_id").fetchall()
    truth: dict[str, dict] = {}
    tables: dict[str, list[dict]] = {k: [] for k in ("cuppa_prediction", "hla_allele", "virus", "signature_allocation",
                                                      "germline_variant", "gene_expression")}
    for sid, pid in pairs:
        t = truth[sid] = {"patient": pid}
        probs = sorted(((rng.random(), c) for c in TYPES), reverse=True)
        total = sum(p for p, _ in probs)
        classifier = "combined" if rng.random() < 0.5 else "dna_combined"
        for rank, (p, c) in enumerate(probs, start=1):
            tables["cuppa_prediction"].append({"sample_id": sid, "classifier": classifier, "cancer_type": c,
                                               "probability": p / total, "rank": rank})
            # a less preferred classifier with another answer: never the sample's top prediction
            tables["cuppa_prediction"].append({"sample_id": sid, "classifier": "snv96", "cancer_type": c,
                                               "probability": 0.25, "rank": 1 + (rank % len(TYPES))})
        t["cuppa"] = (probs[0][1], probs[0][0] / total)
        t["alleles"] = {}
        for gene, choices in (("HLA-A", ALLELES[:3]), ("HLA-B", ALLELES[3:5]), ("HLA-C", ALLELES[5:])):
            for i in (1, 2):
                a, cn = rng.choice(choices), rng.choice([0.0, 1.0, 2.0])
                tables["hla_allele"].append({"sample_id": sid, "gene": gene, "allele_index": i, "allele": a, "tumor_copy_number": cn})
                t["alleles"].setdefault(a, []).append(cn)
        t["virus"] = None
        if rng.random() < 0.3:
            kind, integ = rng.choice(["HPV", "HBV", "EBV"]), rng.randint(0, 2)
            tables["virus"].append({"sample_id": sid, "taxid": 1000, "name": kind, "interpretation": kind, "integrations": integ,
                                    "integrated": integ > 0, "blacklisted": False, "driver_likelihood": "HIGH"})
            t["virus"] = (kind, integ > 0)
        t["sig7"] = rng.random()
        tables["signature_allocation"].append({"sample_id": sid, "signature": "Sig7", "percent": t["sig7"], "allocation": 1000 * t["sig7"]})
        t["brca2"] = rng.random() < 0.3
        if t["brca2"]:
            tables["germline_variant"].append({"sample_id": sid, "chromosome": "13", "position": 32914438, "ref": "T", "alt": "TG",
                                               "gene": "BRCA2", "filter": "PASS", "pathogenicity": "PATHOGENIC", "pathogenic": True})
        t["erbb2"] = rng.uniform(0, 300)
        tables["gene_expression"].append({"sample_id": sid, "gene_id": "ENSG00000141736", "gene": "ERBB2", "adjusted_tpm": t["erbb2"]})
    patients = sorted({p for _, p in pairs})
    consenting = set(patients[::2])
    consent = [{k: v for k, v in r.items() if not k.startswith("_")} for r in store.con.sql("SELECT * FROM consent").to_arrow_table().to_pylist()
               if r["duo_code"] != GERMLINE_CONSENT]   # the test decides who consents to germline use, not synth
    consent += [{"patient_id": p, "duo_code": GERMLINE_CONSENT} for p in sorted(consenting)]
    with store.transaction("test", "tool rows") as tx:
        tx.replace("consent", to_arrow(TABLES_BY_NAME["consent"], consent), owners=patients)
        for name, rows in tables.items():
            tx.replace(name, to_arrow(TABLES_BY_NAME[name], rows), owners=[s for s, _ in pairs])
    yield store, truth, consenting
    store.close()


def selected(store, definition) -> set[str]:
    return set(cohorts.evaluate(store.snapshot(), definition).sample_ids)


def test_cuppa_top_prediction_and_likelihood(world):
    store, truth, _ = world
    got = selected(store, {"op": "cuppa", "cancer_types": ["Skin: Melanoma"], "min_likelihood": 0.3})
    assert got == {s for s, t in truth.items() if t["cuppa"][0] == "Skin: Melanoma" and t["cuppa"][1] >= 0.3}
    assert got and selected(store, {"op": "cuppa", "max_likelihood": 0.3}) == {s for s, t in truth.items() if t["cuppa"][1] <= 0.3}


def test_hla_alleles_and_their_loss_in_the_tumour(world):
    store, truth, _ = world
    assert selected(store, {"op": "hla_allele", "alleles": ["A*02:01"]}) == {s for s, t in truth.items() if "A*02:01" in t["alleles"]}
    assert selected(store, {"op": "hla_allele", "alleles": ["HLA-B*07"]}) == {s for s, t in truth.items() if "B*07:02" in t["alleles"]}
    lost = selected(store, {"op": "hla_allele", "alleles": ["C*07:01"], "lost_in_tumour": True})
    assert lost == {s for s, t in truth.items() if 0.0 in t["alleles"].get("C*07:01", [])}


def test_virus_presence_and_integration(world):
    store, truth, _ = world
    got = selected(store, {"op": "virus", "types": ["HPV"], "integrated": True})
    assert got == {s for s, t in truth.items() if t["virus"] == ("HPV", True)}
    assert selected(store, {"op": "not", "arg": {"op": "virus", "integrated": False}}) == \
        {s for s, t in truth.items() if not (t["virus"] and t["virus"][1] is False)}


def test_signature_contribution(world):
    store, truth, _ = world
    assert selected(store, {"op": "signature", "signature": "sig7", "min_percent": 0.6}) == {s for s, t in truth.items() if t["sig7"] >= 0.6}


def test_germline_pathogenic_counts_only_consenting_patients(world):
    store, truth, consenting = world
    got = selected(store, {"op": "germline_pathogenic", "genes": ["BRCA2"]})
    carriers = {s for s, t in truth.items() if t["brca2"]}
    assert got == {s for s in carriers if truth[s]["patient"] in consenting}
    assert carriers - got, "carriers without germline consent exist and are never selected"
    assert selected(store, {"op": "germline_pathogenic"}) == got   # BRCA2 is a predisposition gene


def test_expression_above_and_below_a_threshold(world):
    store, truth, _ = world
    assert selected(store, {"op": "expression", "gene": "erbb2", "above": 100, "below": 200}) == \
        {s for s, t in truth.items() if 100 < t["erbb2"] < 200}


def test_tool_criteria_are_validated_with_their_place_in_the_tree():
    with pytest.raises(cohorts.CohortError, match=r"args\[1\]: give min_percent or min_allocation"):
        cohorts.parse({"op": "and", "args": [{"op": "all"}, {"op": "signature", "signature": "Sig7"}]})
    with pytest.raises(cohorts.CohortError, match="above .* must be less than below"):
        cohorts.parse({"op": "expression", "gene": "ERBB2", "above": 10, "below": 5})


def test_summary_charts_count_each_tool_and_pass_the_disclosure_gate(world, tmp_path):
    store, truth, consenting = world
    snap = store.snapshot()
    everyone = cohorts.evaluate(snap, {"op": "all"})
    s = summary.summarise(snap, everyone)
    exact = s.exact()
    top = {}
    for t in truth.values():
        top[t["cuppa"][0]] = top.get(t["cuppa"][0], 0) + 1
    assert exact["counts"]["cuppa_top_prediction"] == dict(sorted(top.items(), key=lambda x: (-x[1], x[0])))
    assert exact["counts"]["hla_alleles"]["A*02:01"] == sum(1 for t in truth.values() if "A*02:01" in t["alleles"])
    assert exact["counts"]["viruses"]["HPV (integrated)"] == sum(1 for t in truth.values() if t["virus"] == ("HPV", True))
    assert exact["counts"]["signatures"]["Sig7"] == sum(1 for t in truth.values() if t["sig7"] >= 0.1)
    assert exact["counts"]["germline_pathogenic"] == {"BRCA2": sum(1 for t in truth.values() if t["brca2"] and t["patient"] in consenting)}
    assert exact["distributions"]["cuppa_top_likelihood"]["n"] == len(truth)
    out = Gate.for_home(tmp_path).release("eve", snap, s, {"all": everyone.patient_ids})
    for chart in ("cuppa_top_prediction", "hla_alleles", "viruses", "signatures", "germline_pathogenic"):
        assert out["counts"][chart].keys() == exact["counts"][chart].keys()
        for label, shown in out["counts"][chart].items():
            n = exact["counts"][chart][label]
            assert shown in ("<5", "withheld") or (abs(shown - n) <= 3 and shown >= 5)
    assert "min" not in out["distributions"]["cuppa_top_likelihood"]


def test_the_catalogue_lists_the_tool_data_types_per_dataset(world):
    from onconode.analysis import catalogue

    store, truth, _ = world
    snap = store.snapshot()
    (dataset,) = [d["dataset_id"] for d in catalogue.datasets(snap)]
    fig, _ = catalogue.figures(snap, dataset)
    counts = {k: len(ids) for k, (_, ids) in fig.data_types.items()}
    assert counts["tissue of origin (CUPPA)"] == counts["HLA type (LILAC)"] == counts["RNA expression (Isofox)"] == len(truth)
    assert counts["viruses (Virus Interpreter)"] == sum(1 for t in truth.values() if t["virus"])
    assert counts["germline small variants (consent and approval needed)"] == sum(1 for t in truth.values() if t["brca2"])
