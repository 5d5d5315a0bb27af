"""docs/security.md lists every route the app serves, as the generator renders it."""

from __future__ import annotations

from pathlib import Path

from onconode.interfaces.http.app import create_app
from onconode.interfaces.http.security_review import rows

DOC = Path(__file__).resolve().parents[3] / "docs" / "security.md"


def test_the_security_review_lists_every_route_with_its_rules(node):
    text = DOC.read_text()
    table = text.split("<!-- routes:start -->")[1].split("<!-- routes:end -->")[0]
    missing = [f"{m} {p}" for m, p, who, csrf, *_ in rows(create_app(node))
               if f"| {m} | `{p}` | {who} | {csrf} |" not in table]
    assert not missing, f"docs/security.md does not list these routes as the app has them (regenerate the table with " \
                        f"`python -m onconode.interfaces.http.security_review`): {missing}"
