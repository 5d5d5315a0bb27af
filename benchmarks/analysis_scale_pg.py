"""The same store in PostgreSQL 15, and the benchmark's five questions as SQL.

Schema: the store's tables at its current version, as a relational database a careful
DBA would set up for these questions (like Hartwig's MySQL patient-db): one table per
store table, the variant table with the columns analyses read plus the variant key,
primary/foreign-key style indexes on every join column, `somatic_variant(sample_id,
gene)` and `somatic_variant(gene)` for gene-first and sample-first access, a
partial index of the non-silent mutations, each sample's DOIDs as rows of a table
(`sample_doid`, as patient-db's doidNode), and `ANALYZE` after the load.

The load is the bulk-load path a DBA would take on a durable server (fsync and
full_page_writes on; no UNLOGGED tables): DuckDB exports each table to CSV, and one
transaction per table creates it and runs the server-side `COPY ... FROM 'file'
(FORMAT csv, FREEZE)` — with `wal_level = minimal` PostgreSQL then writes no WAL for the
new table and fsyncs its files at commit, and FREEZE spares the later vacuum a rewrite of
every tuple header. Indexes are built after the load (parallel, maintenance_work_mem 2 GB).

Each question is a `PgQuestion`: SQL doing the data work, then the same statistics
code onconode runs (scipy / lifelines via onconode.analysis.stats and .survival), so
the timings compare data access, not two statistics libraries.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

import duckdb
import pandas as pd
import psycopg
from scipy import stats as sps

from onconode.analysis.stats import benjamini_hochberg, chi_squared, fisher_exact_many
from onconode.analysis.survival import cox, kaplan_meier, logrank, median_survival
from onconode.store.store import version_filter

VARIANT_COLUMNS = ["sample_id", "chromosome", "position", "ref", "alt", "gene", "coding_effect", "filter",
                   "default_filtered", "hotspot", "biallelic", "hgvs_protein", "vaf"]
TABLES: dict[str, list[str] | None] = {   # None: every column of the store table
    "patient": None, "sample": None, "tumor_profile": None, "treatment": None, "treatment_drug": None,
    "treatment_response": None, "driver": None, "gene_copy_number": None, "fusion": None,
    "somatic_variant": VARIANT_COLUMNS,
}
PG_TYPES = {"VARCHAR": "text", "BIGINT": "bigint", "DOUBLE": "double precision", "BOOLEAN": "boolean", "DATE": "date",
            "TIMESTAMP": "timestamp", "INTEGER": "integer"}
# Derived after the load, as Hartwig's patient-db keeps each sample's DOIDs in a table of
# their own (doidNode) rather than a comma-separated string: the tumour-type filter is an
# index lookup, not a string split of every sample.
DERIVED = [
    "CREATE TABLE sample_doid AS SELECT DISTINCT sample_id, trim(d) AS doid FROM sample, "
    "unnest(string_to_array(coalesce(primary_tumor_doids, ''), ',')) d",
]
INDEXES = [
    "CREATE INDEX ON sample_doid (doid, sample_id)",
    "CREATE UNIQUE INDEX ON patient (patient_id)", "CREATE UNIQUE INDEX ON sample (sample_id)",
    "CREATE INDEX ON sample (patient_id)", "CREATE UNIQUE INDEX ON tumor_profile (sample_id)",
    "CREATE INDEX ON treatment (patient_id)", "CREATE UNIQUE INDEX ON treatment (treatment_id)",
    "CREATE INDEX ON treatment_drug (treatment_id)", "CREATE INDEX ON treatment_drug (lower(mechanism))",
    "CREATE INDEX ON treatment_response (treatment_id)",
    "CREATE INDEX ON driver (gene)", "CREATE INDEX ON driver (sample_id, gene)",
    "CREATE INDEX ON gene_copy_number (sample_id, gene)", "CREATE INDEX ON gene_copy_number (gene, cna_call)",
    "CREATE INDEX ON gene_copy_number (cna_call) WHERE cna_call IN ('AMP', 'HOMDEL')",
    "CREATE INDEX ON fusion (sample_id)", "CREATE INDEX ON fusion (five_prime_gene)", "CREATE INDEX ON fusion (three_prime_gene)",
    "CREATE INDEX ON somatic_variant (sample_id, gene)", "CREATE INDEX ON somatic_variant (gene)",
    "CREATE INDEX sv_passing ON somatic_variant (gene, sample_id) INCLUDE (coding_effect, hotspot, biallelic) "
    "WHERE coding_effect IN ('MISSENSE', 'NONSENSE_OR_FRAMESHIFT', 'SPLICE') AND (filter IS NULL OR filter = 'PASS') "
    "AND NOT coalesce(default_filtered, false) AND gene IS NOT NULL",
]
SETTINGS = {"shared_buffers": "4GB", "work_mem": "256MB", "maintenance_work_mem": "2GB", "effective_cache_size": "12GB",
            "random_page_cost": "1.1", "max_parallel_workers_per_gather": "2", "max_parallel_maintenance_workers": "2",
            "max_wal_size": "8GB", "checkpoint_timeout": "30min", "jit": "off",
            # durable (the server the benchmark starts otherwise runs the test suite's fsync=off)
            "fsync": "on", "full_page_writes": "on", "synchronous_commit": "on",
            # bulk load without WAL for tables created in the loading transaction (crash-safe)
            "wal_level": "minimal", "max_wal_senders": "0"}


def configure(url: str) -> None:
    """A DBA's settings for a 24 GB, 2-core analytical box (shared_buffers and wal_level need
    the restart the caller does afterwards, without the test server's fsync=off flags)."""
    with psycopg.connect(url, autocommit=True) as con:
        for k, v in SETTINGS.items():
            con.execute(f"ALTER SYSTEM SET {k} = '{v}'")


def load(url: str, store_path: Path, version: int, export_dir: Path) -> dict[str, Any]:
    """Export every table from the store (at `version`) to CSV and COPY it into PostgreSQL,
    then index and analyse. Returns seconds per phase and rows per table; the variant
    table's export and COPY are also reported on their own."""
    from onconode.model import TABLES_BY_NAME

    export_dir.mkdir(parents=True, exist_ok=True)
    export_dir.chmod(0o755)   # the server (user postgres) reads the files itself
    src = duckdb.connect(str(store_path), read_only=True)
    out: dict[str, Any] = {"rows": {}, "export_s": 0.0, "copy_s": 0.0,
                           "method": "DuckDB COPY TO csv; per table one transaction: CREATE TABLE + server-side "
                                     "COPY FROM file (FORMAT csv, FREEZE), wal_level=minimal, fsync on; "
                                     "indexes after the load; VACUUM ANALYZE"}
    with psycopg.connect(url, autocommit=True) as con:
        for name, cols in TABLES.items():
            model = TABLES_BY_NAME[name]
            cols = cols or list(model.column_names)
            types = {c.name: c.sql_type for c in model.columns}
            ddl = ", ".join(f'"{c}" {PG_TYPES[types[c]]}' for c in cols)
            csv = export_dir / f"{name}.csv"
            t0 = time.perf_counter()
            sel = ", ".join(f'"{c}"' for c in cols)
            src.execute(f"COPY (SELECT {sel} FROM \"{name}\" WHERE {version_filter(version)}) TO '{csv}' (FORMAT csv, HEADER false)")
            csv.chmod(0o644)
            t1 = time.perf_counter()
            with con.transaction():
                con.execute(f'DROP TABLE IF EXISTS "{name}"')
                con.execute(f'CREATE TABLE "{name}" ({ddl})')
                con.execute(f"COPY \"{name}\" ({sel}) FROM '{csv}' (FORMAT csv, FREEZE)")
            t2 = time.perf_counter()
            out["export_s"] += t1 - t0
            out["copy_s"] += t2 - t1
            if name == "somatic_variant":
                out["somatic_variant_export_s"], out["somatic_variant_copy_s"] = round(t1 - t0, 1), round(t2 - t1, 1)
                out["somatic_variant_csv_bytes"] = csv.stat().st_size
            out["rows"][name] = int(con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])
            csv.unlink()
        t0 = time.perf_counter()
        for stmt in DERIVED:
            con.execute(stmt)
        out["derive_s"] = round(time.perf_counter() - t0, 2)
        out["index_s"] = {}
        for stmt in INDEXES:
            t0 = time.perf_counter()
            con.execute(stmt)
            out["index_s"][stmt] = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        con.execute("VACUUM ANALYZE")
        out["analyze_s"] = time.perf_counter() - t0
    src.close()
    return out


# -- the questions -------------------------------------------------------------------

PASSING = ("coding_effect IN ('MISSENSE', 'NONSENSE_OR_FRAMESHIFT', 'SPLICE') AND (filter IS NULL OR filter = 'PASS') "
           "AND NOT coalesce(default_filtered, false) AND gene IS NOT NULL")
PROFILED = "(profiled IS NULL OR profiled = '' OR profiled LIKE '%%{t}%%')"
FULLY_PROFILED = ("SELECT sample_id FROM tumor_profile WHERE " + " AND ".join(
    PROFILED.format(t=t) for t in ("mutations", "cna", "structural_variants")))
CRC_SAMPLES = ("SELECT sample_id, patient_id FROM sample WHERE sample_id IN "
               "(SELECT sample_id FROM sample_doid WHERE doid = ANY(%(doids)s))")
# Alteration events (sample_id, gene, kind, coding_effect, hotspot) of the samples in CTE `members`;
# UNION ALL: every question counts distinct samples or collects sets, so a repeated event changes nothing.
EVENTS = f"""
  SELECT sample_id, gene, 'MUTATION' AS kind, coding_effect, hotspot = 'HOTSPOT' AS hotspot
    FROM somatic_variant WHERE {PASSING} AND sample_id IN (SELECT sample_id FROM members) {{genes}}
  UNION ALL SELECT sample_id, gene, 'AMP', NULL, NULL FROM gene_copy_number
    WHERE cna_call = 'AMP' AND sample_id IN (SELECT sample_id FROM members) {{genes}}
  UNION ALL SELECT sample_id, gene, 'AMP', NULL, NULL FROM driver
    WHERE driver IN ('AMP', 'PARTIAL_AMP') AND NOT coalesce(germline, false) AND sample_id IN (SELECT sample_id FROM members) {{genes}}
  UNION ALL SELECT sample_id, gene, 'DEL', NULL, NULL FROM gene_copy_number
    WHERE cna_call = 'HOMDEL' AND sample_id IN (SELECT sample_id FROM members) {{genes}}
  UNION ALL SELECT sample_id, gene, 'DEL', NULL, NULL FROM driver
    WHERE driver = 'DEL' AND NOT coalesce(germline, false) AND sample_id IN (SELECT sample_id FROM members) {{genes}}
  UNION ALL SELECT sample_id, five_prime_gene, 'FUSION', NULL, NULL FROM fusion
    WHERE coalesce(reported, true) AND sample_id IN (SELECT sample_id FROM members) {{five}}
  UNION ALL SELECT sample_id, three_prime_gene, 'FUSION', NULL, NULL FROM fusion
    WHERE coalesce(reported, true) AND sample_id IN (SELECT sample_id FROM members) {{three}}
  UNION ALL SELECT sample_id, gene, 'DRIVER', NULL, NULL FROM driver
    WHERE NOT coalesce(germline, false) AND coalesce(driver_likelihood, 0) >= 0.5 AND sample_id IN (SELECT sample_id FROM members) {{genes}}
"""


def _events(genes: bool) -> str:
    if not genes:
        return EVENTS.format(genes="", five="", three="")
    return EVENTS.format(genes="AND gene = ANY(%(genes)s)", five="AND five_prime_gene = ANY(%(genes)s)",
                         three="AND three_prime_gene = ANY(%(genes)s)")


def _rows(con: psycopg.Connection, sql: str, params: dict[str, Any]) -> list[tuple]:
    return con.execute(sql, params).fetchall()


def frequency(con: psycopg.Connection, doids: list[str]) -> dict[str, Any]:
    """Altered / profiled per gene and kind in colorectal cancer (every profile type is
    whole-genome here, so each kind's denominator is the fully profiled cohort)."""
    members = f"WITH members AS ({CRC_SAMPLES}) "
    profiled = {k: n for k, n in _rows(con, members + f"""
        SELECT 'MUTATION', count(*) FROM members m JOIN tumor_profile USING (sample_id) WHERE {PROFILED.format(t='mutations')}
        UNION ALL SELECT 'CNA', count(*) FROM members m JOIN tumor_profile USING (sample_id) WHERE {PROFILED.format(t='cna')}
        UNION ALL SELECT 'FUSION', count(*) FROM members m JOIN tumor_profile USING (sample_id) WHERE {PROFILED.format(t='structural_variants')}
        UNION ALL SELECT 'ANY', count(*) FROM members WHERE sample_id IN ({FULLY_PROFILED})""", {"doids": doids})}
    profiled = {"MUTATION": profiled["MUTATION"], "AMP": profiled["CNA"], "DEL": profiled["CNA"], "FUSION": profiled["FUSION"],
                "DRIVER": profiled["ANY"], "ANY": profiled["ANY"]}
    # DISTINCT then count(*) (hashing) rather than count(DISTINCT) (a sort per group): same counts
    counts = _rows(con, members + f", e AS ({_events(False)}) "
                   "SELECT kind, g, count(*) FROM (SELECT DISTINCT kind, upper(gene) AS g, sample_id FROM e "
                   f"JOIN tumor_profile USING (sample_id) WHERE CASE kind WHEN 'MUTATION' THEN {PROFILED.format(t='mutations')} "
                   f"WHEN 'FUSION' THEN {PROFILED.format(t='structural_variants')} WHEN 'DRIVER' THEN sample_id IN ({FULLY_PROFILED}) "
                   f"ELSE {PROFILED.format(t='cna')} END) x GROUP BY 1, 2 "
                   f"UNION ALL SELECT 'ANY', g, count(*) FROM (SELECT DISTINCT upper(gene) AS g, sample_id FROM e "
                   f"WHERE sample_id IN ({FULLY_PROFILED})) y GROUP BY 2", {"doids": doids})
    order = ("MUTATION", "AMP", "DEL", "FUSION", "DRIVER", "ANY")
    rows = sorted(({"gene": g, "kind": k, "altered": int(n)} for k, g, n in counts),
                  key=lambda r: (order.index(r["kind"]), -r["altered"], r["gene"]))
    return {"samples": int(_rows(con, members + "SELECT count(*) FROM members", {"doids": doids})[0][0]),
            "profiled": profiled, "rows": rows}


def count(con: psycopg.Connection, doids: list[str], genes: list[str], mechanism: str) -> dict[str, Any]:
    # From the colorectal samples (sample_doid), EXISTS probes of the partial mutation index
    # and of the treatments: the planner underestimates the genes' passing mutations (20 vs
    # 1,121 rows) and with IN-subqueries starts from them (13-22 ms instead of 6-11 ms).
    p, s = _rows(con, f"""
        WITH crc AS MATERIALIZED ({CRC_SAMPLES})
        SELECT count(DISTINCT patient_id), count(DISTINCT sample_id) FROM crc c
        WHERE EXISTS (SELECT 1 FROM somatic_variant v WHERE v.sample_id = c.sample_id AND v.gene = ANY(%(genes)s) AND {PASSING})
          AND EXISTS (SELECT 1 FROM treatment t JOIN treatment_drug d USING (treatment_id)
                      WHERE t.patient_id = c.patient_id AND lower(d.mechanism) = lower(%(mechanism)s))""",
                 {"doids": doids, "genes": genes, "mechanism": mechanism})[0]
    return {"patients": int(p), "samples": int(s)}


KRAS_GROUPS_SQL = f"""
  WITH kras_samples AS (SELECT DISTINCT sample_id FROM somatic_variant WHERE gene = 'KRAS' AND {PASSING}),
  kras AS (SELECT sample_id, patient_id FROM sample WHERE sample_id IN (SELECT sample_id FROM kras_samples)),
  grouped AS (SELECT sample_id, patient_id, 'KRAS mutant' AS grp FROM kras
              UNION ALL SELECT sample_id, patient_id, 'rest' FROM sample WHERE patient_id NOT IN (SELECT patient_id FROM kras))
"""
ATTRIBUTES_SQL = KRAS_GROUPS_SQL + """
  SELECT g.grp, g.sample_id, g.patient_id, p.sex, s.primary_tumor_location, s.biopsy_site, tp.tmb_per_mb, tp.tmb_status,
         tp.msi_status, tp.hr_status, tp.purity, tp.ploidy,
         extract(year FROM s.sampling_date) - p.birth_year AS age_at_biopsy,
         s.sampling_date, p.diagnosis_date, p.death_date, p.last_follow_up_date
  FROM grouped g JOIN sample s USING (sample_id) LEFT JOIN patient p ON p.patient_id = g.patient_id
  LEFT JOIN tumor_profile tp ON tp.sample_id = g.sample_id ORDER BY g.sample_id"""
CATEGORICAL = ("sex", "primary_tumor_location", "biopsy_site", "msi_status", "tmb_status", "hr_status")
NUMERIC = ("age_at_biopsy", "tmb_per_mb", "purity", "ploidy")
DATES = ("sampling_date", "diagnosis_date", "death_date", "last_follow_up_date")


def _attributes(con: psycopg.Connection) -> pd.DataFrame:
    cur = con.execute(ATTRIBUTES_SQL)
    df = pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])
    for c in NUMERIC:
        df[c] = pd.to_numeric(df[c], errors="coerce")
    for c in DATES:   # datetime64, or pandas' per-patient min runs in Python (~0.35 s of survival)
        df[c] = pd.to_datetime(df[c])
    return df


def compare(con: psycopg.Connection, genes: list[str]) -> dict[str, Any]:
    """KRAS-mutant vs rest: any alteration of each gene, Fisher + BH; clinical tests."""
    members = KRAS_GROUPS_SQL + ", members AS (SELECT sample_id FROM grouped)"
    counts = _rows(con, members + f", e AS ({_events(True)}) SELECT g.grp, upper(e.gene), count(DISTINCT e.sample_id) "
                   f"FROM e JOIN grouped g USING (sample_id) WHERE e.sample_id IN ({FULLY_PROFILED}) GROUP BY 1, 2",
                   {"genes": genes})
    profiled = dict(_rows(con, members + f" SELECT grp, count(*) FROM grouped WHERE sample_id IN ({FULLY_PROFILED}) GROUP BY 1", {}))
    names = ["KRAS mutant", "rest"]
    found = {(g, gene): int(n) for g, gene, n in counts}
    alts = []
    for gene in sorted(g.upper() for g in genes):
        altered = [found.get((n, gene), 0) for n in names]
        prof = [int(profiled.get(n, 0)) for n in names]
        alts.append({"gene": gene, "altered": altered, "profiled": prof})
    # the same statistics code as onconode's compare: every gene's Fisher test at once
    ps = fisher_exact_many([[[a, p - a] for a, p in zip(r["altered"], r["profiled"])] for r in alts])
    for r, p in zip(alts, ps):
        r["p"] = p
    for r, q in zip(alts, benjamini_hochberg([r["p"] for r in alts])):
        r["q"] = q
    attrs = _attributes(con)
    by = [attrs[attrs.grp == n] for n in names]
    cats = {}
    for a in CATEGORICAL:
        values = sorted({str(v) for v in attrs[a].dropna()})
        counts = [df[a].dropna().astype(str).value_counts() for df in by]   # one pass per group, not per value
        table = [[int(c.get(v, 0)) for c in counts] for v in values]
        cats[a] = chi_squared(table)[1] if len(values) > 1 else 1.0
    nums = {a: float(sps.mannwhitneyu(by[0][a].dropna(), by[1][a].dropna(), alternative="two-sided").pvalue) for a in NUMERIC}
    return {"alterations": sorted(alts, key=lambda r: (r["p"], r["gene"])), "categorical": cats, "numeric": nums}


def survival(con: psycopg.Connection) -> dict[str, Any]:
    """OS from diagnosis with entry at the first biopsy, per group; KM, log-rank, Cox."""
    a = _attributes(con).sort_values(["patient_id", "sample_id"])
    first = a.groupby("patient_id", as_index=False).agg(
        grp=("grp", "first"), sampling_date=("sampling_date", "min"), diagnosis_date=("diagnosis_date", "first"),
        death_date=("death_date", "first"), last_follow_up_date=("last_follow_up_date", "first"),
        age=("age_at_biopsy", "first"), sex=("sex", "first"), purity=("purity", "first"))
    days = lambda x, y: (pd.to_datetime(y) - pd.to_datetime(x)).dt.days.astype(float)  # noqa: E731
    end = first.death_date.fillna(first.last_follow_up_date)
    d = pd.DataFrame({"group": first.grp, "entry": days(first.diagnosis_date, first.sampling_date),
                      "time": days(first.diagnosis_date, end), "event": first.death_date.notna().astype(int),
                      "age": first.age.astype(float), "sex": first.sex.map({"male": 1.0, "female": 0.0}),
                      "purity": first.purity.astype(float)})
    ok = (first.diagnosis_date.notna() & (pd.to_datetime(first.diagnosis_date) <= pd.to_datetime(first.sampling_date))
          & end.notna() & d.time.notna() & (d.time >= 0)).to_numpy()
    d = d[ok]
    d = d[(d.entry < d.time) | ((d.entry == 0) & (d.time == 0))]
    curves = []
    for g in ("KRAS mutant", "rest"):
        x = d[d.group == g]
        km = kaplan_meier(x.time.to_numpy(), x.event.to_numpy(), x.entry.to_numpy())
        curves.append({"group": g, "patients": len(x), "events": int(x.event.sum()), "median_days": median_survival(km)})
    test = logrank(d.time.to_numpy(), d.event.to_numpy(), d.group.to_numpy(), d.entry.to_numpy())
    design = d.assign(**{"group[rest]": (d.group == "rest").astype(float)}).dropna(subset=["age", "sex", "purity"])
    return {"curves": curves, "logrank": test, "cox": cox(design, ["group[rest]", "age", "sex", "purity"], True)}


def oncoprint(con: psycopg.Connection, doids: list[str], genes: list[str]) -> dict[str, Any]:
    members = f"WITH members AS ({CRC_SAMPLES} AND sample_id IN ({FULLY_PROFILED})) "
    samples = sorted(r[0] for r in _rows(con, members + "SELECT sample_id FROM members", {"doids": doids}))
    ev = _rows(con, members + f", e AS ({_events(True)}) SELECT sample_id, upper(gene), kind, coding_effect, hotspot "
               "FROM e WHERE kind <> 'DRIVER'", {"doids": doids, "genes": genes})
    cells: dict[str, dict[str, list[str]]] = {}
    for s, g, kind, effect, hot in ev:
        label = ("HOTSPOT_" + str(effect) if hot else str(effect)) if kind == "MUTATION" else kind
        cells.setdefault(s, {}).setdefault(g, []).append(label)
    order = sorted(samples, key=lambda s: (tuple(0 if cells.get(s, {}).get(g) else 1 for g in genes), s))
    return {"matrix": [{"sample_id": s, "alterations": {g: sorted(set(v)) for g, v in cells.get(s, {}).items()}} for s in order]}


def pg_questions(con: psycopg.Connection, doids: list[str], driver_genes: list[str], ras_raf: list[str],
                 oncoprint_genes: list[str]) -> dict[str, Callable[[], dict[str, Any]]]:
    return {
        "frequency": lambda: frequency(con, doids),
        "count": lambda: count(con, doids, ras_raf, "Anti-EGFR"),
        "compare": lambda: compare(con, driver_genes),
        "survival": lambda: survival(con),
        "oncoprint": lambda: oncoprint(con, doids, oncoprint_genes),
    }


def fingerprint(name: str, out: dict[str, Any]) -> dict[str, Any]:
    """The same figures `analysis_scale_queries.fingerprint` prints for onconode."""
    if name == "frequency":
        top = [r for r in out["rows"] if r["kind"] == "MUTATION"][:3]
        return {"samples": out["samples"], "top_mutated": [(r["gene"], r["altered"]) for r in top]}
    if name == "count":
        return out
    if name == "compare":
        kras = next(r for r in out["alterations"] if r["gene"] == "KRAS")
        return {"genes": len(out["alterations"]), "KRAS altered": kras["altered"], "KRAS profiled": kras["profiled"],
                "categorical_p": {a: round(p, 9) for a, p in out["categorical"].items()}}
    if name == "survival":
        return {"patients": [c["patients"] for c in out["curves"]], "events": [c["events"] for c in out["curves"]],
                "cox_hr_group": round(out["cox"]["terms"][0]["hazard_ratio"], 4)}
    if name == "oncoprint":
        return {"samples": len(out["matrix"]), "altered_cells": sum(len(r["alterations"]) for r in out["matrix"])}
    raise KeyError(name)

