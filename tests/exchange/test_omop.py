"""The OMOP CDM 5.4 export: files in the official DDL's shape, the oncology-extension links,
deterministic ids, and nothing unmapped dropped silently. DuckDB only (PostgreSQL with the
official constraints: test_omop_postgres.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from onconode.exchange.formats import FORMATS
from onconode.exchange.omop import MAPPING, READS, REQUIRED, TABLES, write_omop
from onconode.exchange.omop_concepts import shipped
from onconode.exchange.omop_ddl import columns, ddl_sql, tables
from onconode.exchange.patients import PatientRecord, freeze_relations, iter_patients
from onconode.exchange.report import ExportReport
from onconode.model import TABLES_BY_NAME
from onconode.store.store import Store
from tests.conftest import frozen_synthetic_store


def export(home: Path, out: Path, tables: list[str] | None = None) -> ExportReport:
    report = ExportReport("omop")
    with Store.open(home, read_only=True) as store:
        relations = freeze_relations(store, store.resolve("f1"), tables)
        FORMATS["omop"](iter_patients(store.con, relations, batch=5), out, report)
    return report


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, ExportReport]:
    base = tmp_path_factory.mktemp("omop")
    home = frozen_synthetic_store(base / "node", patients=14, seed=11, median_variants=40, freeze="f1")
    return home, base / "out", export(home, base / "out")


def load_duckdb(out: Path) -> duckdb.DuckDBPyConnection:
    """The CSVs loaded into tables created by the official DDL (DuckDB enforces its NOT NULLs)."""
    con = duckdb.connect()
    con.execute(ddl_sql("ddl", "main"))
    for t in TABLES:
        con.execute(f"COPY {t} FROM '{out / (t + '.csv')}' (HEADER, FORMAT csv)")
    return con


def test_each_file_has_the_ddl_columns_in_order_and_loads_with_every_required_field(exported) -> None:
    _, out, _ = exported
    for t in TABLES:
        header = (out / f"{t}.csv").read_text().splitlines()[0].split(",")
        assert header == [c.name for c in columns(t)], t
    con = load_duckdb(out)
    for t in TABLES:
        for c in columns(t):
            if c.required:
                assert con.execute(f'SELECT count(*) FROM {t} WHERE "{c.name}" IS NULL').fetchone()[0] == 0, (t, c.name)
            if c.max_length:  # DuckDB ignores varchar lengths; PostgreSQL refuses the row
                longest = con.execute(f'SELECT max(length("{c.name}")) FROM {t}').fetchone()[0] or 0
                assert longest <= c.max_length, (t, c.name)
    assert con.execute("SELECT count(*) FROM person").fetchone()[0] == 14


def test_every_person_id_and_concept_id_refers_to_an_existing_row(exported) -> None:
    _, out, _ = exported
    con = load_duckdb(out)
    known = {c.concept_id for c in shipped().concepts()}
    for t in TABLES:
        names = [c.name for c in columns(t)]
        if "person_id" in names and t != "person":
            assert con.execute(f"SELECT count(*) FROM {t} WHERE person_id NOT IN (SELECT person_id FROM person)").fetchone()[0] == 0
        for n in names:
            if n.endswith("concept_id"):
                used = {r[0] for r in con.execute(f'SELECT DISTINCT "{n}" FROM {t} WHERE "{n}" IS NOT NULL').fetchall()}
                assert used <= known, (t, n, used - known)


def test_treatment_lines_are_regimen_episodes_linked_to_their_drug_exposures(exported) -> None:
    home, out, _ = exported
    con = load_duckdb(out)
    with Store.open(home, read_only=True) as store:
        v = store.resolve("f1")
        lines = store.con.execute(f"SELECT count(*), count(DISTINCT line) FROM ({store.relation_sql('treatment', v)})").fetchone()
        drugs = store.con.execute(f"SELECT count(*) FROM ({store.relation_sql('treatment_drug', v)})").fetchone()[0]
    regimens = con.execute("SELECT count(*) FROM episode WHERE episode_concept_id = 32531").fetchone()[0]
    assert regimens == lines[0]
    linked = con.execute("""
        SELECT count(*) FROM drug_exposure d
        JOIN episode_event ee ON ee.event_id = d.drug_exposure_id AND ee.episode_event_field_concept_id = 1147094
        JOIN episode e ON e.episode_id = ee.episode_id AND e.episode_concept_id = 32531 AND e.person_id = d.person_id
        WHERE d.drug_exposure_start_date = e.episode_start_date""").fetchone()[0]
    assert linked == drugs == con.execute("SELECT count(*) FROM drug_exposure").fetchone()[0]
    # the line number is the episode number, and each regimen sits under its disease episode
    assert con.execute("SELECT count(*) FROM episode WHERE episode_concept_id = 32531 AND episode_number IS NULL").fetchone()[0] == 0
    orphans = con.execute("""SELECT count(*) FROM episode e LEFT JOIN episode p ON p.episode_id = e.episode_parent_id
                             WHERE e.episode_concept_id = 32531 AND (p.episode_concept_id IS DISTINCT FROM 32528)""").fetchone()[0]
    assert orphans == 0


def test_recist_responses_are_disease_dynamic_episodes_under_the_disease_episode(exported) -> None:
    home, out, report = exported
    con = load_duckdb(out)
    with Store.open(home, read_only=True) as store:
        counts = dict(store.con.execute(
            f"SELECT response, count(*) FROM ({store.relation_sql('treatment_response', store.resolve('f1'))}) GROUP BY 1").fetchall())
    expected = {32946: counts.get("CR", 0), 32947: counts.get("PR", 0), 32948: counts.get("SD", 0),
                32949: counts.get("PD", 0) + counts.get("CLINICAL_PROGRESSION", 0)}
    got = dict(con.execute("SELECT episode_concept_id, count(*) FROM episode WHERE episode_concept_id BETWEEN 32946 AND 32949 "
                           "GROUP BY 1").fetchall())
    assert {k: v for k, v in expected.items() if v} == got
    parents = con.execute("""SELECT DISTINCT p.episode_concept_id, e.episode_object_concept_id = p.episode_object_concept_id
                             FROM episode e JOIN episode p ON p.episode_id = e.episode_parent_id
                             WHERE e.episode_concept_id BETWEEN 32946 AND 32949""").fetchall()
    assert parents == [(32528, True)]
    not_expressible = sum(v for k, v in counts.items() if k not in ("CR", "PR", "SD", "PD", "CLINICAL_PROGRESSION"))
    reported = sum(n for k, n in report.not_expressed.items() if k.startswith("treatment_response.response"))
    assert reported == not_expressible


def test_tumour_and_driver_measurements_point_at_the_condition_they_qualify(exported) -> None:
    home, out, _ = exported
    con = load_duckdb(out)
    bad = con.execute("""SELECT count(*) FROM measurement m LEFT JOIN condition_occurrence c
                         ON c.condition_occurrence_id = m.measurement_event_id AND c.person_id = m.person_id
                         WHERE m.meas_event_field_concept_id IS DISTINCT FROM 1147127 OR c.person_id IS NULL""").fetchone()[0]
    assert bad == 0
    kinds = {r[0] for r in con.execute("SELECT DISTINCT measurement_source_value FROM measurement "
                                       "WHERE measurement_source_value LIKE 'tumor_profile.%'").fetchall()}
    assert kinds == {"tumor_profile.purity", "tumor_profile.ploidy", "tumor_profile.tmb_per_mb",
                     "tumor_profile.ms_indels_per_mb", "tumor_profile.hrd_score"}
    with Store.open(home, read_only=True) as store:
        reported = store.con.execute(
            f"SELECT count(*) FROM ({store.relation_sql('somatic_variant', store.resolve('f1'))}) WHERE reported").fetchone()[0]
    variants = con.execute("SELECT count(*) FROM measurement WHERE unit_source_value = 'VAF' AND value_as_concept_id = 9191").fetchone()[0]
    assert variants == reported > 0
    vrs = con.execute("SELECT count(*) FROM measurement WHERE value_source_value LIKE 'ga4gh:VA.%'").fetchone()[0]
    assert vrs > 0


def test_exporting_the_same_freeze_twice_gives_identical_files(exported, tmp_path: Path) -> None:
    home, out, first = exported
    second = export(home, tmp_path / "again")
    for t in TABLES:
        assert (out / f"{t}.csv").read_bytes() == (tmp_path / "again" / f"{t}.csv").read_bytes(), t
    assert first.as_dict() == second.as_dict()


def test_the_declared_source_tables_are_all_the_export_reads(exported, tmp_path: Path) -> None:
    home, out, first = exported
    second = export(home, tmp_path / "narrow", list(READS))
    for t in TABLES:
        assert (out / f"{t}.csv").read_bytes() == (tmp_path / "narrow" / f"{t}.csv").read_bytes(), t
    assert first.as_dict() == second.as_dict()


def test_unmapped_unexpressible_and_overlong_values_are_counted_not_dropped(tmp_path: Path) -> None:
    day = dt.date(2024, 3, 1)
    record = PatientRecord("P1", {
        "patient": [{"patient_id": "P1", "sex": "other", "birth_year": 1950, "diagnosis_date": day}],
        "sample": [{"sample_id": "P1A", "patient_id": "P1", "sampling_date": day, "tissue_source": "tissue",
                    "primary_tumor_doids": "3910", "biopsy_site": "Liver"}],
        "treatment": [{"treatment_id": "T1", "patient_id": "P1", "sample_id": "P1A", "line": 1, "start_date": day,
                       "end_date": None, "regimen": "Made-up-ib/" + "x" * 60}],
        "treatment_drug": [{"treatment_id": "T1", "patient_id": "P1", "drug": "Made-up-ib"},
                           {"treatment_id": "T1", "patient_id": "P1", "drug": "Paclitaxel"}],
        "treatment_response": [{"patient_id": "P1", "treatment_id": "T1", "response_date": day, "response": "NE"},
                               {"patient_id": "P1", "treatment_id": "T1", "response_date": day, "response": "PR"}],
    })
    nobody = PatientRecord("P2", {"patient": [{"patient_id": "P2", "sex": "female", "birth_year": None}]})
    report = ExportReport("omop")
    write_omop([record, nobody], tmp_path, report)
    con = load_duckdb(tmp_path)
    assert con.execute("SELECT gender_concept_id, gender_source_value FROM person").fetchall() == [(0, "other")]
    assert con.execute("SELECT drug_concept_id, drug_source_value FROM drug_exposure ORDER BY 2").fetchall() == \
        [(0, "Made-up-ib"), (1378382, "Paclitaxel")]
    # lung adenocarcinoma has no concept of its own: written as its nearest mapped ancestor
    assert con.execute("SELECT condition_concept_id, condition_source_value FROM condition_occurrence").fetchall() == \
        [(443392, "DOID:3910")]
    source = con.execute("SELECT episode_source_value FROM episode WHERE episode_concept_id = 32531").fetchone()[0]
    assert len(source) == 50
    n = report.not_expressed
    assert n["patient.sex: no OMOP gender concept for 'other': gender_concept_id 0"] == 1
    assert n["treatment_drug.drug: no RxNorm concept for 'Made-up-ib': drug_concept_id 0"] == 1
    assert n["treatment_response.response: NE has no OMOP disease-dynamic episode concept: assessment not exported"] == 1
    assert n["episode.episode_source_value: longer than 50 characters: cut to 50"] == 1
    assert n["patient: no birth_year (PERSON.year_of_birth is required): patient not exported"] == 1
    assert any(k.startswith("sample.primary_tumor_doids: DOID:3910 has no OMOP concept") for k in n)
    assert report.files["person.csv"] == 1 and report.patients == 2


def test_a_release_without_the_dates_still_exports_what_it_can_and_says_what_not(tmp_path: Path) -> None:
    """A release carries only the approved columns: keys always, dates and genes maybe not."""
    record = PatientRecord("PX", {
        "patient": [{"patient_id": "PX", "sex": "male", "birth_year": 1960}],
        "sample": [{"sample_id": "PXA", "patient_id": "PX"}],
        "treatment": [{"treatment_id": "T1", "patient_id": "PX"}],
        "treatment_drug": [{"treatment_id": "T1", "patient_id": "PX", "drug": "Cisplatin"}],
        "treatment_response": [{"patient_id": "PX", "treatment_id": "T1", "response_date": None, "response": "PD"}],
        "fusion": [{"sample_id": "PXA", "name": "TMPRSS2_ERG", "reported": True}],
    })
    report = ExportReport("omop")
    write_omop([record], tmp_path, report)
    con = load_duckdb(tmp_path)
    assert con.execute("SELECT count(*) FROM person").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM episode").fetchone()[0] == 0
    n = report.not_expressed
    assert n["treatment.start_date: missing: no Treatment Regimen episode or drug exposure for the line"] == 1
    assert n["treatment_response.response_date: missing: assessment not exported"] == 1
    assert n["patient: no dates at all: no OBSERVATION_PERIOD"] == 1
    assert n["fusion: no sampling or arrival date of the sample: MEASUREMENT not written"] == 1


def test_the_mapping_names_real_model_columns_and_omop_fields() -> None:
    for m in MAPPING:
        table, column = m.source.split(".")
        assert column in TABLES_BY_NAME[table].column_names, m.source
        omop_table, field = m.target.split(".")
        assert field in [c.name for c in columns(omop_table)], m.target
    for r in REQUIRED:
        table, column = r.source.split(".")
        assert column in TABLES_BY_NAME[table].column_names, r.source


def test_the_vendored_ddl_declares_the_oncology_tables_and_their_constraints() -> None:
    assert {"episode", "episode_event", "measurement", "cdm_source"} <= set(tables())
    assert [c.name for c in columns("measurement")][-2:] == ["measurement_event_id", "meas_event_field_concept_id"]
    constraints = ddl_sql("constraints", "cdm")
    assert "ALTER TABLE cdm.episode_event  ADD CONSTRAINT fpk_episode_event_episode_id" in constraints
    assert "@cdmDatabaseSchema" not in constraints
    with pytest.raises(ValueError, match="plain SQL identifier"):
        ddl_sql("ddl", "cdm; DROP TABLE x")
