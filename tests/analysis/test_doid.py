"""The shipped DOID tree covers the curation table and expands a term to its subtree."""

from __future__ import annotations

import csv
from importlib import resources

from onconode.analysis import doid


def test_every_doid_of_the_curation_table_is_in_the_tree():
    path = resources.files("onconode") / "data" / "curation" / "tumor_location_mapping.tsv"
    with path.open(encoding="utf-8") as fh:
        used = {d.strip() for row in csv.DictReader(fh, delimiter="\t") for d in (row["doids"] or "").split(",") if d.strip()}
    assert used and not {d for d in used if not doid.known(d)}


def test_every_parent_is_a_known_term_and_the_tree_has_no_cycles():
    for d in doid.all_doids():
        seen = set()
        while d is not None:
            assert d not in seen and doid.known(d)
            seen.add(d)
            d = doid.parent(d)


def test_descendants_include_the_term_and_its_subtree_only():
    assert doid.descendants("DOID:9256") == {"9256", "219", "234", "1993", "1996"}
    assert doid.descendants("1324") == {"1324", "3905", "3908", "3910", "3907", "5409"}
    assert doid.descendants("2526") == {"2526"}
    assert doid.descendants("999999") == {"999999"}
