"""The application forms: which fields exist and what a complete form needs.

Saving a draft accepts any subset of known fields; submitting checks completeness and
reports every missing or wrong field together, so the applicant fixes them in one go.
"""

from __future__ import annotations

import re
from typing import Any

from onconode.access.commands import Denied
from onconode.access.db import GovernanceError

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")

DAR_FIELDS = {
    "title": str, "lay_summary": str, "scientific_summary": str, "purpose": dict, "datasets": list,
    "items": list, "licensee": str, "signatory_email": str, "signatory_name": str, "contacts": list,
    "privacy_confirmations": list, "term_months": int, "freeze": str, "cohort": str,
}
CLINICAL_FIELDS = {
    "title": str, "lay_summary": str, "scenario": str, "hospital_code": str, "physician_email": str,
    "patients": list, "items": list, "purpose": dict, "term_months": int, "freeze": str, "datasets": list,
}
FIELDS = {"dar": DAR_FIELDS, "clinical": CLINICAL_FIELDS}
MAX_TERM_MONTHS = 60


class FormIncomplete(Denied):
    """Submit refused because the form is incomplete or wrong; `problems` keeps each one
    (`field: what to change`) so a page can show it next to its field. A Denied, because
    the command is refused, but the web answers it 422: the form, not the person, is at fault."""

    def __init__(self, what: str, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__(f"the {what} is not complete: " + "; ".join(self.problems))


def check_fields(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    known = FIELDS[kind]
    problems = []
    for key, value in fields.items():
        if key not in known:
            problems.append(f"{key}: not a field of the {kind} form (fields: {', '.join(known)})")
        elif value is not None and not isinstance(value, known[key]):
            problems.append(f"{key}: expected {known[key].__name__}, got {type(value).__name__}")
    if problems:
        raise GovernanceError("the form has problems: " + "; ".join(problems))
    return dict(fields)


def contact_problems(contacts: Any) -> list[str]:
    if not isinstance(contacts, list) or not contacts:
        return ["contacts: name at least one download contact (name, position, institutional email)"]
    problems = []
    for n, c in enumerate(contacts, start=1):
        for f in ("name", "position", "email"):
            if not str((c or {}).get(f, "")).strip():
                problems.append(f"contacts {n}, {f}: missing")
        if c and c.get("email") and not EMAIL.match(str(c["email"])):
            problems.append(f"contacts {n}, email: {c['email']!r} is not an email address")
    return problems


def term_problems(months: Any) -> list[str]:
    if not isinstance(months, int) or not 1 <= months <= MAX_TERM_MONTHS:
        return [f"term_months: give the licence term in months, 1 to {MAX_TERM_MONTHS}"]
    return []
