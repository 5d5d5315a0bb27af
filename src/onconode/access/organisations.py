"""Organisations (licensees and hospitals) and what their country means for a licence.

Which licence a DAR gets depends on the licensee's country: inside the EEA → the EEA
licence; outside the EEA → the non-EEA licence, and where the EU has no adequacy decision
for the country (Schrems II) the applicant must also give the privacy confirmations.
The lists below are the state on the date given; update them when the EU changes them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import sqlalchemy as sa

from onconode.access import audit
from onconode.access.db import Governance, GovernanceError
from onconode.access.schema import organisation as org_table

LISTS_AS_OF = "2025-01-01"
# EU 27 + Iceland, Liechtenstein, Norway.
EEA = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO".split()
)
# Countries with an EU adequacy decision (GDPR Art. 45), European Commission list.
# (Canada: commercial organisations; United States: only EU-US Data Privacy Framework participants.)
ADEQUACY = frozenset("AD AR CA FO GG IL IM JP JE NZ KR CH GB UY US".split())
SECTORS = ("non-profit", "commercial")

# The privacy confirmations a non-EEA applicant without adequacy must give, in order.
PRIVACY_CONFIRMATIONS: tuple[str, ...] = (
    "The data will be stored and processed only on systems under the licensee's control, with access limited to the named download contacts.",
    "No attempt will be made to re-identify any person, and no data will be linked with other data that could identify a person.",
    "The licensee knows of no law of its country that would oblige it to disclose the data to public authorities, or will inform the foundation and resist any such request by all legal means.",
    "Data will not be transferred onward to any other party or country.",
    "A personal-data breach will be reported to the foundation within 48 hours of discovery.",
    "The data will be deleted at the end of the licence term and deletion confirmed in writing.",
)


@dataclass(frozen=True)
class Organisation:
    id: str
    name: str
    country: str
    sector: str

    @property
    def in_eea(self) -> bool:
        return self.country in EEA

    @property
    def adequacy(self) -> bool:
        """An EU adequacy decision covers the country (EEA countries need none)."""
        return self.in_eea or self.country in ADEQUACY

    @property
    def licence_variant(self) -> str:
        return "EEA" if self.in_eea else "non-EEA"

    @property
    def needs_privacy_confirmations(self) -> bool:
        return not self.adequacy

    @property
    def non_profit(self) -> bool:
        return self.sector == "non-profit"

    def board_summary(self) -> str:
        where = "in the EEA" if self.in_eea else ("outside the EEA, with an EU adequacy decision" if self.adequacy else "outside the EEA, WITHOUT an EU adequacy decision")
        return f"{self.name} ({self.country}, {self.sector}): {where}; licence: {self.licence_variant}"


ORG_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def add_organisation(gov: Governance, org_id: str, name: str, country: str, sector: str, actor: int | None = None, at: dt.datetime | None = None) -> Organisation:
    country = country.strip().upper()
    if not ORG_ID.match(org_id):
        raise GovernanceError(f"organisation id {org_id!r} is not valid: use lower-case letters, digits and '-', e.g. 'umc-utrecht'")
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise GovernanceError(f"country {country!r} is not an ISO 3166 two-letter code, e.g. NL, DE, US")
    if sector not in SECTORS:
        raise GovernanceError(f"sector {sector!r} is not one of: {', '.join(SECTORS)}")
    if not name.strip():
        raise GovernanceError("an organisation needs a name")
    at = audit.utc(at)

    def work(conn: sa.Connection) -> Organisation:
        if conn.execute(sa.select(org_table.c.id).where(org_table.c.id == org_id)).fetchall():
            raise GovernanceError(f"organisation {org_id} already exists")
        conn.execute(org_table.insert().values(id=org_id, name=name.strip(), country=country, sector=sector, created_at=at.replace(tzinfo=None)))
        audit.record(conn, f"organisation:{org_id}", actor, at, "organisation_added", {"id": org_id, "name": name, "country": country, "sector": sector})
        return Organisation(org_id, name.strip(), country, sector)

    return audit.run_with_retry(gov.engine, work)


def get_organisation(conn: sa.Connection, org_id: str) -> Organisation:
    rows = conn.execute(sa.select(org_table).where(org_table.c.id == org_id)).fetchall()
    if not rows:
        raise GovernanceError(f"no organisation {org_id!r}; add it with `onconode access org add`")
    r = rows[0]
    return Organisation(r.id, r.name, r.country, r.sector)


def list_organisations(gov: Governance) -> list[Organisation]:
    """Every organisation by name (the choices of the registration and DAR forms)."""
    with gov.engine.connect() as conn:
        rows = conn.execute(sa.select(org_table).order_by(org_table.c.name)).fetchall()
    return [Organisation(r.id, r.name, r.country, r.sector) for r in rows]
