"""What the boards see next to a Data Access Request: the DUO match of the purpose
against each requested dataset's consent (with a reason per code), the data items
requested vs. the minimal set, and the licensee's country status (EEA, adequacy).

The facts the DUO modifiers test come from the application itself: the licensee's
sector and country, the requested (or approved) term and whether an ethics approval is
attached. Consent is read from the genomic store at the request's freeze.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from onconode.access import duo
from onconode.access.db import GovernanceError
from onconode.access.events import Application, add_months
from onconode.access.items import minimisation_review, parse_items
from onconode.access.organisations import get_organisation

ETHICS_KIND = "ethics"


def requester_for(conn: sa.Connection, app: Application, at: dt.datetime) -> duo.Requester:
    """The requester facts DUO modifiers test, taken from the application."""
    org = get_organisation(conn, app.form["licensee"]) if app.form.get("licensee") else None
    months = (app.decision or {}).get("term_months") or app.form.get("term_months")
    term_end = app.term_end.date() if app.term_end else (add_months(at, int(months)).date() if months else None)
    return duo.Requester(
        non_profit=bool(org and org.non_profit), country=org.country if org else "",
        term_end=term_end, ethics_approval=any(a.get("kind") == ETHICS_KIND for a in app.attachments),
    )


def dataset_consents(snapshot: Any, datasets: list[str]) -> dict[str, str | None]:
    """Each requested dataset's consent codes (None: the dataset is not on this node)."""
    t = snapshot.table("dataset")
    rows = t.filter(t.dataset_id.isin(list(datasets))).select("dataset_id", "consent_duo").to_pyarrow().to_pylist()
    found = {r["dataset_id"]: r["consent_duo"] for r in rows}
    return {d: found.get(d) for d in datasets}


def board_review(conn: sa.Connection, app: Application, snapshot: Any, at: dt.datetime) -> dict[str, Any]:
    """DUO result per dataset, data minimisation and the licensee's status, for the boards."""
    if app.kind != "dar":
        raise GovernanceError(f"{app.id} is a Clinical Request: the boards review Data Access Requests only")
    purpose = duo.Purpose.from_form(app.form.get("purpose") or {})
    requester = requester_for(conn, app, at)
    datasets = []
    for dataset, consent in dataset_consents(snapshot, list(app.form.get("datasets") or [])).items():
        if consent is None:
            datasets.append({"dataset": dataset, "consent": None, "outcome": duo.REVIEW,
                             "codes": [], "reasons": [f"dataset {dataset} is not in the store at this freeze"]})
            continue
        result = duo.match(duo.parse_consent_list(consent), purpose, requester)
        datasets.append({"dataset": dataset, "consent": consent, "outcome": result.outcome,
                         "codes": [vars(c) for c in result.codes], "reasons": result.reasons, "obligations": result.obligations})
    org = get_organisation(conn, app.form["licensee"]) if app.form.get("licensee") else None
    items, problems = parse_items(app.form.get("items"))
    return {
        "application": app.id,
        "purpose": vars(purpose) | {"diseases": list(purpose.diseases)},
        "requester": {**vars(requester), "term_end": requester.term_end.isoformat() if requester.term_end else None},
        "licensee": None if org is None else {
            "id": org.id, "name": org.name, "country": org.country, "sector": org.sector, "in_eea": org.in_eea,
            "adequacy": org.adequacy, "licence": org.licence_variant, "summary": org.board_summary()},
        "datasets": datasets,
        "minimisation": minimisation_review(items),
        "item_problems": problems,
    }
