"""The licence names the foundation the node's settings name (`[node] foundation`), not "the Foundation"."""

from __future__ import annotations

import re
import zlib

import pytest

from onconode.interfaces.http.node import Node
from tests.web.access_pages.steps import do, login_as
from tests.web.access_pages.test_board_and_office_pages import approved_dar

FOUNDATION = "the Example Cancer Genomics Foundation"


@pytest.fixture
def node(node: Node) -> Node:
    """The access pages' node, with the foundation named in its settings before anything reads them."""
    (node.home / "onconode.toml").write_text(f'[node]\nfoundation = "{FOUNDATION}"\n')
    return node


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
