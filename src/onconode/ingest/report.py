"""What an ingest did: the version it made, rows per table, and warnings to act on."""

from __future__ import annotations

from dataclasses import dataclass, field

from onconode.ingest.problems import Problem


@dataclass
class IngestReport:
    source: str
    version: int = -1
    rows: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)
    patients: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "source": self.source, "version": self.version, "rows": self.rows,
            "samples": self.samples, "patients": self.patients,
            "warnings": self.warnings + [str(p) for p in self.problems],
        }
