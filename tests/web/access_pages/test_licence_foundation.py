"""The licence names the foundation the node's settings name (`[node] foundation`), not "the Foundation"."""

from __future__ import annotations

import re
import zlib
from pathlib import Path
from typing import Iterator

import pytest

from onconode.interfaces.http.node import Node
from tests.web.access_pages.steps import do, login_as
from tests.web.access_pages.test_board_and_office_pages import approved_dar
from tests.web.conftest import FAST_ARGON2

FOUNDATION = "the Example Cancer Genomics Foundation"


@pytest.fixture
def node(web_home: Path, tmp_path: Path, clock) -> Iterator[Node]:  # the access pages' node, with a foundation set in its settings
    home = tmp_path / "node"
    home.mkdir()
    (home / "onconode.toml").write_text(f'[node]\nfoundation = "{FOUNDATION}"\n')
    for f in web_home.iterdir():
        if f.name.startswith("store.duckdb"):
            (home / f.name).symlink_to(f)
    n = Node(home, governance_options=FAST_ARGON2, clock=clock)
    yield n
    n.close()


def pdf_text(pdf: bytes) -> str:
    """The text of fpdf2's (deflated) content streams."""
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S)
    out = []
    for s in streams:
        try:
            out.append(zlib.decompress(s).decode("latin-1"))
        except zlib.error:
            out.append(s.decode("latin-1"))
    return "".join(re.findall(r"\((.*?)\)\s*Tj", "".join(out)))


def test_the_licence_names_the_foundation_from_the_nodes_settings(client, cast, clock):
    app_id = approved_dar(client, cast, clock)
    csrf = login_as(client, cast.office, clock)
    assert do(client, csrf, app_id, "issue_licence").status_code == 303
    page = client.get(f"/access/applications/{app_id}").text
    text = pdf_text(client.get(re.search(r'href="([^"]+)" id="licence-pdf"', page).group(1)).content)
    assert f"Foundation: {FOUNDATION}" in text
    assert f"acknowledge {FOUNDATION}" in text and f"made available by {FOUNDATION}" in text
    assert "the Foundation" not in text
