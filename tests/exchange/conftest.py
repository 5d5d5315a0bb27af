"""One small frozen synthetic store shared by the exchange tests (read-only use)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import frozen_synthetic_store


@pytest.fixture(scope="package")
def frozen_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return frozen_synthetic_store(tmp_path_factory.mktemp("exchange") / "node", patients=12, seed=7,
                                  median_variants=40, freeze="DR-1")
