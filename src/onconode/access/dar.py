"""The Data Access Request procedure as the foundation publishes it.

draft → submitted → scientific assessment (assigned Scientific Board members) → board
review (Data Access Board votes, then a decision with reasons: approve / reject /
return) → approved → licence pending signatures (researcher, licensee signatory,
foundation; each MFA-verified and bound to the licence's SHA-256) → active for the term
→ extension requested ⇄ active → expired at term end; closed and revoked end it early.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from onconode.access import events as S
from onconode.access.attachments import store_attachment
from onconode.access.audit import NewEvent
from onconode.access.db import GovernanceError
from onconode.access.forms import EMAIL, FormIncomplete, check_fields, contact_problems, term_problems
from onconode.access.identity import get_account, verify_mfa, AuthenticationError
from onconode.access.items import approve_subset, parse_items
from onconode.access.licence import PUBLICATION_ACKNOWLEDGEMENT, issue  # noqa: F401  (re-exported)
from onconode.access.organisations import PRIVACY_CONFIRMATIONS, get_organisation
from onconode.access.roles import Role
from onconode.access.commands import Context, Denied, command

R = Role
EDITABLE = {S.DRAFT, S.RETURNED}
AFTER_APPROVAL = {S.APPROVED, S.PENDING_SIGNATURES, S.ACTIVE, S.EXTENSION}
OPEN = set(S.STATES) - S.FINAL
DECISIONS = ("approve", "reject", "return")


def _reasons(ctx: Context) -> str:
    reasons = str(ctx.args.get("reasons", "")).strip()
    if not reasons:
        raise Denied("give the reasons: every decision, vote and assessment is recorded with its reasons")
    return reasons


def submission_problems(conn: sa.Connection, form: dict[str, Any]) -> list[str]:
    """Everything missing or wrong in a DAR form, all at once."""
    problems = [f"{f}: missing" for f in ("title", "lay_summary", "licensee", "signatory_email") if not str(form.get(f) or "").strip()]
    if not form.get("datasets"):
        problems.append("datasets: name at least one dataset")
    purpose = form.get("purpose") or {}
    if purpose.get("primary") not in ("GRU", "HMB", "DS", "POA"):
        problems.append("purpose.primary: choose GRU, HMB, DS (with diseases) or POA")
    if purpose.get("primary") == "DS" and not purpose.get("diseases"):
        problems.append("purpose.diseases: a disease-specific purpose needs at least one DOID disease term")
    problems += parse_items(form.get("items"))[1]
    problems += contact_problems(form.get("contacts"))
    problems += term_problems(form.get("term_months"))
    if form.get("signatory_email") and not EMAIL.match(form["signatory_email"]):
        problems.append("signatory_email: not an email address")
    if form.get("licensee"):
        try:
            org = get_organisation(conn, form["licensee"])
        except GovernanceError as exc:
            problems.append(f"licensee: {exc}")
        else:
            given = form.get("privacy_confirmations") or []
            if org.needs_privacy_confirmations and (len(given) != len(PRIVACY_CONFIRMATIONS) or not all(given)):
                problems.append(
                    f"privacy_confirmations: {org.country} is outside the EEA without an EU adequacy decision, "
                    f"so all {len(PRIVACY_CONFIRMATIONS)} privacy confirmations must be given"
                )
    return problems


@command("dar", "save_draft", {R.APPLICANT}, EDITABLE)
def save_draft(ctx: Context) -> list[NewEvent]:
    """Save form fields (any subset)."""
    return [NewEvent("draft_saved", {"fields": check_fields("dar", ctx.args.get("fields", {}))})]


@command("dar", "attach", {R.APPLICANT, R.ACCESS_OFFICE}, OPEN)
def attach(ctx: Context) -> list[NewEvent]:
    """Attach a document (ethics approval, signed form); stored by SHA-256."""
    if R.ACCESS_OFFICE not in ctx.roles and ctx.app.state not in EDITABLE:
        raise Denied("the applicant can add attachments only while the form is a draft or returned")
    doc = store_attachment(ctx.conn, ctx.args["filename"], ctx.args["content"], ctx.args.get("media_type", "application/octet-stream"), ctx.at)
    return [NewEvent("attachment_added", {"kind": ctx.args.get("kind", "other"), **doc})]


@command("dar", "submit", {R.APPLICANT}, EDITABLE)
def submit(ctx: Context) -> list[NewEvent]:
    """Submit the completed form; the six-week decision clock starts now."""
    problems = submission_problems(ctx.conn, ctx.app.form)
    if problems:
        raise FormIncomplete("form", problems)
    return [NewEvent("submitted", {})]


@command("dar", "assign", {R.ACCESS_OFFICE}, {S.SUBMITTED})
def assign(ctx: Context) -> list[NewEvent]:
    """Assign Scientific Board members to assess the application."""
    members = [int(m) for m in ctx.args.get("members", [])]
    if not members:
        raise Denied("assign at least one Scientific Board member")
    for m in members:
        if R.SCIENTIFIC_BOARD not in get_account(ctx.conn, m).roles:
            raise Denied(f"account {m} is not a Scientific Board member")
    return [NewEvent("assigned", {"members": members})]


@command("dar", "assess", {R.SCIENTIFIC_BOARD}, {S.SCIENTIFIC})
def assess(ctx: Context) -> list[NewEvent]:
    """Give the scientific assessment; with all assigned members done, the DAB takes over."""
    if ctx.actor.id not in ctx.app.assigned:
        raise Denied("only the Scientific Board members assigned to this application assess it")
    if ctx.actor.id in ctx.app.assessments:
        raise Denied("you already gave your assessment")
    opinion = ctx.args.get("opinion")
    if opinion not in ("positive", "negative"):
        raise Denied("opinion must be positive or negative")
    new = [NewEvent("scientific_assessment_given", {"opinion": opinion, "reasons": _reasons(ctx)})]
    if set(ctx.app.assigned) <= set(ctx.app.assessments) | {ctx.actor.id}:
        new.append(NewEvent("sent_to_board", {}))
    return new


@command("dar", "vote", {R.ACCESS_BOARD}, {S.BOARD})
def vote(ctx: Context) -> list[NewEvent]:
    """A Data Access Board member's vote with reasons (one per member)."""
    if ctx.actor.id in ctx.app.votes:
        raise Denied("you already voted on this application")
    choice = ctx.args.get("vote")
    if choice not in DECISIONS:
        raise Denied(f"vote must be one of {', '.join(DECISIONS)}")
    return [NewEvent("voted", {"vote": choice, "reasons": _reasons(ctx)})]


@command("dar", "decide", {R.ACCESS_BOARD}, {S.BOARD})
def decide(ctx: Context) -> list[NewEvent]:
    """The board's decision with reasons; approval names the approved items and term."""
    quorum = int(ctx.gov.options.get("board_quorum", 1))
    if len(ctx.app.votes) < quorum:
        raise Denied(f"the board decides after at least {quorum} vote(s); {len(ctx.app.votes)} so far")
    decision = ctx.args.get("decision")
    if decision not in DECISIONS:
        raise Denied(f"decision must be one of {', '.join(DECISIONS)}")
    payload: dict[str, Any] = {"decision": decision, "reasons": _reasons(ctx)}
    if decision == "approve":
        requested, _ = parse_items(ctx.app.form.get("items"))
        try:
            approved = approve_subset(requested, ctx.args.get("items"))
        except ValueError as exc:
            raise Denied(str(exc)) from None
        payload["items"] = [i.as_dict() for i in approved]
        payload["term_months"] = int(ctx.args.get("term_months") or ctx.app.form["term_months"])
        if term_problems(payload["term_months"]):
            raise Denied(term_problems(payload["term_months"])[0])
    return [NewEvent("decided", payload)]


@command("dar", "issue_licence", {R.ACCESS_OFFICE}, {S.APPROVED, S.PENDING_SIGNATURES})
def issue_licence(ctx: Context) -> list[NewEvent]:
    """Render the licence (EEA or non-EEA) and ask the three parties to sign it.

    Issuing a changed document voids every earlier signature: they were bound to the
    old hash."""
    return [NewEvent("licence_issued", issue(ctx))]


SIGNING_PARTY = {"researcher": R.APPLICANT, "licensee": R.SIGNATORY, "foundation": R.ACCESS_OFFICE}


@command("dar", "sign", {R.APPLICANT, R.SIGNATORY, R.ACCESS_OFFICE}, {S.PENDING_SIGNATURES})
def sign(ctx: Context) -> list[NewEvent]:
    """Sign the licence as one party, confirming with an MFA code; the third signature activates."""
    party = ctx.args.get("party")
    if party not in SIGNING_PARTY:
        raise Denied(f"party must be one of {', '.join(SIGNING_PARTY)}")
    if SIGNING_PARTY[party] not in ctx.roles:
        raise Denied(f"you cannot sign as the {party}: that signature belongs to the {SIGNING_PARTY[party].value.replace('_', ' ')}")
    assert ctx.app.licence is not None
    if ctx.args.get("sha256") != ctx.app.licence["sha256"]:
        raise Denied("the licence has changed since you read it: open the current version and sign that")
    if party in ctx.app.signatures:
        raise Denied(f"the licence is already signed as the {party}")
    if not ctx.actor.mfa_enabled:
        raise Denied("signing needs multi-factor authentication: enrol an authenticator app first")
    try:
        method = verify_mfa(ctx.conn, ctx.actor.id, str(ctx.args.get("code", "")), ctx.at)
    except AuthenticationError as exc:
        raise Denied(str(exc)) from None
    new = [NewEvent("licence_signed", {"party": party, "sha256": ctx.app.licence["sha256"], "mfa": method})]
    if set(SIGNING_PARTY) <= set(ctx.app.signatures) | {party}:
        end = S.add_months(ctx.at, int(ctx.app.decision["term_months"]))
        new.append(NewEvent("activated", {"term_end": end.isoformat()}))
    return new


@command("dar", "request_contact", {R.SIGNATORY}, AFTER_APPROVAL)
def request_contact(ctx: Context) -> list[NewEvent]:
    """The licence signatory asks to add a download contact (name, position, email)."""
    c = {k: str(ctx.args.get(k, "")).strip() for k in ("name", "position", "email")}
    problems = contact_problems([c])
    if problems:
        raise Denied("; ".join(problems))
    c["email"] = c["email"].lower()
    if c["email"] in ctx.app.contact_emails:
        raise Denied(f"{c['email']} is already a download contact of {ctx.app.id}")
    return [NewEvent("contact_requested", {**c, "request": len(ctx.app.contact_requests) + 1})]


@command("dar", "confirm_contact", {R.ACCESS_OFFICE}, AFTER_APPROVAL)
def confirm_contact(ctx: Context) -> list[NewEvent]:
    """The office confirms receipt; the contact gets access once their account has MFA."""
    n = int(ctx.args.get("request", 0))
    pending = [r for r in ctx.app.contact_requests if r["request"] == n and r["status"] == "requested"]
    if not pending:
        raise Denied(f"there is no open contact request {n} on {ctx.app.id}")
    return [NewEvent("contact_added", {"request": n, "email": pending[0]["email"]})]


@command("dar", "request_extension", {R.SIGNATORY}, {S.ACTIVE})
def request_extension(ctx: Context) -> list[NewEvent]:
    """The licensee asks to extend the term; assessed by the board under the same rules."""
    months = ctx.args.get("months")
    if term_problems(months):
        raise Denied(term_problems(months)[0].replace("term_months", "months"))
    justification = str(ctx.args.get("justification", "")).strip()
    if len(justification) < 20:
        raise Denied("explain in at least 20 characters why the project needs more time")
    return [NewEvent("extension_requested", {"months": months, "justification": justification})]


@command("dar", "decide_extension", {R.ACCESS_BOARD}, {S.EXTENSION})
def decide_extension(ctx: Context) -> list[NewEvent]:
    """Approve or reject the extension, with reasons; approval moves the term end."""
    decision = ctx.args.get("decision")
    if decision not in ("approve", "reject"):
        raise Denied("decision must be approve or reject")
    payload: dict[str, Any] = {"decision": decision, "reasons": _reasons(ctx)}
    if decision == "approve":
        assert ctx.app.term_end is not None and ctx.app.extension is not None
        payload["term_end"] = S.add_months(ctx.app.term_end, int(ctx.app.extension["months"])).isoformat()
    return [NewEvent("extension_decided", payload)]


@command("dar", "close", {R.APPLICANT, R.ACCESS_OFFICE}, OPEN)
def close(ctx: Context) -> list[NewEvent]:
    """Close the application (the applicant only before submission or when returned)."""
    if R.ACCESS_OFFICE not in ctx.roles and ctx.app.state not in EDITABLE:
        raise Denied("after submission only the data access office can close an application")
    return [NewEvent("closed", {"reasons": str(ctx.args.get("reasons", ""))})]


@command("dar", "revoke", {R.ACCESS_OFFICE}, AFTER_APPROVAL)
def revoke(ctx: Context) -> list[NewEvent]:
    """Withdraw an approval or licence (e.g. a breach); access stops at once."""
    return [NewEvent("revoked", {"reasons": _reasons(ctx)})]


@command("dar", "expire", set(), {S.ACTIVE, S.EXTENSION})
def expire(ctx: Context) -> list[NewEvent]:  # pragma: no cover - no role may issue it
    """Only the node's clock expires a term (see deadlines.run_deadlines)."""
    return [NewEvent("expired", {})]
