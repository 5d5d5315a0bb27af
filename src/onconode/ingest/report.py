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
    # Columns read but not stored: {"file", "column", "reason"} each, so nothing is dropped unsaid.
    not_stored: list[dict[str, str]] = field(default_factory=list)
    # WiGiTS output files found beside the sample's but read by no reader.
    files_not_read: list[str] = field(default_factory=list)
    # File → the tool versions whose layout it matches exactly.
    layouts: dict[str, list[str]] = field(default_factory=dict)
    # Samples this ingest registered (sample rows with their patient), and those still without clinical data.
    registered: list[str] = field(default_factory=list)
    unregistered: list[str] = field(default_factory=list)
    without_clinical: list[str] = field(default_factory=list)

    def notes(self) -> list[str]:
        """Lines a data manager reads after the row counts: what was not stored, and registration."""
        lines = []
        by_reason: dict[tuple[str, str], list[str]] = {}
        for item in self.not_stored:
            by_reason.setdefault((item["file"], item["reason"]), []).append(item["column"])
        for (file, reason), columns in by_reason.items():
            lines.append(f"not stored: {file}: {', '.join(columns)} ({reason})")
        if self.files_not_read:
            lines.append(f"files not read ({len(self.files_not_read)}; onconode has no reader for them): "
                         + ", ".join(self.files_not_read))
        if self.registered:
            lines.append(f"registered {len(self.registered)} sample(s) so they are analysable now: {', '.join(self.registered)}")
        if self.unregistered:
            lines.append(f"not registered ({len(self.unregistered)}): {', '.join(self.unregistered)}: no sample sheet row and no "
                         "stored clinical record names their patient, so cohorts cannot see them until the clinical data "
                         "arrives (or ingest again with --sample-sheet)")
        if self.without_clinical:
            lines.append(f"{len(self.without_clinical)} sample(s) still lack clinical data: {', '.join(self.without_clinical)}")
        return lines

    def to_json(self) -> dict:
        return {
            "source": self.source, "version": self.version, "rows": self.rows,
            "samples": self.samples, "patients": self.patients,
            "not_stored": self.not_stored, "files_not_read": self.files_not_read, "layouts": self.layouts,
            "registered": self.registered, "unregistered": self.unregistered, "without_clinical": self.without_clinical,
            "warnings": self.warnings + [str(p) for p in self.problems],
        }
