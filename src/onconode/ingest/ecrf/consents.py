"""`informed_consents.tsv`: which answers on which version of the patient information form
(PIF) mean the patient consented to the database and to use outside the EU, and what that
makes in DUO terms.

Hartwig's patient-db reads the same file (`ConsentConfigFactory`, used by the CPCT and
WIDE patient readers): one row per PIF version with the cohorts it applies to, then either
the answers directly (`inHMF`, `outsideEU`: a WIDE-style row) or, per consent question of
the form, the answer that consents and the answers the question allows (`PIF222` /
`PIF222Values` ...). A trailing empty cell may be left off, as the Java reader splits on
tabs. The questions are items of the CPCT `FRM.INFORMEDCONSENT` form; the form version is
item `AMCONS`.

In the model (DUO, as the access module reads it): consent to the database is general
research use (DUO:0000042) plus genetic research (DUO:0000038), because the database holds
the whole genome, germline included, and that is what the patient agreed to store;
consent to the database without consent to use outside the EU adds a geographical
restriction (DUO:0000022, modifier `EU`). A patient who did not consent to the database is
not loaded. A form version or an answer the file does not know is reported, and the
patient is loaded with the default consent only (general research use, no germline).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from onconode.ingest.ecrf.patients import Value
from onconode.ingest.problems import Problems
from onconode.ingest.tsv import open_text
from onconode.model.codes import GERMLINE_CONSENT

CONSENT_FILE = "informed_consents.tsv"
GENERAL_RESEARCH = "DUO:0000042"
GEOGRAPHICAL_RESTRICTION = "DUO:0000022"
EU = "EU"
ITEM_PREFIX = "FLD.INFORMEDCONSENT."
PIF_VERSION_ITEM = ITEM_PREFIX + "AMCONS"
# The consent questions of the CPCT form and what a consenting answer permits.
QUESTIONS = {"PIF222": "database", "PIF221": "outside_eu", "PIF26HMF": "database", "PIF26BUG": "outside_eu"}
QUESTION_ITEMS = tuple(ITEM_PREFIX + q for q in QUESTIONS)
YES, NO = {"yes", "ja", "y", "1", "true"}, {"no", "nee", "n", "0", "false"}
KNOWN_COLUMNS = ("PIF version", "cohort", "inHMF", "outsideEU", *(c for q in QUESTIONS for c in (q, q + "Values")))
HINT = f"correct {CONSENT_FILE} (Hartwig's layout: docs/ingest-ecrf.md) and run `onconode ingest ecrf` again"


@dataclass(frozen=True)
class Question:
    answer: str                       # the answer that consents, lower case
    values: tuple[str, ...]           # the answers the question allows, lower case


@dataclass
class PifVersion:
    """One row of the file."""

    version: str
    cohorts: tuple[str, ...]
    line: int
    in_database: bool | None = None
    outside_eu: bool | None = None
    questions: dict[str, Question] = field(default_factory=dict)   # FLD.INFORMEDCONSENT.<Q> → question


@dataclass
class ConsentConfig:
    path: str
    versions: dict[str, PifVersion]

    def for_patient(self, version: str | None, cohort: str) -> PifVersion | None:
        """The row of the patient's form version, or (no version recorded: WIDE, DRUP) the
        cohort's one row that states the consent directly."""
        if version is not None:
            return self.versions.get(version)
        direct = [v for v in self.versions.values() if cohort in v.cohorts and v.in_database is not None]
        return direct[0] if len(direct) == 1 else None


def _canonical(header: str) -> str | None:
    """A header of the file → its KNOWN_COLUMNS name (the item prefix and case do not matter)."""
    bare = header.strip()
    bare = bare[len(ITEM_PREFIX):] if bare.upper().startswith(ITEM_PREFIX) else bare
    return next((k for k in KNOWN_COLUMNS if k.lower() == bare.lower()), None)


def _flag(text: str, path: str, line: int, column: str, problems: Problems) -> bool | None:
    t = text.strip().lower()
    if not t:
        return None
    if t in YES or t in NO:
        return t in YES
    problems.error(path, line, column, f"{text!r} is neither yes nor no", HINT)
    return None


def read_consent_config(path: Path, problems: Problems) -> ConsentConfig | None:
    """Read the file; every problem names the file, line and column."""
    shown = str(path)
    try:
        with open_text(path) as fh:
            rows = list(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    except (OSError, UnicodeDecodeError) as exc:
        problems.error(shown, None, None, f"cannot read the file ({exc})", "save it as UTF-8 text")
        return None
    if not rows or not any(c.strip() for c in rows[0]):
        problems.error(shown, 1, None, "the file has no header line", HINT)
        return None
    header = rows[0]
    names = [_canonical(h) for h in header]
    unknown = [h for h, n in zip(header, names) if n is None and h.strip()]
    if unknown:
        problems.error(shown, 1, ", ".join(unknown), f"unknown column(s); the file's columns are {', '.join(KNOWN_COLUMNS)}", HINT)
    missing = [c for c in ("PIF version", "cohort") if c not in names]
    if missing:
        problems.error(shown, 1, ", ".join(missing), "required column(s) missing from the header", HINT)
    if unknown or missing:
        return None
    versions: dict[str, PifVersion] = {}
    for line, raw in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in raw):
            continue
        if len(raw) > len(header):
            problems.error(shown, line, None, f"{len(raw)} fields where the header has {len(header)}", "check for an extra tab on this line")
            continue
        nul = next((h for h, cell in zip(header, raw) if "\0" in cell), None)
        if nul is not None:
            problems.error(shown, line, nul, "a NUL byte (\\x00) in the value; text files never hold NUL bytes",
                           "the file is damaged or binary: save it again as plain UTF-8 text")
            continue
        cells = dict(zip(names, [*raw, *[""] * (len(header) - len(raw))]))   # trailing empty cells may be left off
        shown_col = {n: h for n, h in zip(names, header)}
        version = cells["PIF version"].strip()
        if not version:
            problems.error(shown, line, shown_col["PIF version"], "the PIF version is empty", HINT)
            continue
        if version in versions:
            problems.error(shown, line, shown_col["PIF version"], f"PIF version {version!r} is configured on line {versions[version].line} too", HINT)
            continue
        cohorts = tuple(c.strip() for c in cells["cohort"].split(",") if c.strip())
        if not cohorts:
            problems.error(shown, line, shown_col["cohort"], "no cohort: name the studies (e.g. CPCT,WIDE) this form version is used in", HINT)
            continue
        row = PifVersion(version, cohorts, line)
        for name in ("inHMF", "outsideEU"):
            if name in cells:
                flag = _flag(cells[name], shown, line, shown_col[name], problems)
                setattr(row, "in_database" if name == "inHMF" else "outside_eu", flag)
        for q in QUESTIONS:
            answer, allowed = (cells.get(q) or "").strip().lower(), (cells.get(q + "Values") or "").strip().lower()
            if not answer and not allowed:
                continue
            values = tuple(v.strip() for v in allowed.split("/") if v.strip())
            if not answer or answer not in values:
                problems.error(shown, line, shown_col.get(q, q),
                               f"the consenting answer {answer!r} is not one of the question's answers {'/'.join(values) or '(none given)'}",
                               f"give the answer that consents in {q} and every answer the form allows, separated by '/', in {q}Values")
                continue
            row.questions[ITEM_PREFIX + q] = Question(answer, values)
        versions[version] = row
    return ConsentConfig(shown, versions)


@dataclass
class Decision:
    """What a patient's form says; `unknown` explains a consent the file cannot decide."""

    in_database: bool | None
    outside_eu: bool | None
    unknown: list[tuple[Value | None, str]] = field(default_factory=list)


def decide(config: ConsentConfig, cohort: str, version: Value | None, answers: dict[str, Value]) -> Decision:
    """Hartwig's rule (CPCT BaselineReader.setInformedConsents): a form version with no
    questions consents to both; otherwise a consenting answer to a database question
    consents to the database, and then one to an outside-EU question to that too."""
    row = config.for_patient(version.text.strip() if version else None, cohort)
    if row is None:
        if version is None:
            return Decision(None, None, [(None, f"no form version (item {PIF_VERSION_ITEM}) and no row of cohort {cohort} "
                                                f"in {Path(config.path).name} that states the consent")])
        return Decision(None, None, [(version, f"PIF version {version.text!r} is not in {Path(config.path).name}")])
    if cohort not in row.cohorts:
        return Decision(None, None, [(version, f"PIF version {row.version!r} is configured for cohort(s) {', '.join(row.cohorts)}, "
                                               f"not {cohort}")])
    if row.in_database is not None:
        return Decision(row.in_database, bool(row.outside_eu) if row.in_database else False)
    if not row.questions:
        return Decision(True, True)
    decision = Decision(False, False)
    given = {purpose: False for purpose in set(QUESTIONS.values())}
    for oid, question in row.questions.items():
        value = answers.get(oid)
        if value is None:
            continue
        answer = value.text.strip().lower()
        if answer not in question.values:
            decision.unknown.append((value, f"answer {value.text!r} to {oid} is not one of {'/'.join(question.values)} "
                                            f"(PIF version {row.version})"))
            continue
        if answer == question.answer:
            given[QUESTIONS[oid[len(ITEM_PREFIX):]]] = True
    decision.in_database = given["database"]
    decision.outside_eu = given["database"] and given["outside_eu"]
    return decision


def duo_terms(decision: Decision | None, default: str) -> list[tuple[str, str | None]]:
    """(DUO code, modifier) rows of a loaded patient's consent."""
    if decision is None or decision.in_database is None:
        return [(default, None)]
    terms: list[tuple[str, str | None]] = [(GENERAL_RESEARCH, None), (GERMLINE_CONSENT, None)]
    if not decision.outside_eu:
        terms.append((GEOGRAPHICAL_RESTRICTION, EU))
    return terms
