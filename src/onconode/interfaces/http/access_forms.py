"""HTML form fields → the domain's form dicts and command arguments.

Browsers send flat fields (text inputs, checkboxes, one textarea line per contact);
the domain wants the structured form of `onconode.access.forms`. This module is the one
translation between the two, so the pages stay thin and the rules stay in the domain:
nothing here decides whether a form is complete, it only reshapes what was typed.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from onconode.model import TABLES_BY_NAME

Form = Mapping[str, Any]


class FormProblem(ValueError):
    """The form cannot be turned into a command (the message says what to change)."""

DAR_TEXT = ("title", "lay_summary", "scientific_summary", "licensee", "signatory_name", "signatory_email", "freeze", "cohort")
CLINICAL_TEXT = ("title", "lay_summary", "scenario", "freeze")


def _text(form: Form, name: str) -> str:
    value = form.get(name)
    return str(value).strip() if value is not None else ""


def _list(form: Form, name: str) -> list[str]:
    getlist = getattr(form, "getlist", None)
    values = getlist(name) if getlist else ([form[name]] if name in form else [])
    return [str(v).strip() for v in values if str(v).strip()]


def _int_or_text(value: str) -> int | str | None:
    """A number field: an int when it is one; otherwise the text, so the domain names the problem."""
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return value


def items_from(form: Form) -> list[dict[str, Any]]:
    """One item per ticked table: `item_<table>` ticked, `columns_<table>` (the page's one
    checkbox per dictionary column, or a comma list; none = all columns) and `justification_<table>`."""
    items = []
    for table in TABLES_BY_NAME:
        if not form.get(f"item_{table}"):
            continue
        cols = [c.strip() for v in _list(form, f"columns_{table}") for c in v.split(",") if c.strip()]
        items.append({"table": table, "columns": cols or "all", "justification": _text(form, f"justification_{table}")})
    return items


def contacts_from(text: str) -> list[dict[str, str]]:
    """Download contacts, one per line: `name; position; institutional email`."""
    contacts = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(";")]
        parts += [""] * (3 - len(parts))
        contacts.append({"name": parts[0], "position": parts[1], "email": parts[2].lower()})
    return contacts


def contacts_text(contacts: list[dict[str, Any]] | None) -> str:
    return "\n".join(f"{c.get('name', '')}; {c.get('position', '')}; {c.get('email', '')}" for c in contacts or [])


def purpose_from(form: Form) -> dict[str, Any]:
    diseases = [d.strip() for d in _text(form, "diseases").replace(";", ",").split(",") if d.strip()]
    return {
        "primary": _text(form, "purpose"),
        "diseases": diseases,
        "methods_development": bool(form.get("methods_development")),
        "commercial_use": bool(form.get("commercial_use")),
        "genetic_study": True,
    }


def dar_fields(form: Form, confirmations: int) -> dict[str, Any]:
    """The DAR form as `save_draft` takes it (every field, so a cleared field is saved cleared)."""
    fields: dict[str, Any] = {name: _text(form, name) for name in DAR_TEXT}
    fields["signatory_email"] = fields["signatory_email"].lower()
    fields["purpose"] = purpose_from(form)
    fields["datasets"] = _list(form, "datasets")
    fields["items"] = items_from(form)
    fields["contacts"] = contacts_from(_text(form, "contacts"))
    fields["term_months"] = _int_or_text(_text(form, "term_months"))
    given = set(_list(form, "privacy_confirmation"))
    fields["privacy_confirmations"] = [str(n) in given for n in range(confirmations)] if given else []
    if not isinstance(fields["term_months"], int):
        fields.pop("term_months")  # a wrong number is reported by submit as "term_months: ..."
    return fields


def clinical_fields(form: Form) -> dict[str, Any]:
    fields: dict[str, Any] = {name: _text(form, name) for name in CLINICAL_TEXT}
    fields["patients"] = _list(form, "patients")
    fields["items"] = items_from(form)
    term = _int_or_text(_text(form, "term_months"))
    if isinstance(term, int):
        fields["term_months"] = term
    return fields


# -- command arguments ----------------------------------------------------------------------
def _reasons(form: Form) -> dict[str, Any]:
    return {"reasons": _text(form, "reasons")}


def _decide(form: Form) -> dict[str, Any]:
    args: dict[str, Any] = {"decision": _text(form, "decision"), **_reasons(form)}
    term = _int_or_text(_text(form, "term_months"))
    if term is not None:
        args["term_months"] = term
    approved = _list(form, "approve_item")
    if args["decision"] == "approve" and form.get("items_shown") and not approved:
        raise FormProblem("tick at least one data item to approve (or reject / return the request)")
    if approved:
        args["items"] = [{"table": t} for t in approved]
    return args


ARGS: dict[str, Callable[[Form], dict[str, Any]]] = {
    "submit": lambda f: {},
    "assign": lambda f: {"members": [int(m) for m in _list(f, "members") if m.isdigit()]},
    "assess": lambda f: {"opinion": _text(f, "opinion"), **_reasons(f)},
    "vote": lambda f: {"vote": _text(f, "vote"), **_reasons(f)},
    "decide": _decide,
    "issue_licence": lambda f: {"obligations": [o for o in _text(f, "obligations").splitlines() if o.strip()],
                                "amendments": _text(f, "amendments")},
    "sign": lambda f: {"party": _text(f, "party"), "sha256": _text(f, "sha256"), "code": _text(f, "code")},
    "request_contact": lambda f: {k: _text(f, k) for k in ("name", "position", "email")},
    "confirm_contact": lambda f: {"request": _int_or_text(_text(f, "request")) or 0},
    "request_extension": lambda f: {"months": _int_or_text(_text(f, "months")), "justification": _text(f, "justification")},
    "decide_extension": lambda f: {"decision": _text(f, "decision"), **_reasons(f)},
    "close": _reasons,
    "revoke": _reasons,
    "approve_purpose": lambda f: {"comment": _text(f, "comment")},
    "reject": _reasons,
    "mark_prepared": lambda f: {},
}


def command_args(command: str, form: Form) -> dict[str, Any]:
    """The arguments of a command from its HTML form; KeyError for a command without a page
    form, FormProblem for a form that cannot mean anything the domain accepts."""
    return ARGS[command](form)
