"""Governance fixtures: every test runs on SQLite and on a real PostgreSQL server.

PostgreSQL comes from ONCONODE_TEST_POSTGRES_URL (scripts/test sets it); run by hand
without it, the session starts a throwaway server with scripts/postgres, so these tests
never silently skip.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pyotp
import pytest
import sqlalchemy as sa

from onconode.access import identity, organisations
from onconode.access.db import Governance, migrate, create_engine, resolve_url
from onconode.access.roles import Role

ROOT = Path(__file__).resolve().parents[2]
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)
PASSWORD = "correct horse battery staple"
FAST_ARGON2 = {"time_cost": 1, "memory_cost": 8192, "parallelism": 1}


class Collector:
    """A mailer that keeps messages in memory (for tests that only count recipients)."""

    def __init__(self) -> None:
        self.messages: list = []

    def send(self, message) -> None:
        self.messages.append(message)

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.messages]

    def to(self, subject_part: str) -> set[str]:
        return {a.strip() for m in self.messages if subject_part in str(m["Subject"]) for a in str(m["To"]).split(",")}


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory):
    url = os.environ.get("ONCONODE_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    # Not under pytest's tmp dir: as root the cluster belongs to `postgres`, who must reach it.
    folder = Path(tempfile.mkdtemp(prefix="onconode-pg."))
    result = subprocess.run([str(ROOT / "scripts" / "postgres"), "start", str(folder)], capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        pytest.fail(f"could not start PostgreSQL with scripts/postgres:\n{result.stderr}")
    yield result.stdout.strip().splitlines()[-1]
    subprocess.run([str(ROOT / "scripts" / "postgres"), "stop", str(folder)], capture_output=True, timeout=120)


def _pg_database(base: str) -> tuple[str, str]:
    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(base, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    return base.rsplit("/", 1)[0] + "/" + name, name


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'governance.sqlite'}"
        return
    base = request.getfixturevalue("postgres_url")
    url, name = _pg_database(base)
    yield url
    with psycopg.connect(base, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def mail() -> Collector:
    return Collector()


@pytest.fixture
def gov(db_url: str, tmp_path: Path, mail: Collector):
    engine = create_engine(resolve_url(tmp_path, db_url))
    migrate(engine)
    g = Governance(engine=engine, home=tmp_path, mailer=mail, foundation="Hartwig Medical Foundation",
                   options={"argon2": FAST_ARGON2})
    yield g
    g.close()


def code_for(secret: str, at: dt.datetime) -> str:
    return pyotp.TOTP(secret).at(at)


@dataclass
class Person:
    account: identity.Account
    secret: str | None = None

    @property
    def id(self) -> int:
        return self.account.id

    @property
    def email(self) -> str:
        return self.account.email

    def code(self, at: dt.datetime) -> str:
        assert self.secret is not None
        return code_for(self.secret, at)


def make_person(gov: Governance, email: str, roles: tuple[Role, ...] = (), mfa: bool = True, at: dt.datetime = T0, **kw) -> Person:
    acc = identity.register(gov, email, email.split("@")[0].title(), "Tester", PASSWORD, roles=roles, at=at, **kw)
    if not mfa:
        return Person(acc)
    enrol = identity.begin_mfa_enrolment(gov, acc.id, at=at)
    identity.confirm_mfa(gov, acc.id, code_for(enrol.secret, at - dt.timedelta(seconds=60)), at=at - dt.timedelta(seconds=60))
    with gov.engine.connect() as conn:
        return Person(identity.get_account(conn, acc.id), enrol.secret)


@dataclass
class World:
    gov: Governance
    people: dict[str, Person] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Person:
        try:
            return self.people[name]
        except KeyError:
            raise AttributeError(name) from None


@pytest.fixture
def world(gov: Governance) -> World:
    organisations.add_organisation(gov, "umcu", "UMC Utrecht", "NL", "non-profit", at=T0)
    organisations.add_organisation(gov, "pharma", "Pharma Inc", "US", "commercial", at=T0)
    organisations.add_organisation(gov, "uni-br", "Universidade de Sao Paulo", "BR", "non-profit", at=T0)
    w = World(gov)
    spec = {
        "applicant": ("researcher@umcu.nl", (), {"organisation_id": "umcu"}),
        "signatory": ("director@umcu.nl", (), {"organisation_id": "umcu"}),
        "contact": ("analyst@umcu.nl", (), {"organisation_id": "umcu"}),
        "sb1": ("sb1@board.org", (Role.SCIENTIFIC_BOARD,), {}),
        "sb2": ("sb2@board.org", (Role.SCIENTIFIC_BOARD,), {}),
        "dab1": ("dab1@board.org", (Role.ACCESS_BOARD,), {}),
        "dab2": ("dab2@board.org", (Role.ACCESS_BOARD,), {}),
        "office": ("office@foundation.org", (Role.ACCESS_OFFICE,), {}),
        "manager": ("manager@foundation.org", (Role.DATA_MANAGER,), {}),
        "admin": ("admin@foundation.org", (Role.ADMIN,), {}),
        "auditor": ("auditor@foundation.org", (Role.AUDITOR,), {}),
        "physician": ("physician@hospital-a.nl", (Role.TREATING_PHYSICIAN,), {"hospital_code": "HOSP-A"}),
        "central_pi": ("central-pi@cpct.nl", (Role.CENTRAL_PI,), {}),
        "local_pi": ("local-pi@hospital-a.nl", (Role.LOCAL_PI,), {"hospital_code": "HOSP-A"}),
        "local_pi_b": ("local-pi@hospital-b.nl", (Role.LOCAL_PI,), {"hospital_code": "HOSP-B"}),
    }
    for name, (email, roles, kw) in spec.items():
        w.people[name] = make_person(gov, email, roles, **kw)
    return w


def dar_form(**over) -> dict:
    form = {
        "title": "Biomarkers of immunotherapy response in metastatic melanoma",
        "lay_summary": "We study which tumour DNA changes predict who benefits from immunotherapy.",
        "purpose": {"primary": "DS", "diseases": ["DOID:8923"], "genetic_study": True},
        "datasets": ["HMF-DR-001"],
        "items": [
            {"table": "somatic_variant", "columns": ["sample_id", "gene", "canonical_effect"], "justification": "Driver mutations are the candidate biomarkers we test."},
            {"table": "patient", "columns": ["patient_id", "sex", "birth_year"], "justification": "Age and sex are confounders in the response model."},
        ],
        "licensee": "umcu",
        "signatory_email": "director@umcu.nl",
        "signatory_name": "Dr. Director",
        "contacts": [{"name": "Ann Analyst", "position": "bioinformatician", "email": "analyst@umcu.nl"}],
        "term_months": 12,
        "freeze": "DR-2026-01",
    }
    form.update(over)
    return form
