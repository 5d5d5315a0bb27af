"""Nothing a node keeps is readable by other accounts on the machine: after init, an
ingest, a freeze, a governance procedure, a release build and an audit checkpoint, a
walk of the home finds no file or folder open to group or others, even when the
operator's umask (022, the usual default) would have allowed it."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from onconode import private
from onconode.access import organisations
from onconode.access.db import Governance, create_engine, migrate, resolve_url
from onconode.access.roles import Role

from tests.access.conftest import FAST_ARGON2, T0, Collector, World, make_person
from tests.release.conftest import FREEZE, Env, active_dar

PERMISSIVE = 0o022


def _onconode(home: Path, *args: str) -> subprocess.CompletedProcess:
    run = subprocess.run([sys.executable, "-m", "onconode", "--home", str(home), *args], capture_output=True, text=True,
                         timeout=600, preexec_fn=lambda: os.umask(PERMISSIVE))
    assert run.returncode == 0, run.stderr
    return run


@contextmanager
def _umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def _governance_with_an_active_dar(home: Path) -> str:
    """The procedure up to a signed licence, run in this process under a permissive umask
    (as an application embedding onconode would)."""
    with _umask(PERMISSIVE):
        engine = create_engine(resolve_url(home, f"sqlite:///{home / 'governance.sqlite'}"))
        migrate(engine, home=home)
        gov = Governance(engine=engine, home=home, mailer=Collector(), options={"argon2": FAST_ARGON2, "auto_release": False})
        organisations.add_organisation(gov, "umcu", "UMC Utrecht", "NL", "non-profit", at=T0)
        w = World(gov)
        for name, email, roles, kw in (("applicant", "researcher@umcu.nl", (), {"organisation_id": "umcu"}),
                                       ("signatory", "director@umcu.nl", (), {"organisation_id": "umcu"}),
                                       ("contact", "analyst@umcu.nl", (), {"organisation_id": "umcu"}),
                                       ("sb1", "sb1@board.org", (Role.SCIENTIFIC_BOARD,), {}),
                                       ("dab1", "dab1@board.org", (Role.ACCESS_BOARD,), {}),
                                       ("office", "office@foundation.org", (Role.ACCESS_OFFICE,), {})):
            w.people[name] = make_person(gov, email, roles, **kw)
        app_id = active_dar(Env(home, gov, w, None, gov.mailer))  # type: ignore[arg-type]
        gov.close()
    return app_id


def test_a_node_home_keeps_nothing_readable_by_group_or_others(tmp_path: Path):
    home = tmp_path / "node"
    _onconode(home, "init")
    _onconode(home, "synth", "--patients", "12", "--seed", "3", "--into-store", "--variants-per-sample", "20")
    _onconode(home, "freeze", "create", FREEZE)
    app_id = _governance_with_an_active_dar(home)
    built = _onconode(home, "release", "build", app_id)
    assert f"built {home / 'releases' / app_id}" in built.stdout
    _onconode(home, "audit", "head")

    names = {p.relative_to(home).parts[0] for p in home.rglob("*")}
    assert {"store.duckdb", "governance.sqlite", "releases", "release-keys", "secrets", "audit"} <= names, names
    assert private.open_to_others(home) == []


def test_init_tightens_a_home_an_older_version_left_open(tmp_path: Path):
    home = tmp_path / "old-node"
    (home / "releases" / "DAR-2026-0001").mkdir(parents=True, mode=0o755)
    (home / "releases" / "DAR-2026-0001" / "variants.tsv").write_text("x\n")
    (home / "releases" / "DAR-2026-0001" / "variants.tsv").chmod(0o644)
    home.chmod(0o755)
    _onconode(home, "init")
    assert private.open_to_others(home) == []
    assert (home / "secrets" / "at-rest.key").exists()
