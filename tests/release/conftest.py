"""Release fixtures: one small synthetic store (session), and per test a node home with
its own governance database, release keys and releases, plus DARs driven through the
published procedure to the state a test needs (tests.access.helpers)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from onconode.access import organisations
from onconode.access.db import Governance, create_engine, migrate, resolve_url
from onconode.access.roles import Role
from onconode.interfaces.root import wire
from onconode.store import Store
from tests.access.conftest import (
    FAST_ARGON2,
    T0,
    Collector,
    World,
    dar_form,
    make_person,
)
from tests.conftest import frozen_synthetic_store

FREEZE = "DR-2026-01"
DAY = dt.timedelta(days=1)
DURING_TERM = T0 + 40 * DAY
ALL_ITEMS = ["patient", "consent", "sample", "tumor_profile", "treatment", "treatment_drug", "treatment_response",
             "somatic_variant", "copy_number_segment", "gene_copy_number", "structural_variant", "fusion", "driver"]


def release_form(**over) -> dict:
    """A DAR asking for every data type, for health/medical research (HMB)."""
    items = [{"table": t, "columns": "all", "justification": f"The project needs {t} for its analysis."} for t in ALL_ITEMS]
    fields = {"items": items, "datasets": ["HMF-SYNTH"], "purpose": {"primary": "HMB"}, "freeze": FREEZE}
    return dar_form(**{**fields, **over})


@pytest.fixture(scope="session")
def store_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 synthetic patients with every data type, frozen as DR-2026-01."""
    return frozen_synthetic_store(tmp_path_factory.mktemp("release-store"), patients=40, seed=11, median_variants=60,
                                  freeze=FREEZE, description="release tests")


def link_store(store_home: Path, home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    for f in store_home.iterdir():
        if f.name.startswith("store.duckdb"):
            (home / f.name).symlink_to(f)


@dataclass
class Env:
    home: Path
    gov: Governance
    world: World
    store: Store
    mail: Collector


def make_env(store_home: Path, home: Path, auto_release: bool = False) -> Env:
    """A node home on the shared store. Automatic builds on activation are off unless
    asked for (tests/release/test_automatic.py), so other tests build explicitly."""
    link_store(store_home, home)
    mail = Collector()
    engine = create_engine(resolve_url(home, f"sqlite:///{home / 'governance.sqlite'}"))
    migrate(engine)
    gov = Governance(engine=engine, home=home, mailer=mail, foundation="Hartwig Medical Foundation", options={"argon2": FAST_ARGON2, "auto_release": auto_release})
    organisations.add_organisation(gov, "umcu", "UMC Utrecht", "NL", "non-profit", at=T0)
    w = World(gov)
    spec = {
        "applicant": ("researcher@umcu.nl", (), {"organisation_id": "umcu"}),
        "signatory": ("director@umcu.nl", (), {"organisation_id": "umcu"}),
        "contact": ("analyst@umcu.nl", (), {"organisation_id": "umcu"}),
        "other": ("someone@umcu.nl", (), {"organisation_id": "umcu"}),
        "sb1": ("sb1@board.org", (Role.SCIENTIFIC_BOARD,), {}),
        "dab1": ("dab1@board.org", (Role.ACCESS_BOARD,), {}),
        "office": ("office@foundation.org", (Role.ACCESS_OFFICE,), {}),
        "manager": ("manager@foundation.org", (Role.DATA_MANAGER,), {}),
        "physician": ("physician@hospital-a.nl", (Role.TREATING_PHYSICIAN,), {"hospital_code": "HOSP-A"}),
        "central_pi": ("central-pi@cpct.nl", (Role.CENTRAL_PI,), {}),
        "local_pi": ("local-pi@hospital-a.nl", (Role.LOCAL_PI,), {"hospital_code": "HOSP-A"}),
    }
    for name, (email, roles, kw) in spec.items():
        w.people[name] = make_person(gov, email, roles, **kw)
    return Env(home, gov, w, Store.open(home, read_only=True), mail)


@pytest.fixture
def env(store_home: Path, tmp_path: Path) -> Iterator[Env]:
    e = make_env(store_home, tmp_path / "node")
    yield e
    e.store.close()
    e.gov.close()


@pytest.fixture
def auto_env(store_home: Path, tmp_path: Path) -> Iterator[Env]:
    """A node whose governance commands queue release builds automatically (release.auto)."""
    wire()
    e = make_env(store_home, tmp_path / "node", auto_release=True)
    yield e
    e.store.close()
    e.gov.close()


def active_dar(env: Env, shift_days: int = 0, approved: list[dict] | None = None, **form_over) -> str:
    """A DAR driven along the published procedure to active (term T0+23d .. +12 months).
    `shift_days` moves every step, so two DARs' MFA codes are never the same code twice;
    `approved` is the board's item list (default: everything requested)."""
    from onconode.access.workflow import create, execute
    from tests.access.helpers import sign_all

    w, g = env.world, env.gov
    t = T0 + dt.timedelta(days=shift_days)
    a = create(g, "dar", w.applicant.id, at=t, form=release_form(**form_over)).id
    execute(g, a, "submit", w.applicant.id, at=t + DAY)
    execute(g, a, "assign", w.office.id, at=t + 2 * DAY, members=[w.sb1.id])
    execute(g, a, "assess", w.sb1.id, at=t + 10 * DAY, opinion="positive", reasons="Sound design, feasible sample size.")
    execute(g, a, "vote", w.dab1.id, at=t + 20 * DAY, vote="approve", reasons="Proportionate request.")
    execute(g, a, "decide", w.dab1.id, at=t + 21 * DAY, decision="approve", reasons="Board meeting.",
            **({"items": approved} if approved is not None else {}))
    app = execute(g, a, "issue_licence", w.office.id, at=t + 22 * DAY)
    sign_all(w, a, app.licence["sha256"], t + 23 * DAY)
    return a
