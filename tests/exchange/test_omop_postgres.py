"""The OMOP export loads into a real PostgreSQL with the official OMOP CDM 5.4 DDL, its
primary keys and its foreign-key constraints, and passes referential checks.

The constraints reference the vocabulary tables (CONCEPT, VOCABULARY, DOMAIN,
CONCEPT_CLASS); without Athena's vocabularies the test loads the minimal rows of the
shipped concept table (`omop_concepts.vocabulary_tables`), so every concept id the export
writes must be one of them for the foreign keys to hold."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from onconode.exchange.omop import TABLES, write_omop
from onconode.exchange.omop_concepts import vocabulary_tables
from onconode.exchange.omop_ddl import columns, ddl_sql
from onconode.exchange.patients import freeze_relations, iter_patients
from onconode.exchange.report import ExportReport
from onconode.store.store import Store
from tests.conftest import frozen_synthetic_store

URL = os.environ.get("ONCONODE_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(
    not URL, reason="needs PostgreSQL: set ONCONODE_TEST_POSTGRES_URL (scripts/test starts one; by hand: "
                    "export ONCONODE_TEST_POSTGRES_URL=$(scripts/postgres start /tmp/pg --until-exit-of $$))")


def run_sql(con: psycopg.Connection, text: str) -> None:
    for statement in text.split(";\n"):
        if statement.strip() and not all(line.startswith("--") for line in statement.strip().splitlines()):
            con.execute(statement)


@pytest.fixture(scope="module")
def cdm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[psycopg.Connection, str, ExportReport]]:
    base = tmp_path_factory.mktemp("omop-pg")
    home = frozen_synthetic_store(base / "node", patients=20, seed=23, median_variants=40, freeze="f1")
    report = ExportReport("omop")
    with Store.open(home, read_only=True) as store:
        write_omop(iter_patients(store.con, freeze_relations(store, store.resolve("f1"))), base / "out", report)
    schema = "omop_" + uuid.uuid4().hex[:10]
    with psycopg.connect(URL, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {schema}")
        try:
            run_sql(con, ddl_sql("ddl", schema))
            for t in TABLES:
                with con.cursor().copy(f"COPY {schema}.{t} FROM STDIN (FORMAT csv, HEADER true)") as copy:
                    copy.write((base / "out" / f"{t}.csv").read_bytes())
            for t, rows in vocabulary_tables().items():
                names = [c.name for c in columns(t)]
                with con.cursor().copy(f"COPY {schema}.{t} ({', '.join(names)}) FROM STDIN") as copy:
                    for r in rows:
                        copy.write_row([r[n] for n in names])
            run_sql(con, ddl_sql("primary_keys", schema))
            run_sql(con, ddl_sql("constraints", schema))
            yield con, schema, report
        finally:
            con.execute(f"DROP SCHEMA {schema} CASCADE")


def count(con: psycopg.Connection, sql: str) -> int:
    return con.execute(sql).fetchone()[0]


def test_the_export_loads_under_the_official_keys_and_constraints(cdm) -> None:
    con, s, report = cdm
    for t in TABLES:
        assert count(con, f"SELECT count(*) FROM {s}.{t}") == report.files[f"{t}.csv"], t
    assert count(con, f"SELECT count(*) FROM {s}.person") == 20
    fks = count(con, f"SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
                     f"WHERE n.nspname = '{s}' AND c.contype = 'f'")
    assert fks > 150  # the constraints file was applied, not skipped


def test_every_row_refers_to_an_existing_person_episode_event_and_concept(cdm) -> None:
    con, s, _ = cdm
    for t in TABLES:
        if t not in ("person", "cdm_source", "episode_event"):
            assert count(con, f"SELECT count(*) FROM {s}.{t} x WHERE NOT EXISTS "
                              f"(SELECT 1 FROM {s}.person p WHERE p.person_id = x.person_id)") == 0, t
    # EPISODE_EVENT.event_id has no foreign key (it points into the table its field concept names): check it
    assert count(con, f"""SELECT count(*) FROM {s}.episode_event ee WHERE NOT CASE ee.episode_event_field_concept_id
        WHEN 1147127 THEN EXISTS (SELECT 1 FROM {s}.condition_occurrence c JOIN {s}.episode e ON e.episode_id = ee.episode_id
                                  WHERE c.condition_occurrence_id = ee.event_id AND c.person_id = e.person_id)
        WHEN 1147094 THEN EXISTS (SELECT 1 FROM {s}.drug_exposure d JOIN {s}.episode e ON e.episode_id = ee.episode_id
                                  WHERE d.drug_exposure_id = ee.event_id AND d.person_id = e.person_id)
        ELSE false END""") == 0
    assert count(con, f"SELECT count(*) FROM {s}.episode_event") > 0
    assert count(con, f"""SELECT count(*) FROM {s}.measurement m WHERE m.measurement_event_id IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM {s}.condition_occurrence c WHERE c.condition_occurrence_id = m.measurement_event_id
         AND c.person_id = m.person_id)""") == 0
    assert count(con, f"""SELECT count(*) FROM {s}.episode e WHERE e.episode_parent_id IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM {s}.episode p WHERE p.episode_id = e.episode_parent_id AND p.person_id = e.person_id)""") == 0
    for t in TABLES:
        for c in columns(t):
            if c.name.endswith("concept_id"):
                assert count(con, f'SELECT count(*) FROM {s}.{t} x WHERE x."{c.name}" IS NOT NULL AND NOT EXISTS '
                                  f'(SELECT 1 FROM {s}.concept k WHERE k.concept_id = x."{c.name}")') == 0, (t, c.name)


def test_a_row_pointing_at_a_missing_person_is_refused_by_the_constraints(cdm) -> None:
    con, s, _ = cdm
    with pytest.raises(psycopg.errors.ForeignKeyViolation), con.transaction():
        con.execute(f"INSERT INTO {s}.death (person_id, death_date) VALUES (999999, DATE '2020-01-01')")
