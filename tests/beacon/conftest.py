"""Beacon tests use the web fixtures (a 300-patient node with freeze DR-TEST) and the
official Beacon v2 schemas from the shared fixtures."""

from pathlib import Path

import pytest

from tests.web.conftest import *  # noqa: F401,F403  (node, client, web_home, make_person, login)

from onconode.beacon.schemas import SchemaSet


@pytest.fixture(scope="session")
def schemas(shared_fixtures: Path) -> SchemaSet:
    return SchemaSet(shared_fixtures / "beacon-v2")


@pytest.fixture(scope="session")
def web_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A smaller node than the web tests' (80 synthetic patients, freeze DR-TEST): enough
    for counts above the floor, quick to build."""
    from onconode.store import Store
    from onconode.synth import load_cohort

    home = tmp_path_factory.mktemp("beacon-node")
    with Store.init(home) as store:
        load_cohort(store, patients=80, seed=11, median_variants=120, workers=1)
        store.create_freeze("DR-TEST", "test release")
    return home
