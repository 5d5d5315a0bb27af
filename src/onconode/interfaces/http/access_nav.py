"""The navigation links a user's roles open (the `user_links` of base.html).

Links only lead to pages; every page and command still checks the role itself, so a
missing link is a convenience, never the protection.
"""

from __future__ import annotations

from dataclasses import dataclass

from onconode.access.identity import Account
from onconode.access.roles import JOB_WATCHERS, Role


@dataclass(frozen=True)
class Link:
    href: str
    label: str


REVIEWERS = frozenset({Role.SCIENTIFIC_BOARD, Role.ACCESS_BOARD, Role.CENTRAL_PI, Role.LOCAL_PI})
OFFICE = frozenset({Role.ACCESS_OFFICE, Role.DATA_MANAGER, Role.ADMIN, Role.AUDITOR})


# Every page's first links, the same for everyone (logged in or not).
PUBLIC = (Link("/catalogue", "Catalogue"), Link("/cohorts", "Cohorts & analyses"), Link("/access", "Apply for data"),
          Link("/register", "Register of approved requests"))


def links_for(account: Account | None) -> list[Link]:
    """Everyone logged in has their applications and the releases (a download contact's
    data; the page says what a person may fetch); reviewers a queue; staff the dashboard."""
    if account is None:
        return []
    links = [Link("/access/mine", "My applications"), Link("/releases", "Releases")]
    if account.roles & REVIEWERS:
        links.append(Link("/access/queue", "Review queue"))
    if account.roles & OFFICE:
        links.append(Link("/access/office", "Access office"))
    if account.roles & JOB_WATCHERS:
        links.append(Link("/jobs", "Jobs"))
    if not account.mfa_enabled:
        links.append(Link("/account/mfa", "Set up MFA"))
    return links
