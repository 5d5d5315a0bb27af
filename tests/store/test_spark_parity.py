"""The same cohort queries give the same answers on DuckDB (the store) and on PySpark
(the exported Parquet of the same freeze): a node can move to Spark without changing
one result."""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cohort_builder import ingest, ingest_cohort, patient_rows

from onconode.analysis import queries as Q
from onconode.store import Store
from onconode.store.parquet import ParquetSnapshot, export_parquet

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.fixture(scope="session")
def spark_backend() -> Iterator[object]:
    """One small local Spark for the whole test session (it takes ~15 s to start)."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("PySpark needs Java (a JRE 17); none found on PATH or in JAVA_HOME")
    import ibis
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[1]")
        .appName("onconode-parity")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "512m")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    yield ibis.pyspark.connect(spark)
    spark.stop()


@pytest.fixture(scope="module")
def frozen_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Path]]:
    """48 patients frozen as DR-1 and exported; after the freeze, more patients arrive and
    one sample is re-sequenced, so the freeze and the current store differ."""
    root = tmp_path_factory.mktemp("parity")
    store = Store.init(root / "node")
    ingest_cohort(store, n=48)
    store.create_freeze("DR-1")
    ingest_cohort(store, n=12, first=100)
    again = patient_rows("P004", 4)
    again["somatic_variant"] = again["somatic_variant"][:1]
    ingest(store, again)
    export_parquet(store, root / "DR-1", "DR-1")
    yield store, root / "DR-1"
    store.close()


QUERIES: dict[str, Callable] = {
    "alteration frequency in lung": lambda s: Q.alteration_frequency(s, "Lung"),
    "alteration frequency in skin": lambda s: Q.alteration_frequency(s, "Skin"),
    "EGFR-mutant lung cancer on an EGFR inhibitor": lambda s: Q.cohort_count(s, "EGFR", "Lung", "EGFR inhibitor"),
    "KRAS-mutant colorectal cancer on chemotherapy": lambda s: Q.cohort_count(s, "KRAS", "Colorectum", "Platinum"),
    "TMB by tumour type": Q.tmb_by_tumor_type,
    "variants per sample with VAF > 0.3": lambda s: Q.variants_per_sample(s, 0.3),
}


def same(a: object, b: object) -> bool:
    """Equal; floats from an aggregate may differ in the last bit (summation order)."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12)
    return a == b


@pytest.mark.parametrize("name", list(QUERIES))
def test_duckdb_and_spark_give_identical_results(name: str, frozen_store, spark_backend) -> None:
    store, export = frozen_store
    on_duckdb = QUERIES[name](store.snapshot("DR-1")).to_pyarrow().to_pylist()
    on_spark = QUERIES[name](ParquetSnapshot(export, spark_backend)).to_pyarrow().to_pylist()
    assert on_duckdb, "the query must have rows to compare"
    assert len(on_spark) == len(on_duckdb)
    for d, s in zip(on_duckdb, on_spark):
        assert d.keys() == s.keys()
        assert all(same(d[k], s[k]) for k in d), (d, s)


def test_the_cohort_queries_are_not_trivially_empty(frozen_store) -> None:
    """Parity on zeros proves nothing: the planted cohorts exist in the freeze."""
    store, _ = frozen_store
    snap = store.snapshot("DR-1")
    for name in ("EGFR-mutant lung cancer on an EGFR inhibitor", "KRAS-mutant colorectal cancer on chemotherapy"):
        assert QUERIES[name](snap).to_pyarrow().to_pylist()[0]["patients"] > 0, name


def test_spark_reads_the_freeze_not_the_current_store(frozen_store, spark_backend) -> None:
    store, export = frozen_store
    spark_snap = ParquetSnapshot(export, spark_backend)
    assert spark_snap.table("patient").count().execute() == 48 == store.counts("DR-1")["patient"]
    assert store.counts()["patient"] == 60
    p004 = Q.variants_per_sample(spark_snap, 0.0).filter(lambda t: t.sample_id == "P004T").to_pyarrow().to_pylist()
    assert p004 == [{"sample_id": "P004T", "variants": len(patient_rows("P004", 4)["somatic_variant"])}]
