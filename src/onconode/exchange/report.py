"""What an export wrote and what it could not express, so nothing is dropped silently."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ExportReport:
    """Counts per written file and, per reason, how many values the target model could not
    hold (e.g. "treatment_drug.drug: no OMOP concept for the drug name")."""

    format: str
    patients: int = 0
    # the time written into files that need one (the freeze's creation): the same freeze
    # exports to the same bytes, and a release rebuilt from it stays byte-identical
    as_of: dt.datetime | None = None
    files: Counter[str] = field(default_factory=Counter)
    not_expressed: Counter[str] = field(default_factory=Counter)

    def wrote(self, path: str, records: int = 1) -> None:
        self.files[path] += records

    def skip(self, what: str, why: str, count: int = 1) -> None:
        self.not_expressed[f"{what}: {why}"] += count

    def as_dict(self) -> dict[str, Any]:
        return {"format": self.format, "as_of": self.as_of.isoformat() if self.as_of else None, "patients": self.patients, "files": dict(sorted(self.files.items())),
                "not_expressed": dict(sorted(self.not_expressed.items()))}
