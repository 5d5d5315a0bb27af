"""A small, deterministic cohort written through the store API.

Store tests need data that does not depend on any reader, so they build model rows here
and load them with `store.transaction(...).replace(...)`, exactly as readers do.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from onconode.ingest.values import to_arrow
from onconode.model import TABLES_BY_NAME
from onconode.store import Store

LOCATIONS = ("Lung", "Breast", "Skin", "Colorectum")
GENES = ("BRAF", "KRAS", "TP53", "EGFR", "PIK3CA")
EFFECTS = ("MISSENSE", "NONSENSE_OR_FRAMESHIFT", "SYNONYMOUS", "SPLICE", "NONE")
DRUGS = (  # drug, type, mechanism
    ("Dabrafenib", "Targeted therapy", "BRAF inhibitor"),
    ("Osimertinib", "Targeted therapy", "EGFR inhibitor"),
    ("Pembrolizumab", "Immunotherapy", "Anti-PD-1"),
    ("Carboplatin", "Chemotherapy", "Platinum"),
)
CHROMOSOMES = ("1", "7", "12", "17", "X")


def arrow(table: str, rows: Iterable[dict[str, Any]]) -> pa.Table:
    return to_arrow(TABLES_BY_NAME[table], rows)


def patient_rows(pid: str, i: int) -> dict[str, list[dict[str, Any]]]:
    """Clinical and genomic rows of one patient with one tumour sample `<pid>T`."""
    rng = random.Random(i)
    sid = f"{pid}T"
    location = LOCATIONS[i % len(LOCATIONS)]
    drug, dtype, mechanism = DRUGS[(i // len(LOCATIONS)) % len(DRUGS)]
    tid = f"{pid}-L1"
    variants = []
    for k in range(5 + i % 7):
        variants.append({
            "sample_id": sid, "chromosome": CHROMOSOMES[k % len(CHROMOSOMES)], "position": 1000 * (k + 1) + i,
            "ref": "C", "alt": "T", "type": "SNP",
            "filter": None if k == 2 else "PASS" if k % 4 else ("PASS" if i % 3 else "LowQual"),
            "default_filtered": k == 3 and i % 2 == 1,
            "gene": GENES[(i + k) % len(GENES)], "coding_effect": EFFECTS[(i * k + k) % len(EFFECTS)],
            "vaf": round(rng.uniform(0.05, 0.8), 3), "total_read_count": 40 + k,
        })
    drivers = [{"sample_id": sid, "gene": "EGFR", "transcript": "ENST00000275493", "driver": "AMP",
                "driver_likelihood": 1.0}] if i % 5 == 0 else []
    return {
        "patient": [{"patient_id": pid, "dataset_id": "DS1", "sex": ("male", "female")[i % 2], "birth_year": 1950 + i,
                     "hospital_code": f"H{i % 3 + 1}", "registration_date": dt.date(2024, 1 + i % 12, 1)}],
        "consent": [{"patient_id": pid, "duo_code": "DUO:0000042"}],
        "sample": [{"sample_id": sid, "patient_id": pid, "primary_tumor_location": location,
                    "primary_tumor_curated": True, "arrival_date": dt.date(2024, 1 + i % 12, 15)}],
        "tumor_profile": [{"sample_id": sid, "ref_genome": "GRCh38", "purity": round(0.2 + (i % 8) / 10, 2),
                           "tmb_per_mb": round(rng.uniform(0.5, 30), 3), "qc_status": "PASS", "mean_depth": 90.0 + i,
                           "profiled": "cna" if i % 10 == 0 else "mutations,cna" if i % 9 == 0 else None}],
        "treatment": [{"treatment_id": tid, "patient_id": pid, "sample_id": sid, "line": 1,
                       "start_date": dt.date(2024, 3, 1), "regimen": drug, "type": dtype, "mechanism": mechanism}],
        "treatment_drug": [{"treatment_id": tid, "patient_id": pid, "drug": drug, "type": dtype,
                            "mechanism": mechanism, "curated": True}],
        "somatic_variant": variants,
        "driver": drivers,
    }


def cohort_rows(n: int, first: int = 1) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for i in range(first, first + n):
        for table, rows in patient_rows(f"P{i:03d}", i).items():
            out.setdefault(table, []).extend(rows)
    return out


def ingest(store: Store, rows: dict[str, list[dict[str, Any]]], source: str = "test") -> int:
    """Load `rows` in one transaction, each patient's / sample's rows replacing old ones."""
    with store.transaction(source, f"{source} ingest") as tx:
        for table, table_rows in rows.items():
            owner = TABLES_BY_NAME[table].owner
            tx.replace(table, arrow(table, table_rows), owners=[r[owner] for r in table_rows])
    return tx.version


def ingest_cohort(store: Store, n: int = 36, first: int = 1) -> int:
    return ingest(store, cohort_rows(n, first))
