"""The five benchmark questions of `analysis_scale.py`, asked of onconode.

Every question goes through `onconode.analysis.service` — cohort evaluation, the
analysis, and `Gate.release` — with a licensed scope covering every patient of the
store, so the gate takes the *exact* path (what a researcher with an approved data
access request sees). `pg_queries.py` asks the same questions of PostgreSQL.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Callable

from onconode.analysis import service
from onconode.analysis.disclosure import DisclosureSettings, Gate
from onconode.analysis.doid import descendants
from onconode.analysis.cellkey import RecordKeys

USER = "benchmark@onconode.example"
CRC_DOID = "9256"   # colorectal cancer, with its descendants
RAS_RAF = ["KRAS", "NRAS", "BRAF"]
ONCOPRINT_GENES = ["TP53", "KRAS", "APC", "PIK3CA", "CDKN2A", "MYC", "AR", "TERT", "SMAD4", "PTEN", "ERBB2", "ESR1",
                   "GATA3", "RB1", "CCND1", "BRAF", "CDH1", "KEAP1", "BRCA2", "FBXW7"]
COX_COVARIATES = ["age", "sex", "purity"]

CRC: dict[str, Any] = {"op": "tumour_type", "doids": [CRC_DOID]}
COUNT_DEFINITION: dict[str, Any] = {"op": "and", "args": [
    CRC,
    {"op": "or", "args": [{"op": "gene_altered", "gene": g, "alteration": "mutation"} for g in RAS_RAF]},
    {"op": "treatment", "mechanism": "Anti-EGFR"}]}
KRAS_GROUPS: dict[str, Any] = {"KRAS mutant": {"op": "gene_altered", "gene": "KRAS", "alteration": "mutation"},
                               "rest": {"op": "all"}}

QUESTIONS = {
    "frequency": "alteration frequency of every gene and kind (MUTATION, AMP, DEL, FUSION, DRIVER, ANY) in colorectal cancer",
    "count": "patients with colorectal cancer, a KRAS/NRAS/BRAF mutation and an anti-EGFR treatment",
    "compare": "KRAS-mutant vs the rest: any-alteration enrichment over every driver-catalogue gene + clinical attributes",
    "survival": "overall survival KRAS-mutant vs the rest: Kaplan-Meier, log-rank, Cox (group + age, sex, purity), left-truncated",
    "oncoprint": "OncoPrint of 20 driver genes in colorectal cancer",
}


def crc_doids() -> list[str]:
    return sorted(descendants(CRC_DOID))


def exact_gate(patients: set[str]) -> Gate:
    """A gate whose licensed scope covers `patients` (every patient of the store)."""
    home = Path(tempfile.mkdtemp(prefix="onconode-bench-keys-"))
    return Gate(DisclosureSettings(), RecordKeys.for_home(home), licensed_scope=lambda user, snap: patients)


def onconode_questions(gate: Gate, snap: Any, driver_genes: list[str]) -> dict[str, Callable[[], dict[str, Any]]]:
    """One zero-argument callable per question; each returns what the gate released."""
    return {
        "frequency": lambda: service.frequency(gate, USER, snap, CRC),
        "count": lambda: service.count(gate, USER, snap, COUNT_DEFINITION),
        "compare": lambda: service.compare(gate, USER, snap, KRAS_GROUPS, genes=driver_genes),
        "survival": lambda: service.survival(gate, USER, snap, KRAS_GROUPS, endpoint="os", cox_covariates=COX_COVARIATES),
        "oncoprint": lambda: service.oncoprint(gate, USER, snap, CRC, ONCOPRINT_GENES),
    }


def fingerprint(name: str, out: dict[str, Any]) -> dict[str, Any]:
    """A few figures of a result, printed next to PostgreSQL's so a reader sees that
    both systems answered the same question the same way."""
    if name == "frequency":
        top = [r for r in out["rows"] if r["kind"] == "MUTATION"][:3]
        return {"samples": out["samples"], "top_mutated": [(r["gene"], r["altered"]) for r in top]}
    if name == "count":
        return {"patients": out["patients"], "samples": out["samples"]}
    if name == "compare":
        kras = next(r for r in out["alterations"] if r["gene"] == "KRAS")
        return {"genes": len(out["alterations"]), "KRAS altered": kras["altered"], "KRAS profiled": kras["profiled"],
                "categorical_p": {c["attribute"]: round(c["p"], 9) for c in out["categorical"]}}
    if name == "survival":
        return {"patients": [c["patients"] for c in out["curves"]], "events": [c["events"] for c in out["curves"]],
                "cox_hr_group": round(out["cox"]["terms"][0]["hazard_ratio"], 4)}
    if name == "oncoprint":
        return {"samples": len(out["matrix"]),
                "altered_cells": sum(len(r["alterations"]) for r in out["matrix"])}
    raise KeyError(name)
