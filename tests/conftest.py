"""Shared test fixtures: the real-format files in ../shared/fixtures and fresh stores."""

from __future__ import annotations

from pathlib import Path

import pytest

from onconode.store import Store

ROOT = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = Path(
    __import__("os").environ.get("ONCONODE_SHARED_FIXTURES", str(ROOT.parent / "shared" / "fixtures"))
)


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    """The real hmftools / Beacon / DUO files; tests that need them skip where absent."""
    if not SHARED_FIXTURES.is_dir():
        pytest.skip(f"real-format fixtures not found at {SHARED_FIXTURES} (set ONCONODE_SHARED_FIXTURES)")
    return SHARED_FIXTURES


@pytest.fixture(scope="session")
def hmftools_fixtures(shared_fixtures: Path) -> Path:
    return shared_fixtures / "hmftools"


@pytest.fixture
def store(tmp_path: Path):
    s = Store.init(tmp_path / "node")
    yield s
    s.close()
