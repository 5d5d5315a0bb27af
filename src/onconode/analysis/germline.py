"""Whose germline (inherited) data may be used: the one rule, for analyses and releases.

Germline variants identify a person and their relatives, so a patient's germline rows are
counted or released only when the patient consented to it: the GA4GH DUO term
DUO:0000038 "genetic research" (model.codes.GERMLINE_CONSENT) in the patient's own
consent rows or, for a patient without consent rows of their own, in the dataset's
consent (the same precedence access/duo.py applies to every consent). The release side
additionally needs the germline data item approved by name (access/items.py).
"""

from __future__ import annotations

import ibis.expr.types as ir

from onconode.analysis.snapshot import Snapshot
from onconode.model.codes import GERMLINE_CONSENT

# Cancer predisposition genes whose pathogenic germline variants a cohort can select by
# default: the hereditary-cancer genes of the ACMG secondary-findings list (v3.2) and of
# Hartwig's germline reporting panel (BRCA1/2, Lynch syndrome, ...).
PREDISPOSITION_GENES: tuple[str, ...] = (
    "APC", "ATM", "BAP1", "BARD1", "BMPR1A", "BRCA1", "BRCA2", "BRIP1", "CDH1", "CDK4", "CDKN2A", "CHEK2", "DICER1",
    "EPCAM", "FH", "FLCN", "MAX", "MEN1", "MET", "MLH1", "MSH2", "MSH6", "MUTYH", "NBN", "NF1", "NF2", "PALB2", "PMS2",
    "POLD1", "POLE", "PTCH1", "PTEN", "RAD51C", "RAD51D", "RB1", "RET", "SDHA", "SDHAF2", "SDHB", "SDHC", "SDHD", "SMAD4",
    "SMARCB1", "STK11", "SUFU", "TMEM127", "TP53", "TSC1", "TSC2", "VHL", "WT1",
)
_IN_LIST = r"(^|,)\s*" + GERMLINE_CONSENT + r"\s*(=[^,]*)?\s*(,|$)"


def consented_patients(snap: Snapshot) -> ir.Table:
    """(patient_id) of every patient whose consent permits germline use."""
    consent = snap.table("consent")
    patient = snap.table("patient").select("patient_id", "dataset_id")
    own = consent.filter(consent.duo_code == GERMLINE_CONSENT).select("patient_id")
    with_rows = consent.select("patient_id").distinct()
    dataset = snap.table("dataset")
    datasets = dataset.filter(dataset.consent_duo.fill_null("").re_search(_IN_LIST)).select("dataset_id")
    by_dataset = patient.anti_join(with_rows, "patient_id").semi_join(datasets, "dataset_id").select("patient_id")
    return own.union(by_dataset).distinct()


def consented_samples(snap: Snapshot) -> ir.Table:
    """(sample_id) of the samples of `consented_patients`."""
    s = snap.table("sample").select("sample_id", "patient_id")
    return s.semi_join(consented_patients(snap), "patient_id").select("sample_id")


def pathogenic_carriers(snap: Snapshot, genes: list[str] | None = None) -> ir.Table:
    """(sample_id, gene) of consented samples carrying a PASS pathogenic / likely pathogenic
    germline variant in `genes` (default: the cancer predisposition genes)."""
    v = snap.table("germline_variant")
    wanted = [g.upper() for g in (genes or PREDISPOSITION_GENES)]
    v = v.filter(v.pathogenic == True, v["filter"] == "PASS", v.gene.upper().isin(wanted))  # noqa: E712 (SQL)
    return v.semi_join(consented_samples(snap), "sample_id").select("sample_id", gene=v.gene.upper()).distinct()
