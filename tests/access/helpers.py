"""Drive a DAR through the published procedure up to any state (shared by several tests)."""

from __future__ import annotations

import datetime as dt

from onconode.access import events as S
from onconode.access.workflow import create, execute

from tests.access.conftest import T0, World, dar_form

DAY = dt.timedelta(days=1)
STEPS = [S.DRAFT, S.SUBMITTED, S.SCIENTIFIC, S.BOARD, S.APPROVED, S.PENDING_SIGNATURES, S.ACTIVE, S.EXTENSION]


def dar_in_state(w: World, state: str, form: dict | None = None) -> str:
    """A DAR of the world's applicant, driven to `state` along the normal path."""
    g = w.gov
    app = create(g, "dar", w.applicant.id, at=T0, form=form or dar_form())
    a = app.id
    if state == S.DRAFT:
        return a
    if state == S.CLOSED:
        execute(g, a, "close", w.applicant.id, at=T0)
        return a
    execute(g, a, "submit", w.applicant.id, at=T0 + DAY)
    if state == S.SUBMITTED:
        return a
    execute(g, a, "assign", w.office.id, at=T0 + 2 * DAY, members=[w.sb1.id])
    if state == S.SCIENTIFIC:
        return a
    execute(g, a, "assess", w.sb1.id, at=T0 + 10 * DAY, opinion="positive", reasons="Sound design, feasible sample size.")
    if state == S.BOARD:
        return a
    execute(g, a, "vote", w.dab1.id, at=T0 + 20 * DAY, vote="approve", reasons="Proportionate request.")
    decision = {S.REJECTED: "reject", S.RETURNED: "return"}.get(state, "approve")
    execute(g, a, "decide", w.dab1.id, at=T0 + 21 * DAY, decision=decision, reasons="Board meeting of 23 March.")
    if state in (S.APPROVED, S.REJECTED, S.RETURNED):
        return a
    if state == S.REVOKED:
        execute(g, a, "revoke", w.office.id, at=T0 + 22 * DAY, reasons="Breach of licence terms.")
        return a
    app = execute(g, a, "issue_licence", w.office.id, at=T0 + 22 * DAY)
    if state == S.PENDING_SIGNATURES:
        return a
    sign_all(w, a, app.licence["sha256"], T0 + 23 * DAY)
    if state == S.ACTIVE:
        return a
    if state == S.EXTENSION:
        execute(g, a, "request_extension", w.signatory.id, at=T0 + 300 * DAY, months=6, justification="Validation cohort analysis needs six more months.")
        return a
    if state == S.EXPIRED:
        from onconode.access.deadlines import run_deadlines

        run_deadlines(g, at=T0 + 23 * DAY + 400 * DAY)
        return a
    raise ValueError(state)


def sign_all(w: World, app_id: str, sha: str, at: dt.datetime):
    app = None
    for i, (who, party) in enumerate(((w.applicant, "researcher"), (w.signatory, "licensee"), (w.office, "foundation"))):
        t = at + dt.timedelta(minutes=i)
        app = execute(w.gov, app_id, "sign", who.id, at=t, party=party, sha256=sha, code=who.code(t))
    return app
