"""The GA4GH Data Use Ontology's terms: the code list datasets and patients carry as
consent (`consent_duo`), read from the package's copy of DUO (data/duo/duo_terms.tsv).

Matching a request's purpose against these codes is governance (access/duo.py); the
catalogue shows them with their labels (analysis/catalogue.py). Both read the list here.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Term:
    id: str
    shorthand: str
    label: str
    category: str
    parents: tuple[str, ...]
    obsolete: bool


@lru_cache(maxsize=1)
def terms() -> dict[str, Term]:
    text = resources.files("onconode.data").joinpath("duo/duo_terms.tsv").read_text(encoding="utf-8")
    out = {}
    for r in csv.DictReader(text.splitlines(), delimiter="\t"):
        out[r["id"]] = Term(r["id"], r["shorthand"], r["label"], r["category"], tuple(p for p in r["parents"].split("|") if p), r["obsolete"] == "true")
    return out
