"""The domain's form problems as people read them: plain sentences next to the field they concern.

`access.forms.FormIncomplete.problems` are written for programs and API users
(`lay_summary: missing`, `contacts 2, email: ...`, `item 1, justification: ...`); the page
shows each beside its field (and in a summary linking to it), in the words of the form.
"""

from __future__ import annotations

import re
from typing import Any

# The form's fields in the words of its labels (what the error summary links say).
LABELS = {
    "title": "Project title", "lay_summary": "Lay summary", "scientific_summary": "Scientific summary", "purpose": "Purpose",
    "diseases": "Diseases", "datasets": "Datasets", "items": "Requested data items", "licensee": "Licensee institution",
    "signatory_email": "Signatory's institutional email", "contacts": "Download contacts", "term_months": "Licence term",
    "privacy_confirmations": "Privacy confirmations", "file": "Attachment", "patients": "Patients", "scenario": "Scenario",
}
MISSING = {
    "title": "Give the project a title.", "lay_summary": "Write a short summary for the public register.",
    "licensee": "Choose the institution that signs the licence.", "signatory_email": "Give the signatory's institutional email.",
    "scenario": "Choose the scenario of the request.",
}
FIELD_OF = {"purpose.primary": "purpose", "purpose.diseases": "diseases"}
PROBLEM = re.compile(r"^(?P<field>[a-z_.]+?)(?: (?P<n>\d+))?(?:, (?P<part>[a-z_]+))?: (?P<text>.*)$", re.S)


def sentence(text: str) -> str:
    """`text` as a sentence: capital first letter, one full stop."""
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "."


def field_errors(problems: list[str], form: dict[str, Any]) -> dict[str, list[str]]:
    """The domain's problems (`field: what to change`, `contacts 2, email: ...`, `item 1,
    justification: ...`) as plain sentences keyed by the form field they belong to."""
    out: dict[str, list[str]] = {}
    items = [i for i in form.get("items") or [] if isinstance(i, dict)]
    for problem in problems:
        m = PROBLEM.match(problem)
        if not m:
            out.setdefault("form", []).append(sentence(problem))
            continue
        field, n, part, text = m["field"], m["n"], m["part"], m["text"]
        field = FIELD_OF.get(field, field)
        if field == "item" and n and int(n) <= len(items):
            table = items[int(n) - 1].get("table", "")
            key, text = f"item_{table}", f"{table}, {(part or '').replace('_', ' ')}: {text}"
        elif field == "contacts" and n:
            key, text = "contacts", f"contact {n} (line {n}), {part}: {text}"
        else:
            key = field
        if text == "missing":
            text = MISSING.get(key, f"Fill in the {LABELS.get(key, key).lower()}.")
        out.setdefault(key, []).append(sentence(text.replace("term_months", "the licence term")))
    return out


def field_label(key: str) -> str:
    """The words of the form for a field key (an item's key names its table)."""
    return f"Data item {key.removeprefix('item_')}" if key.startswith("item_") else LABELS.get(key, key.replace("_", " "))


def field_anchor(key: str) -> str:
    """The id of the element a problem's link jumps to."""
    return f"justification_{key.removeprefix('item_')}" if key.startswith("item_") else key
