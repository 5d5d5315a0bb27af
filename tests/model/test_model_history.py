"""The model version moves with the model: every table is listed under the version that added
it, so a table added without raising the version fails here, and the dictionary tells a
reader since when each table exists."""

from __future__ import annotations

import pytest

from onconode.model import MODEL_VERSION, TABLES
from onconode.model.dictionary import data_dictionary_json, data_dictionary_markdown
from onconode.model.history import ADDED, added_in, unversioned


def test_every_table_of_the_model_is_listed_under_the_version_that_added_it():
    assert unversioned() == [], "add the new tables to a new version in model/history.py"
    listed = [t for _, tables in ADDED for t in tables]
    assert len(listed) == len(set(listed)) and set(listed) == {t.name for t in TABLES}


def test_the_wigits_tables_of_issue_17_raised_the_model_version_to_1_1():
    assert MODEL_VERSION == "1.1" and ADDED[-1][0] == MODEL_VERSION
    assert added_in("somatic_variant") == "1.0"
    assert {added_in(t) for t in ("cuppa_prediction", "germline_structural_variant", "cdr3_sequence", "tool_version")} == {"1.1"}
    with pytest.raises(KeyError, match="model/history.py"):
        added_in("no_such_table")


def test_the_dictionary_says_since_when_each_table_exists():
    assert {t["name"]: t["added_in"] for t in data_dictionary_json()["tables"]}["cdr3_locus_summary"] == "1.1"
    text = data_dictionary_markdown()
    assert "Harmonized model version 1.1." in text
    section = text[text.index("## `germline_sv_breakend`"):].split("## `", 2)[1]
    assert "In the model since version 1.1." in section
