"""Shared test fixtures: the real-format files in ../shared/fixtures and fresh stores."""

from __future__ import annotations

import socket
import threading
import time
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from pysam.libcbgzf import BGZFile

from onconode.store import Store

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
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


def frozen_synthetic_store(home: Path, *, patients: int, seed: int, median_variants: int, freeze: str,
                           description: str = "test release") -> Path:
    """A node store holding one synthetic cohort (planted effects included) and one freeze."""
    from onconode.synth import load_cohort

    with Store.init(home) as store:
        load_cohort(store, patients=patients, seed=seed, median_variants=median_variants, workers=1)
        store.create_freeze(freeze, description)
    return home


@contextmanager
def served(app) -> Iterator[str]:
    """`app` served by uvicorn on a free loopback port in a thread; yields its base URL."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start within 20 s"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


# The Playwright browser, defined here only: a second definition (a copy made by importing
# the fixture into another module) would start a second sync Playwright while the first is
# still running, which Playwright refuses. Scoped to a module: a running sync Playwright
# occupies the thread's event loop, so later tests could not call asyncio.run().
@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium driven by Playwright (scripts/test installs both)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run ./scripts/test (it installs Debian's chromium) or apt-get install chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, request: pytest.FixtureRequest):
    """A fresh browser context; a screenshot of the last screen is saved under test-artifacts/."""
    context = chromium.new_context(accept_downloads=True)
    pg = context.new_page()
    yield pg
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        pg.screenshot(path=str(SCREENSHOTS / f"{request.node.name}-last.png"), full_page=True)
    finally:
        context.close()


BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")  # htslib's end-of-file block


def bgzf_bytes(data: bytes) -> bytes:
    """`data` as a complete BGZF file (as bgzip writes it: htslib through pysam, EOF block last)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.gz"
        with BGZFile(str(path), "wb") as f:
            f.write(data)
        return path.read_bytes()
