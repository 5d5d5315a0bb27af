"""WIDE study CSV exports (wide_*.csv) → `EcrfPatient`s.

The WIDE exports are spreadsheets saved as CSV: comma- or semicolon-separated, quoted
fields with commas inside, headers that carry their code list ("Gender, 1=male/2=female"),
and dates written as 18-jan-2018, 11-Apr-2018, 12/03/2018 or 3-3-2018. Columns are found
by name (Hartwig's WideEcrfFileReader names), never by position. A patient whose data may
not be shared with HMF ("Data can be shared with HMF" = 0) is not loaded, and is reported.
Pathology numbers (DFHTNRC) are hospital identifiers and are never read.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from onconode.ingest.ecrf.patients import (
    Biopsy,
    EcrfPatient,
    Response,
    Source,
    Therapy,
    Value,
    study_pseudonym,
)
from onconode.ingest.problems import Problems
from onconode.ingest.tsv import open_text
from onconode.ingest.values import TRUE, BadValue, is_missing, parse_date

MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "mrt": 3, "apr": 4, "may": 5, "mei": 5, "jun": 6, "jul": 7,
    "aug": 8, "sep": 9, "oct": 10, "okt": 10, "nov": 11, "dec": 12,
}
YEAR = re.compile(r"^[0-9]{4}$")
MONTH_NAME = re.compile(r"^(\d{1,2})-([A-Za-z]{3})-(\d{4})$")


def wide_date(text: str) -> dt.date:
    """A WIDE date in any of the spellings the exports use (English or Dutch month names)."""
    m = MONTH_NAME.match(text.strip())
    if m:
        month = MONTHS.get(m.group(2).lower())
        if month is None:
            raise BadValue(f"{text!r} is not a date: {m.group(2)!r} is not a month")
        try:
            return dt.date(int(m.group(3)), month, int(m.group(1)))
        except ValueError:
            raise BadValue(f"{text!r} is not a date that exists") from None
    return parse_date(text)


def read_csv(path: Path, problems: Problems) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, {header: value}) per row; the delimiter (',' or ';') is read off the header."""
    shown = str(path)
    try:
        with open_text(path) as fh:
            first = fh.readline()
            delimiter = ";" if first.count(";") > first.count(",") else ","
            fh.seek(0)
            rows = csv.reader(fh, delimiter=delimiter)
            header = [h.strip() for h in next(rows, [])]
            if not any(header):
                problems.error(shown, 1, None, "the file has no header line", "export the WIDE form again with its header")
                return
            for row in rows:
                if not any(c.strip() for c in row):
                    continue
                nul = next((name for name, cell in zip(header, row) if "\0" in cell), None)
                if nul is not None:
                    problems.error(shown, rows.line_num, nul, "a NUL byte (\\x00) in the value; text files never hold NUL bytes",
                                   "the file is damaged or binary: export it again as plain UTF-8 CSV")
                    continue
                if len(row) != len(header):
                    problems.error(shown, rows.line_num, None, f"{len(row)} fields where the header has {len(header)}",
                                   f"check the quoting of values with a '{delimiter}' inside")
                    continue
                yield rows.line_num, dict(zip(header, row))
    except UnicodeDecodeError as exc:
        problems.error(shown, None, None, f"the file is not valid UTF-8 text ({exc.reason})", "save the export as UTF-8 CSV")
    except (OSError, csv.Error) as exc:
        problems.error(shown, None, None, f"cannot read the file ({exc})", "check the path, permissions and CSV format")


def _column(row: dict[str, str], *prefixes: str) -> str | None:
    """The header starting with one of `prefixes` (case-insensitive): WIDE headers carry
    their code list after the name ("Gender, 1=male/2=female")."""
    for prefix in prefixes:
        for name in row:
            if name.lower().startswith(prefix.lower()):
                return name
    return None


class _Rows:
    def __init__(self, path: Path, problems: Problems) -> None:
        self.path, self.shown, self.problems = path, str(path), problems

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        return read_csv(self.path, self.problems)

    def value(self, line: int, row: dict[str, str], *prefixes: str) -> Value | None:
        name = _column(row, *prefixes)
        if name is None or is_missing(row.get(name)):
            return None
        return Value(row[name].strip(), Source(self.shown, line, name))

    def date(self, line: int, row: dict[str, str], *prefixes: str) -> dt.date | None:
        v = self.value(line, row, *prefixes)
        if v is None:
            return None
        try:
            return wide_date(v.text)
        except BadValue as exc:
            self.problems.error(self.shown, line, v.at.field, str(exc), "write the date as YYYY-MM-DD or 18-jan-2018")
            return None

    def require(self, line: int, row: dict[str, str], what: str, *prefixes: str) -> Value | None:
        v = self.value(line, row, *prefixes)
        if v is None:
            self.problems.error(self.shown, line, prefixes[0], f"the {what} is empty or its column is missing",
                                f"the column is named {prefixes[0]!r} in WIDE exports")
        return v


Patient = Callable[[], EcrfPatient]


def _five_days(rows: _Rows, line: int, row: dict[str, str], patient: Patient) -> None:
    p = patient()
    shared = rows.value(line, row, "Data can be shared with HMF")
    if shared is not None:
        p.consented = p.consented and shared.text.lower() in TRUE
    year = rows.value(line, row, "Year of birth")
    if year is not None:
        if YEAR.match(year.text):
            p.birth_year = int(year.text)
        else:
            rows.problems.error(rows.shown, line, year.at.field, f"{year.text!r} is not a year of birth", "write the year as four digits, e.g. 1958")
    sex = rows.value(line, row, "Gender")
    if sex is not None:
        p.sex = Value({"1": "male", "2": "female"}.get(sex.text, sex.text), sex.at)
    p.consent_date = p.consent_date or rows.date(line, row, "Date IC")
    date = rows.date(line, row, "Date biopsy")
    site = rows.value(line, row, "Biopsy site")
    if date is not None or site is not None:
        p.biopsies.append(Biopsy(date, Source(rows.shown, line, "Date biopsy"), site, None, rows.value(line, row, "Sample tissue")))


def _biopsy(rows: _Rows, line: int, row: dict[str, str], patient: Patient) -> None:
    date = rows.date(line, row, "BIOPTDTC")
    if date is not None:
        p = patient()
        if all(b.date != date for b in p.biopsies):
            p.biopsies.append(Biopsy(date, Source(rows.shown, line, "BIOPTDTC")))


def _treatment(rows: _Rows, line: int, row: dict[str, str], patient: Patient) -> None:
    drugs = rows.value(line, row, "TRAATCTX")
    if drugs is not None:
        atc = rows.value(line, row, "TRAATCC")
        patient().therapies.append(Therapy(rows.date(line, row, "TRASDT"), rows.date(line, row, "TRAEDT"), drugs, False, drugs.at,
                                           atc.text.upper() if atc else None))


def _pre_treatment(rows: _Rows, line: int, row: dict[str, str], patient: Patient) -> None:
    """Previous systemic therapy: drug names in CHTS..CHTS3, only the date it last ended."""
    names = [row[c].strip() for c in ("CHTS", "CHTS1", "CHTS2", "CHTS3") if c in row and not is_missing(row[c])]
    if names:
        at = Source(rows.shown, line, "CHTS")
        text = "/".join(n.replace(",", "/") for n in names)
        patient().therapies.append(Therapy(None, rows.date(line, row, "Date last systemic therapy"), Value(text, at), True, at))


def _response(rows: _Rows, line: int, row: dict[str, str], patient: Patient) -> None:
    not_done = rows.value(line, row, "Recist not done")
    response = rows.value(line, row, "RSPOA")
    done = None if not_done is None else not_done.text.lower() not in TRUE
    if response is None and not_done is not None and done is False:
        response = Value("ND", not_done.at)
    patient().responses.append(Response(rows.date(line, row, "Date"), response, done, Source(rows.shown, line, "Date")))


# file → (the column naming the patient, what a row adds to that patient)
READERS: dict[str, tuple[str, Callable[[_Rows, int, dict[str, str], Patient], None]]] = {
    "wide_five_days.csv": ("Wide ptnr", _five_days),
    "wide_biopsies.csv": ("DFHWDPNR", _biopsy),
    "wide_avl_treatments.csv": ("TRAWPTNR", _treatment),
    "wide_pre_avl_treatments.csv": ("Patient nr", _pre_treatment),
    "wide_responses.csv": ("DFHWDPNR", _response),
}
FILES = tuple(READERS)


def read_wide(folder: Path, problems: Problems) -> list[EcrfPatient]:
    """The patients of the wide_*.csv files in `folder` (each file is optional). A patient
    exists once a row adds something to them (an empty treatment row does not)."""
    patients: dict[str, EcrfPatient] = {}
    for name, (patient_column, read_row) in READERS.items():
        path = folder / name
        if not path.is_file():
            continue
        rows = _Rows(path, problems)
        for line, row in rows:
            who = rows.require(line, row, "WIDE patient number", patient_column)
            if who is not None:
                pid = study_pseudonym(who.text)
                read_row(rows, line, row, lambda pid=pid, at=who.at: patients.setdefault(pid, EcrfPatient(pid, at)))
    return list(patients.values())
