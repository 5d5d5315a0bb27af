"""Portal fixtures: a node large enough for the planted KRAS / anti-EGFR effect to come
through disclosure control (600 synthetic patients, few variants each: ~35 colorectal
patients on anti-EGFR), shared by every portal test, and helpers to drive the builder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import frozen_synthetic_store
from tests.web.conftest import FREEZE

CRC_ANTI_EGFR = {"tumour_location": "Colorectum", "mechanism": "Anti-EGFR", "combine": "and", "freeze": FREEZE}


@pytest.fixture(scope="session")
def web_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Overrides tests/web's 300-patient node for the portal's tests."""
    return frozen_synthetic_store(tmp_path_factory.mktemp("portal-node"), patients=600, seed=7, median_variants=20,
                                  freeze=FREEZE, description="portal test release")


def page_csrf(client: TestClient) -> str:
    """The CSRF token a page carries (what the browser's forms and htmx send back)."""
    r = client.get("/cohorts")
    return re.search(r'name="csrf-token" content="([^"]+)"', r.text).group(1)


def save(client: TestClient, name: str, **fields: str) -> str:
    """Save a cohort through the builder form; returns its id."""
    r = client.post("/cohorts", data={"csrf": page_csrf(client), "name": name, **fields}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r.headers["location"].rsplit("/", 1)[1]


def text(html: str) -> str:
    """A page's visible text, whitespace collapsed (what a reader sees)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&lt;", "<").replace("&#39;", "'")
