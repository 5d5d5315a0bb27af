"""Disease Ontology tree: a tumour-type filter on a DOID includes its descendants.

Samples carry the DOIDs the curation table assigned (`sample.primary_tumor_doids`,
comma-separated). A researcher asking for "colorectal cancer" means colon and rectum
cancers too, so filters expand a DOID to its subtree with the small parent map shipped
in `onconode/data/doid/doid_parents.tsv` (provenance in SOURCE.md next to it).
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources


def _normalise(doid: str) -> str:
    d = doid.strip()
    return d[5:] if d.upper().startswith("DOID:") else d


@lru_cache(maxsize=1)
def _tree() -> tuple[dict[str, str], dict[str, str | None]]:
    names: dict[str, str] = {}
    parents: dict[str, str | None] = {}
    path = resources.files("onconode") / "data" / "doid" / "doid_parents.tsv"
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            names[row["doid"]] = row["name"]
            parents[row["doid"]] = row["parent"] or None
    return names, parents


def known(doid: str) -> bool:
    return _normalise(doid) in _tree()[0]


def name(doid: str) -> str | None:
    return _tree()[0].get(_normalise(doid))


def parent(doid: str) -> str | None:
    return _tree()[1].get(_normalise(doid))


def descendants(doid: str) -> set[str]:
    """The DOID itself and every term below it in the shipped tree (ids without the
    'DOID:' prefix, as samples store them). An unknown DOID stands for itself only."""
    root = _normalise(doid)
    children: dict[str, list[str]] = {}
    for child, par in _tree()[1].items():
        if par:
            children.setdefault(par, []).append(child)
    out, todo = {root}, [root]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def all_doids() -> dict[str, str]:
    """Every DOID in the tree with its name (for pickers in the interfaces)."""
    return dict(_tree()[0])
