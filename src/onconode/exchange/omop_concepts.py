"""The shipped OMOP concept table (`data/omop/concepts.tsv`, sources per row in SOURCE.md):
which OMOP concept id stands for each code the export writes.

Why a table and not constants in code: the mapping is data a node operator reviews,
extends (a row per newly found concept) and cites; the exporter asks it `(group, code)`
and writes concept 0 with the source value when it has no answer, so a missing row shows
up in the export report instead of as a wrong concept.

The same rows also give the minimal CONCEPT / VOCABULARY / DOMAIN / CONCEPT_CLASS tables
that let the CDM's foreign keys hold in a database without Athena's vocabularies (tests,
first look at an export). With Athena loaded, its tables replace these.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

TABLE = "omop/concepts.tsv"
VOCABULARY_VALID = ("1970-01-01", "2099-12-31")


@dataclass(frozen=True)
class Concept:
    """One OMOP concept as the shipped table gives it."""

    concept_id: int
    name: str
    domain: str
    vocabulary: str
    concept_class: str
    standard: str
    code: str


@dataclass(frozen=True)
class ConceptMap:
    """`(group, code)` → Concept, e.g. `("drug", "Paclitaxel")` → RxNorm ingredient 1378382."""

    rows: dict[tuple[str, str], Concept]

    def get(self, group: str, code: str | None) -> Concept | None:
        return None if code is None else self.rows.get((group, code))

    def id(self, group: str, code: str) -> int:
        """The concept id of a code the export cannot do without (type, field, episode
        kind); a missing row is a broken shipped table, so it raises."""
        c = self.get(group, code)
        if c is None:
            raise KeyError(f"data/{TABLE} has no row ({group}, {code}); restore it from the package")
        return c.concept_id

    def concepts(self) -> list[Concept]:
        """Each concept once, by id."""
        return sorted({c.concept_id: c for c in self.rows.values()}.values(), key=lambda c: c.concept_id)


@cache
def shipped() -> ConceptMap:
    text = resources.files("onconode.data").joinpath(TABLE).read_text(encoding="utf-8")
    rows: dict[tuple[str, str], Concept] = {}
    for r in csv.DictReader(io.StringIO(text), delimiter="\t"):
        key = (r["group"], r["code"])
        if key in rows:
            raise ValueError(f"data/{TABLE}: ({r['group']}, {r['code']}) appears twice; keep one row")
        rows[key] = Concept(int(r["concept_id"]), r["concept_name"], r["domain_id"], r["vocabulary_id"],
                            r["concept_class_id"], r["standard_concept"], r["concept_code"])
    return ConceptMap(rows)


def vocabulary_tables(concepts: ConceptMap | None = None) -> dict[str, list[dict[str, Any]]]:
    """Minimal rows of the four vocabulary tables the CDM constraints reference, built from
    the shipped concepts: every concept used, and each vocabulary, domain and class they
    name (pointing at concept 0, 'No matching concept', as their own concept)."""
    cm = concepts or shipped()
    start, end = VOCABULARY_VALID
    concept_rows = [{"concept_id": c.concept_id, "concept_name": c.name, "domain_id": c.domain,
                     "vocabulary_id": c.vocabulary, "concept_class_id": c.concept_class,
                     "standard_concept": c.standard or None, "concept_code": c.code,
                     "valid_start_date": start, "valid_end_date": end, "invalid_reason": None}
                    for c in cm.concepts()]
    vocabularies = sorted({c.vocabulary for c in cm.concepts()})
    domains = sorted({c.domain for c in cm.concepts()})
    classes = sorted({c.concept_class for c in cm.concepts()})
    return {
        "concept": concept_rows,
        "vocabulary": [{"vocabulary_id": v, "vocabulary_name": v, "vocabulary_reference": "onconode data/omop/concepts.tsv",
                        "vocabulary_version": None, "vocabulary_concept_id": 0} for v in vocabularies],
        "domain": [{"domain_id": d, "domain_name": d, "domain_concept_id": 0} for d in domains],
        "concept_class": [{"concept_class_id": k, "concept_class_name": k, "concept_class_concept_id": 0} for k in classes],
    }
