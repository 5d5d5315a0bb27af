"""Problems found in input files, each with where it is and what to do about it.

A reader collects every problem of a file (up to a cap) before giving up, so a data
manager fixes a file in one pass rather than one error per run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_PROBLEMS = 200


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    column: str | None
    message: str
    hint: str = ""
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.column:
            where += f": column {self.column}"
        text = f"{where}: {self.severity}: {self.message}"
        return f"{text} — {self.hint}" if self.hint else text


@dataclass
class Problems:
    """A collector shared by the readers of one ingest.

    Errors and warnings are capped separately, so a flood of warnings (say 10,000
    unmapped drug names) can never push an error out of sight or let a bad file load.
    """

    cap: int = MAX_PROBLEMS
    items: list[Problem] = field(default_factory=list)
    dropped: int = 0
    warnings_dropped: int = 0
    # file → the columns its reader looked at: what a file holds beyond these was not read,
    # which the hmftools ingest reports as "not stored" rather than dropping it silently.
    columns_read: dict[str, set[str]] = field(default_factory=dict)

    def read_column(self, file: str, column: str) -> None:
        self.columns_read.setdefault(str(file), set()).add(column)

    def add(self, problem: Problem) -> None:
        kept = sum(1 for p in self.items if p.severity == problem.severity) if len(self.items) >= self.cap else 0
        if kept < self.cap:
            self.items.append(problem)
        elif problem.severity == "error":
            self.dropped += 1
        else:
            self.warnings_dropped += 1

    def error(self, file: str, line: int | None, column: str | None, message: str, hint: str = "") -> None:
        self.add(Problem(str(file), line, column, message, hint, "error"))

    def warning(self, file: str, line: int | None, column: str | None, message: str, hint: str = "") -> None:
        self.add(Problem(str(file), line, column, message, hint, "warning"))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "warning"]

    @property
    def full(self) -> bool:
        """True once the error cap is reached: readers may stop looking for more."""
        return self.dropped > 0 or len(self.errors) >= self.cap

    def raise_if_errors(self) -> None:
        if self.errors or self.dropped:
            raise IngestError(self.errors, self.dropped)


class IngestError(Exception):
    """The input is invalid; nothing was loaded. `problems` lists every problem found."""

    def __init__(self, problems: list[Problem], dropped: int = 0) -> None:
        self.problems = problems
        self.dropped = dropped
        more = f"\n... and {dropped} more problem(s) not shown" if dropped else ""
        n = len(problems) + dropped
        super().__init__(f"{n} problem(s); nothing was loaded:\n" + "\n".join(str(p) for p in problems) + more)
