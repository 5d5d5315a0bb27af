"""The public register of approved Data Access Requests (number, title, institution,
lay summary, date): the rows behind the register page and its JSON."""

from __future__ import annotations

from typing import Any

from onconode.access import events as S
from onconode.access.db import Governance
from onconode.access.organisations import get_organisation
from onconode.access.workflow import list_applications

APPROVED_STATES = {S.APPROVED, S.PENDING_SIGNATURES, S.ACTIVE, S.EXTENSION, S.EXPIRED, S.CLOSED}


def public_register(gov: Governance) -> list[dict[str, Any]]:
    """Approved DARs, oldest first. Revoked ones leave the register; others stay after they end."""
    rows = []
    with gov.engine.connect() as conn:
        for app in list_applications(gov, "dar"):
            if app.state in APPROVED_STATES and app.decision and app.decision.get("decision") == "approve" and app.decided_at:
                org = get_organisation(conn, app.form["licensee"])
                rows.append({"number": app.id, "title": app.form.get("title", ""), "institution": org.name,
                             "lay_summary": app.form.get("lay_summary", ""), "approved": app.decided_at.date().isoformat()})
    return rows
