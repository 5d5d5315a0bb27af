"""The model is defined once; everything else derives from it and must agree with it."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from onconode.model import TABLES, table
from onconode.model.codes import DEFAULT_FILTERED_CLASSIFICATIONS, VARIANT_CLASSIFICATIONS
from onconode.model.dictionary import data_dictionary_json, data_dictionary_markdown
from onconode.store import Store

ROOT = Path(__file__).resolve().parents[2]


def test_every_table_names_its_owner_and_key_among_its_columns():
    for t in TABLES:
        names = t.column_names
        assert t.owner in names, t.name
        assert set(t.key) <= set(names), t.name
        assert len(names) == len(set(names)), f"{t.name} defines a column twice"


def test_required_key_columns_are_marked_required():
    for t in TABLES:
        for k in t.key:
            if k in ("transcript", "five_prime_breakend_id", "three_prime_breakend_id"):
                continue  # nullable parts of a key: absent for some sources
            assert t.column(k).required, f"{t.name}.{k} is a key column but not required"


def test_arrow_schema_follows_the_columns():
    sv = table("somatic_variant").arrow_schema
    assert sv.field("position").type == pa.int64()
    assert sv.field("vaf").type == pa.float64()
    assert sv.field("biallelic").type == pa.bool_()
    assert not sv.field("sample_id").nullable


def test_store_tables_have_exactly_the_model_columns_plus_version_columns(store: Store):
    for t in TABLES:
        cols = [r[0] for r in store.con.execute(f'DESCRIBE "{t.name}"').fetchall()]
        assert cols == t.column_names + ["_added", "_removed"]


def test_data_dictionary_lists_every_column_with_its_description():
    text = data_dictionary_markdown()
    for t in TABLES:
        assert f"## `{t.name}`" in text
        for c in t.columns:
            assert f"| `{c.name}` |" in text


def test_committed_data_dictionary_is_regenerated_from_the_model():
    committed = (ROOT / "docs" / "data-dictionary.md").read_text()
    assert committed == data_dictionary_markdown(), "run `onconode schema > docs/data-dictionary.md`"


def test_dictionary_json_carries_code_lists():
    tables = {t["name"]: t for t in data_dictionary_json()["tables"]}
    cols = {c["name"]: c for c in tables["treatment_response"]["columns"]}
    assert "CLINICAL_PROGRESSION" in cols["response"]["codes"]


def test_default_filtered_classes_are_valid_classifications():
    assert set(DEFAULT_FILTERED_CLASSIFICATIONS) <= set(VARIANT_CLASSIFICATIONS)


@pytest.mark.parametrize("name", ["nonexistent", "Patient"])
def test_unknown_table_names_list_the_known_ones(name):
    with pytest.raises(KeyError, match="tables are: dataset"):
        table(name)


def test_api_schemas_derive_descriptions_codes_and_ranges_from_the_model():
    from pydantic import ValidationError

    from onconode.model.api_schemas import api_model

    Response = api_model("treatment_response")
    schema = Response.model_json_schema()
    assert schema["properties"]["response"]["description"] == table("treatment_response").column("response").description
    ok = Response(patient_id="HMF000001", treatment_id="T1", response_date="2024-01-02", response="PR")
    assert ok.response == "PR"
    with pytest.raises(ValidationError):
        Response(patient_id="HMF000001", treatment_id="T1", response_date="2024-01-02", response="GOOD")
    with pytest.raises(ValidationError):
        api_model("tumor_profile")(sample_id="S", ref_genome="GRCh38", purity=1.5)
