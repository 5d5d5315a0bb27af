"""Value rules shared by every cBioPortal file: null spellings, identifiers, the anchor date.

They are cBioPortal validator rules (scripts/importer/validateData.py), kept in one place
so the clinical, CNA, SV and timeline readers accept exactly the same studies.
"""

from __future__ import annotations

import datetime as dt
import re

from onconode.model.codes import DAYS_PER_MONTH

# The validator's NULL_VALUES: these cells mean "no value" in clinical and profile files.
NULL_VALUES = frozenset(
    {"[not applicable]", "[not available]", "[pending]", "[discrepancy]", "[completed]", "[null]", "", "na"}
)

# validateData.py: INVALID_ID_CHARACTERS = r"[^A-Za-z0-9._()\[\]',+\-:;]"
INVALID_ID_CHARACTERS = re.compile(r"[^A-Za-z0-9._()\[\]',+\-:;]")
# A plain decimal number (float() alone would also take 'nan', 'inf' and '1_000').
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")

# cBioPortal carries days and months relative to an event (diagnosis), never dates. The
# store holds dates, so day 0 of every patient is placed on this date (docs/ingest-cbioportal.md).
ANCHOR_DATE = dt.date(2000, 1, 1)


def is_null(raw: str) -> bool:
    return raw.strip().lower() in NULL_VALUES


def id_problem(value: str) -> str | None:
    """Why `value` is not a valid cBioPortal patient or sample id, or None when it is."""
    if not value.strip():
        return "the identifier is empty"
    bad = sorted(set(INVALID_ID_CHARACTERS.findall(value)))
    if bad:
        shown = ", ".join(repr(c) for c in bad)
        return f"identifier {value!r} contains {shown}; only letters, digits and . _ ( ) [ ] ' , + - : ; are allowed"
    return None


def number(raw: str) -> float | None:
    """A clinical NUMBER value: None for a null, the number otherwise ('>89' → 89.0).

    Raises ValueError when it is not a number; cBioPortal allows a leading > or <.
    """
    text = raw.strip()
    if is_null(text):
        return None
    if text[:1] in "<>":
        text = text[1:].strip()
    if not NUMBER.match(text):
        raise ValueError(raw)
    return float(text)


def days_after_anchor(days: float) -> dt.date:
    return ANCHOR_DATE + dt.timedelta(days=round(days))


def months_after_anchor(months: float) -> dt.date:
    return ANCHOR_DATE + dt.timedelta(days=round(months * DAYS_PER_MONTH))
