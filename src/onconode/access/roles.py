"""Roles a person can hold. Global roles are granted to accounts; the three
application roles (applicant, licensee signatory, download contact) come from being
named on an application, so they are never granted globally."""

from __future__ import annotations

from enum import Enum


class Role(str, Enum):
    APPLICANT = "applicant"
    SIGNATORY = "licensee_signatory"
    DOWNLOAD_CONTACT = "download_contact"
    TREATING_PHYSICIAN = "treating_physician"
    CENTRAL_PI = "central_pi"
    LOCAL_PI = "local_pi"
    SCIENTIFIC_BOARD = "scientific_board"
    ACCESS_BOARD = "data_access_board"
    ACCESS_OFFICE = "data_access_office"
    DATA_MANAGER = "data_manager"
    ADMIN = "admin"
    AUDITOR = "auditor"


APPLICATION_ROLES = frozenset({Role.APPLICANT, Role.SIGNATORY, Role.DOWNLOAD_CONTACT})
GLOBAL_ROLES = frozenset(Role) - APPLICATION_ROLES

# Accounts holding any of these must have MFA before they may act (the rule).
MFA_REQUIRED = frozenset(
    {Role.DOWNLOAD_CONTACT, Role.SCIENTIFIC_BOARD, Role.ACCESS_BOARD, Role.ACCESS_OFFICE, Role.DATA_MANAGER, Role.ADMIN, Role.AUDITOR}
)

# Who sees and steers the job queue (release builds, exports, mail, checks).
JOB_WATCHERS = frozenset({Role.ACCESS_OFFICE, Role.DATA_MANAGER})


def parse_role(text: str) -> Role:
    try:
        return Role(text)
    except ValueError:
        raise ValueError(f"unknown role {text!r}; roles are: {', '.join(r.value for r in Role)}") from None
