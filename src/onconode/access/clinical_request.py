"""The Clinical Request procedure and the routing of the four request scenarios.

A treating physician (or a researcher on their behalf, naming the physician) asks for
data of their own hospital's patients. The central study organisation / PI and the
local PI of that hospital both approve the purpose; the data manager prepares the data,
with a one-week target. Only patients of that hospital can ever be selected: the list
comes from the genomic store (read-only, through `onconode.store`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable, Iterable

import sqlalchemy as sa

from onconode.access import events as S
from onconode.access.audit import NewEvent
from onconode.access.db import GovernanceError
from onconode.access.forms import FormIncomplete, check_fields, term_problems
from onconode.access.identity import Account, find_account
from onconode.access.items import parse_items
from onconode.access.roles import Role
from onconode.access.commands import Context, Denied, command

R = Role
DEFAULT_TERM_MONTHS = 12
PREPARATION_TARGET_DAYS = 7


# -- routing ------------------------------------------------------------------------------
class Procedure(str, Enum):
    DAR = "data_access_request"
    CLINICAL = "clinical_request"


class Purpose(str, Enum):
    TREATMENT = "treatment"  # directly related to the patient's treatment
    ORIGINAL_STUDY = "original_study"  # the purpose of the original study design
    OTHER = "other"  # any other purpose (reuse)


@dataclass(frozen=True)
class Route:
    procedure: Procedure
    scenario: int
    explanation: str


def route(own_hospital_only: bool, purpose: Purpose) -> Route:
    """The portal's questions → procedure, exactly as the foundation publishes it."""
    if not own_hospital_only:
        return Route(Procedure.DAR, 1, "Data from several hospitals always needs a Data Access Request, with or without affiliation to a contributing hospital.")
    if purpose is Purpose.OTHER:
        return Route(Procedure.DAR, 2, "Using your own hospital's data for a purpose other than the original study is reuse: submit a Data Access Request.")
    if purpose is Purpose.TREATMENT:
        return Route(Procedure.CLINICAL, 3, "Your own hospital's patients' data for their treatment: submit a Clinical Request.")
    return Route(Procedure.CLINICAL, 4, "Your own hospital's data for the original study's purpose: submit a Clinical Request.")


# -- the hospital's patients ------------------------------------------------------------
def hospital_patients(store: Any, hospital_code: str, freeze: str | None = None) -> set[str]:
    """Patient ids of one hospital, read from the genomic store (never written)."""
    t = store.table("patient", freeze=freeze)
    rows = t.filter(t.hospital_code == hospital_code).select("patient_id").to_pyarrow().to_pylist()
    return {r["patient_id"] for r in rows}


PatientSource = Callable[[str], Iterable[str]]


def check_creator(conn: sa.Connection, actor: Account, fields: dict[str, Any]) -> dict[str, Any]:
    """Who may open a Clinical Request, and for which hospital.

    A treating physician opens it for their own hospital; anyone else must name a
    treating physician, whose hospital it then is.
    """
    if R.TREATING_PHYSICIAN in actor.roles and not fields.get("physician_email"):
        physician = actor
    else:
        email = str(fields.get("physician_email") or "")
        physician = find_account(conn, email) if email else None
        if physician is None or R.TREATING_PHYSICIAN not in physician.roles:
            raise Denied("a Clinical Request is made by a treating physician, or on their behalf naming them (physician_email of a treating physician's account)")
    if not physician.hospital_code:
        raise Denied(f"{physician.email} has no hospital recorded; the office must set it before Clinical Requests")
    return {"hospital_code": physician.hospital_code, "physician_email": physician.email}


def submission_problems(form: dict[str, Any], patients_of: PatientSource) -> list[str]:
    problems = [f"{f}: missing" for f in ("title", "lay_summary") if not str(form.get(f) or "").strip()]
    if form.get("scenario") not in (Purpose.TREATMENT.value, Purpose.ORIGINAL_STUDY.value):
        problems.append("scenario: choose treatment or original_study (other purposes need a Data Access Request)")
    problems += parse_items(form.get("items"))[1]
    if form.get("term_months") is not None:
        problems += term_problems(form["term_months"])
    chosen = list(form.get("patients") or [])
    if not chosen:
        problems.append("patients: select at least one patient of your hospital")
    else:
        allowed = set(patients_of(form["hospital_code"]))
        foreign = [p for p in chosen if p not in allowed]
        if foreign:
            problems.append(f"patients: {', '.join(foreign[:20])} {'are' if len(foreign) > 1 else 'is'} not a patient of hospital {form['hospital_code']}; only your own hospital's patients can be selected")
    return problems


@command("clinical", "save_draft", {R.APPLICANT}, {S.DRAFT})
def save_draft(ctx: Context) -> list[NewEvent]:
    """Save form fields; the hospital is fixed by the physician and cannot be changed."""
    fields = check_fields("clinical", ctx.args.get("fields", {}))
    for fixed in ("hospital_code", "physician_email"):
        if fixed in fields and fields[fixed] != ctx.app.form.get(fixed):
            raise Denied(f"{fixed} is set by the treating physician's account and cannot be changed")
    return [NewEvent("draft_saved", {"fields": fields})]


@command("clinical", "submit", {R.APPLICANT}, {S.DRAFT})
def submit(ctx: Context) -> list[NewEvent]:
    """Submit; every selected patient must belong to the physician's hospital."""
    patients_of = ctx.args.get("patients_of")
    if patients_of is None:
        raise GovernanceError("submitting a Clinical Request needs the store's patient list (patients_of)")
    problems = submission_problems(ctx.app.form, patients_of)
    if problems:
        raise FormIncomplete("request", problems)
    return [NewEvent("submitted", {"patients": len(ctx.app.form["patients"])})]


@command("clinical", "approve_purpose", {R.CENTRAL_PI, R.LOCAL_PI}, {S.SUBMITTED})
def approve_purpose(ctx: Context) -> list[NewEvent]:
    """Central PI and the hospital's local PI each approve; both → approved."""
    role = "central_pi" if R.CENTRAL_PI in ctx.roles and "central_pi" not in ctx.app.purpose_approvals else "local_pi"
    if role == "local_pi" and R.LOCAL_PI not in ctx.roles:
        raise Denied("the central PI has already approved; the local PI of the hospital must approve now")
    if role in ctx.app.purpose_approvals:
        raise Denied(f"the {role.replace('_', ' ')} has already approved")
    new = [NewEvent("purpose_approved", {"as": role, "comment": str(ctx.args.get("comment", ""))})]
    if {"central_pi", "local_pi"} <= set(ctx.app.purpose_approvals) | {role}:
        new.append(NewEvent("clinical_approved", {"reasons": "purpose approved by the central and the local PI"}))
    return new


@command("clinical", "reject", {R.CENTRAL_PI, R.LOCAL_PI}, {S.SUBMITTED})
def reject(ctx: Context) -> list[NewEvent]:
    reasons = str(ctx.args.get("reasons", "")).strip()
    if not reasons:
        raise Denied("give the reasons for the rejection")
    return [NewEvent("clinical_rejected", {"reasons": reasons})]


@command("clinical", "mark_prepared", {R.DATA_MANAGER}, {S.APPROVED})
def mark_prepared(ctx: Context) -> list[NewEvent]:
    """The data is prepared and available to the physician (target: one week)."""
    months = int(ctx.app.form.get("term_months") or DEFAULT_TERM_MONTHS)
    return [NewEvent("data_prepared", {"term_end": S.add_months(ctx.at, months).isoformat()})]


@command("clinical", "close", {R.APPLICANT, R.ACCESS_OFFICE}, {S.DRAFT, S.SUBMITTED, S.APPROVED, S.ACTIVE})
def close(ctx: Context) -> list[NewEvent]:
    if R.ACCESS_OFFICE not in ctx.roles and ctx.app.state != S.DRAFT:
        raise Denied("after submission only the data access office can close a request")
    return [NewEvent("closed", {"reasons": str(ctx.args.get("reasons", ""))})]


@command("clinical", "revoke", {R.ACCESS_OFFICE}, {S.APPROVED, S.ACTIVE})
def revoke(ctx: Context) -> list[NewEvent]:
    reasons = str(ctx.args.get("reasons", "")).strip()
    if not reasons:
        raise Denied("give the reasons for the revocation")
    return [NewEvent("revoked", {"reasons": reasons})]
