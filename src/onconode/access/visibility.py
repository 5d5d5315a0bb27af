"""Who may see an application, and how much of it.

People named on an application (applicant, licensee signatory, download contacts, the
treating physician of a Clinical Request) see their own application; staff and board
members see every application of the procedures they handle. Named parties do not see
the board's internal working (assignments, individual assessments and votes): they see
the decision and its reasons.
"""

from __future__ import annotations

from onconode.access.events import Application
from onconode.access.identity import Account
from onconode.access.roles import Role
from onconode.access.workflow import application_roles

R = Role
STAFF = {
    "dar": frozenset({R.SCIENTIFIC_BOARD, R.ACCESS_BOARD, R.ACCESS_OFFICE, R.ADMIN, R.AUDITOR}),
    "clinical": frozenset({R.CENTRAL_PI, R.LOCAL_PI, R.TREATING_PHYSICIAN, R.DATA_MANAGER, R.ACCESS_OFFICE, R.ADMIN, R.AUDITOR}),
}
NAMED = frozenset({R.APPLICANT, R.SIGNATORY, R.DOWNLOAD_CONTACT})
INTERNAL_FIELDS = ("assigned", "assessments", "votes")


def is_named(app: Application, actor: Account) -> bool:
    """Named on the application (or, for a Clinical Request, its treating physician)."""
    if application_roles(app, actor) & NAMED:
        return True
    return app.kind == "clinical" and actor.email == (app.form.get("physician_email") or "").lower()


def is_staff(app: Application, actor: Account) -> bool:
    """Handles this kind of application (hospital-bound roles only for their own hospital)."""
    return bool(application_roles(app, actor) & STAFF[app.kind])


def may_view(app: Application, actor: Account) -> bool:
    return actor.active and (is_named(app, actor) or is_staff(app, actor))


def sees_internal(app: Application, actor: Account) -> bool:
    """Board assignments, assessments and votes are for staff and board members only."""
    return is_staff(app, actor)
