"""Clinical patient and sample files: the four `#` metadata lines, the attribute header, rows.

The metadata lines carry each attribute's datatype (STRING, NUMBER, BOOLEAN), which is
what lets a NUMBER typo be caught at its cell rather than becoming a string in a chart.
Checks follow validateData.py's ClinicalValidator; every problem of the file is reported.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from onconode.ingest.cbioportal.common import id_problem, is_null, number
from onconode.ingest.problems import Problems
from onconode.ingest.tsv import open_text, refuse_duplicate_columns, refuse_nul

DATATYPES = ("STRING", "NUMBER", "BOOLEAN")
METADATA_LINES = ("display names", "descriptions", "datatypes", "priorities")
# Computed by cBioPortal itself; a study may not supply them.
BANNED = ("MUTATION_COUNT", "FRACTION_GENOME_ALTERED")
# Value sets the validator enforces for the two standard survival endpoints.
STATUS_VALUES = {
    "OS_STATUS": ("0:LIVING", "1:DECEASED"),
    "DFS_STATUS": ("0:DiseaseFree", "1:Recurred/Progressed", "1:Recurred", "1:Progressed"),
}
# The unprefixed values cBioPortal's importer read before the 0:/1: prefixes (studies from
# that time, cBioPortal's own test study among them, still carry them): read as their
# prefixed form, with a warning.
LEGACY_STATUS = {
    "OS_STATUS": {"LIVING": "0:LIVING", "DECEASED": "1:DECEASED"},
    "DFS_STATUS": {"DiseaseFree": "0:DiseaseFree", "Recurred/Progressed": "1:Recurred/Progressed",
                   "Recurred": "1:Recurred", "Progressed": "1:Progressed"},
}


def survival_pairs(attribute_ids: list[str]) -> list[str]:
    """The prefixes of the survival endpoints among the attributes: every `<PREFIX>_STATUS`
    with a `<PREFIX>_MONTHS` (OS, DFS, PFS, DSS ...), as cBioPortal pairs them."""
    ids = set(attribute_ids)
    return sorted(a[:-7] for a in ids if a.endswith("_STATUS") and a[:-7] + "_MONTHS" in ids)


def survival_status(attribute: str, raw: str) -> tuple[str, bool] | None:
    """A survival status as (prefixed status, event): `1:...` is an event, `0:...` censored;
    a legacy unprefixed OS/DFS value is read as its prefixed form. None when it is neither."""
    status = LEGACY_STATUS.get(attribute, {}).get(raw, raw)
    if status.startswith(("0:", "1:")):
        return status, status.startswith("1:")
    return None


@dataclass(frozen=True)
class Attribute:
    id: str
    display_name: str
    description: str
    datatype: str
    priority: str


@dataclass(frozen=True)
class ClinicalRow:
    line: int
    values: dict[str, str]

    def get(self, attribute: str) -> str | None:
        """The cell, or None when the column is absent or the value is a cBioPortal null."""
        raw = self.values.get(attribute)
        return None if raw is None or is_null(raw) else raw.strip()


@dataclass
class ClinicalFile:
    path: Path
    level: str  # "patient" or "sample"
    attributes: list[Attribute] = field(default_factory=list)
    rows: list[ClinicalRow] = field(default_factory=list)

    @property
    def attribute_ids(self) -> list[str]:
        return [a.id for a in self.attributes]


def read_clinical(path: Path, level: str, problems: Problems) -> ClinicalFile:
    """Read a clinical file of `level` ("patient" or "sample"), collecting its problems."""
    result = ClinicalFile(path, level)
    shown = str(path)
    try:
        with open_text(path) as fh:
            lines = [raw.rstrip("\r\n") for raw in fh]
    except UnicodeDecodeError as exc:
        problems.error(shown, None, None, f"the file is not valid UTF-8 text ({exc.reason})", "save it as UTF-8")
        return result
    except (OSError, EOFError, zlib.error) as exc:
        problems.error(shown, None, None, f"cannot read the file ({exc})", "check the path and permissions, or copy it again if it is corrupt")
        return result
    names = [h.strip() for h in lines[4].split("\t")] if len(lines) > 4 else None
    if not all([refuse_nul(shown, i, line, problems, names) for i, line in enumerate(lines, start=1)]):
        return result
    meta = [line for line in lines[:4] if line.startswith("#")]
    if len(meta) < 4 or any(not line.startswith("#") for line in lines[:4]):
        problems.error(shown, min(len(meta) + 1, max(len(lines), 1)), None,
                       f"the file has {len(meta)} of the 4 '#' metadata lines ({', '.join(METADATA_LINES)})",
                       "start the file with 4 lines beginning with '#' before the attribute header")
        return result
    if len(lines) < 5 or not lines[4].strip():
        problems.error(shown, 5, None, "the attribute header (line 5) is missing", "line 5 must name the columns, e.g. PATIENT_ID")
        return result
    header = [h.strip() for h in lines[4].split("\t")]
    cells = [line[1:].split("\t") for line in meta]
    if not _check_header(shown, header, cells, level, problems):
        return result
    result.attributes = [
        Attribute(h, cells[0][i].strip(), cells[1][i].strip(), cells[2][i].strip().upper(), cells[3][i].strip())
        for i, h in enumerate(header)
    ]
    seen: dict[str, int] = {}
    key = "SAMPLE_ID" if level == "sample" else "PATIENT_ID"
    for number_, line in enumerate(lines[5:], start=6):
        if not line.strip():
            continue
        if problems.full:
            return result
        fields = line.split("\t")
        if len(fields) != len(header):
            problems.error(shown, number_, None, f"{len(fields)} fields where the attribute header has {len(header)}",
                           "check for a missing or extra tab on this line")
            continue
        row = ClinicalRow(number_, dict(zip(header, fields)))
        if _check_row(shown, row, result.attributes, problems):  # ids are valid; a bad value elsewhere is already reported
            ident = row.values[key].strip()
            if ident in seen:
                problems.error(shown, number_, key, f"{ident} is listed twice (first on line {seen[ident]})",
                               f"give each {level} one row")
                continue
            seen[ident] = number_
            result.rows.append(row)
    return result


def _check_header(shown: str, header: list[str], meta: list[list[str]], level: str, problems: Problems) -> bool:
    ok = True
    for i, cells in enumerate(meta):
        if len(cells) != len(header):
            problems.error(shown, i + 1, None,
                           f"the {METADATA_LINES[i]} line has {len(cells)} columns where the attribute header has {len(header)}",
                           "the 4 metadata lines must have one entry per attribute")
            ok = False
    required = ("PATIENT_ID", "SAMPLE_ID") if level == "sample" else ("PATIENT_ID",)
    for name in required:
        if name not in header:
            problems.error(shown, 5, name, f"required column {name} is missing from the attribute header",
                           f"a clinical {level} file must have {' and '.join(required)}")
            ok = False
    ok = refuse_duplicate_columns(shown, 5, header, problems) and ok
    for name in header:
        if name in BANNED:
            problems.error(shown, 5, name, f"{name} is computed by cBioPortal and may not be in a study file", "remove the column")
            ok = False
        elif not name or not all(c.isalnum() or c == "_" for c in name) or name != name.upper():
            problems.error(shown, 5, name or "(empty)", f"attribute id {name!r} is not valid",
                           "use upper-case letters, digits and underscores, e.g. OS_MONTHS")
            ok = False
    if not ok:
        return False
    for i, name in enumerate(header):
        datatype = meta[2][i].strip().upper()
        if datatype not in DATATYPES:
            problems.error(shown, 3, name, f"datatype {meta[2][i].strip()!r} is not STRING, NUMBER or BOOLEAN")
            ok = False
        priority = meta[3][i].strip()
        if not (re.fullmatch(r"-?[0-9]+", priority) and int(priority) >= -1):
            problems.error(shown, 4, name, f"priority {priority!r} is not a whole number of -1 or more")
            ok = False
    return ok


def _check_row(shown: str, row: ClinicalRow, attributes: list[Attribute], problems: Problems) -> bool:
    """Report every bad cell of the row; False only when its identifiers are unusable.

    A row with a bad value still defines its patient or sample, so other files naming
    that sample do not get a second, misleading "unknown sample" error.
    """
    ok = True
    months = {a.id for a in attributes if a.id.endswith("_MONTHS")}
    for attr in attributes:
        raw = row.values[attr.id].strip()
        if attr.id in ("PATIENT_ID", "SAMPLE_ID"):
            why = id_problem(raw)
            if why:
                problems.error(shown, row.line, attr.id, why)
                ok = False
            continue
        if is_null(raw):
            continue
        if attr.datatype == "NUMBER":
            try:
                number(raw)
            except ValueError:
                problems.error(shown, row.line, attr.id, f"{raw!r} is not a number, but the attribute's datatype is NUMBER",
                               "write a number (a leading > or < is allowed), NA for a missing value, or declare the column STRING")
        elif attr.datatype == "BOOLEAN" and raw.upper() not in ("TRUE", "FALSE"):
            problems.error(shown, row.line, attr.id, f"{raw!r} is not TRUE or FALSE, but the attribute's datatype is BOOLEAN")
        if attr.id.endswith("_STATUS") and attr.id[:-7] + "_MONTHS" in months:
            allowed = STATUS_VALUES.get(attr.id)
            if raw in LEGACY_STATUS.get(attr.id, {}):
                continue   # read as its prefixed form; harmonize warns once per file
            if allowed and raw not in allowed:
                problems.error(shown, row.line, attr.id, f"{raw!r} is not a valid {attr.id}", f"use one of: {', '.join(allowed)}")
            elif not raw.startswith(("0:", "1:")):
                problems.error(shown, row.line, attr.id, f"survival status {raw!r} does not start with 0: or 1:",
                               "write 0:<censored label> or 1:<event label>, e.g. 1:Recurred/Progressed")
    return ok
