"""The selections analyses start from (passing mutations, alteration events, drivers,
profiled flags) are computed once per store snapshot and stay correct."""

from __future__ import annotations

import analysis_builder as ab
from onconode.analysis import alterations
from onconode.analysis import cohort as C
from onconode.store.withdraw import withdraw_patient

KRAS = {"op": "gene_altered", "gene": "KRAS", "alteration": "mutation"}


def _cache_tables(store) -> list[str]:
    """The kept selections of this connection: temporary tables, and views of the costly
    ones' shared Parquet artifacts."""
    return [r[0] for r in store.con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary AND starts_with(table_name, '_onconode_cache_') UNION ALL "
        "SELECT view_name FROM duckdb_views() WHERE temporary AND starts_with(view_name, '_onconode_cache_')").fetchall()]


def test_mutation_analyses_share_one_selection_per_snapshot(store):
    ab.load(store)
    snap = store.snapshot()
    first = sorted(C.evaluate(snap, KRAS).sample_ids)
    built = _cache_tables(store)
    again = sorted(C.evaluate(snap, KRAS).sample_ids)
    assert first == again == ["P01T", "P03T"]   # filtered, silent and default-filtered KRAS calls excluded
    assert sorted(built) == ["_onconode_cache_alteration_events_v1_w0", "_onconode_cache_passing_mutations_v1_w0"]
    assert _cache_tables(store) == built   # the second question reused them
    assert set(alterations.mutations(snap).columns) == set(alterations.MUTATION_COLUMNS)


def test_a_withdrawal_is_never_hidden_by_the_kept_selection(store):
    from onconode.analysis import frequency as F

    def kras_mutated() -> int:
        snap = store.snapshot()
        return F.alteration_frequency(snap, C.evaluate(snap, {"op": "all"}), ["KRAS"], ("MUTATION",)).rows[0]["altered"]

    ab.load(store)
    assert "P01T" in C.evaluate(store.snapshot(), KRAS).sample_ids
    assert kras_mutated() == 2
    withdraw_patient(store, "P01", "consent withdrawn")
    assert sorted(C.evaluate(store.snapshot(), KRAS).sample_ids) == ["P03T"]
    assert kras_mutated() == 1   # the frequency table's file of before the withdrawal is let go, not read
    tables = _cache_tables(store)
    assert tables and all(t.endswith("_w1") for t in tables)   # the stale copies were dropped
    attached = [r[0] for r in store.con.execute("SELECT database_name FROM duckdb_databases()").fetchall()]
    assert not [d for d in attached if "_w0" in d], attached


def test_the_costly_selections_are_parquet_files_every_process_shares_and_a_withdrawal_deletes(tmp_path):
    from onconode.store import Store, derived

    home = tmp_path / "node"
    with Store.init(home) as store:
        ab.load(store)
    with Store.open(home, read_only=True) as first:
        assert sorted(C.evaluate(first.snapshot(), KRAS).sample_ids) == ["P01T", "P03T"]
    built = {name: derived.location(home, name, derived.Key(1, 0)) for name in ("analysis.passing_mutations", "analysis.alteration_events")}
    assert all(p is not None and (p / "rows.parquet").is_file() for p in built.values())
    stamps = {n: (p / "rows.parquet").stat().st_mtime_ns for n, p in built.items()}
    with Store.open(home, read_only=True) as second:   # another server worker: reads, does not build
        assert sorted(C.evaluate_sql(second.snapshot(), KRAS)[0]) == ["P01T", "P03T"]
    assert {n: (p / "rows.parquet").stat().st_mtime_ns for n, p in built.items()} == stamps
    with Store.open(home) as store:
        withdraw_patient(store, "P01", "consent withdrawn")
    assert not any(p.exists() for p in built.values())
    with Store.open(home, read_only=True) as third:
        assert sorted(C.evaluate_sql(third.snapshot(), KRAS)[0]) == ["P03T"]



def test_compiled_sql_is_reused_and_a_withdrawal_compiles_afresh(store):
    from onconode.analysis import materialized as M

    ab.load(store)
    C.evaluate_sql(store.snapshot(), KRAS)
    keys = [k for k in M._COMPILED[store] if "KRAS" in k[2]]
    assert len(keys) == 1
    C.evaluate_sql(store.snapshot(), KRAS)
    assert [k for k in M._COMPILED[store] if "KRAS" in k[2]] == keys   # the same SQL, not compiled again
    withdraw_patient(store, "P03", "consent withdrawn")
    assert sorted(C.evaluate_sql(store.snapshot(), KRAS)[0]) == ["P01T"]
    assert len([k for k in M._COMPILED[store] if "KRAS" in k[2]]) == 2   # keyed by the withdrawal count


def test_a_starting_server_builds_the_tables_before_the_first_question(tmp_path):
    from onconode.analysis.warm import warm_node_in_background
    from onconode.store import Store
    from onconode.interfaces.http.node import Node

    with Store.init(tmp_path) as store:
        ab.load(store)
        store.create_freeze("DR-1", "first release")
    node = Node(tmp_path)
    try:
        warm_node_in_background(node).join(60)
        with node.snapshot("DR-1") as snap:
            built = _cache_tables(snap.store)
            assert {"_onconode_cache_alteration_events_v1_w0", "_onconode_cache_gene_pairs_v1_w0", "_onconode_cache_somatic_drivers_v1_w0",
                    "_onconode_cache_sample_profiles_v1_w0", "_onconode_cache_sample_attributes_v1_w0",
                    "_onconode_cache_sample_dates_v1_w0"} <= set(built)
            assert sorted(C.evaluate(snap, KRAS).sample_ids) == ["P01T", "P03T"]
            assert _cache_tables(snap.store) == built   # the question found everything built
    finally:
        node.close()


def test_questions_read_the_shared_derived_tables_and_keep_no_copy_of_the_events_in_the_process(tmp_path):
    """Every server worker used to hold its own Arrow and NumPy copies of the alteration
    events (~265 MB at 5,000 patients); now a cohort, a frequency and an OncoPrint read the
    derived files on disk through DuckDB views, which the workers share in the page cache."""
    from onconode.analysis import frequency as F
    from onconode.analysis import materialized as M
    from onconode.analysis import oncoprint as O
    from onconode.store import Store, derived

    home = tmp_path / "node"
    with Store.init(home) as store:
        ab.load(store)
    with Store.open(home, read_only=True) as store:
        snap = store.snapshot()
        everyone = C.evaluate(snap, {"op": "all"})
        assert F.alteration_frequency(snap, everyone, ["KRAS"], ("MUTATION",)).rows[0]["altered"] == 2
        assert O.oncoprint(snap, everyone, ["KRAS"]).cells["P01T"] == {"KRAS": ["HOTSPOT_MISSENSE"]}
        assert C.evaluate(snap, KRAS).sample_ids == {"P01T", "P03T"}
        for name, form in (("analysis.alteration_events", "rows.parquet"), ("analysis.gene_pairs", "rows.duckdb")):
            assert (derived.location(home, name, derived.Key(1, 0)) / form).is_file(), name
        views = [r[0] for r in store.con.execute("SELECT view_name FROM duckdb_views() WHERE temporary").fetchall()]
        assert {"_onconode_cache_alteration_events_v1_w0", "_onconode_cache_gene_pairs_v1_w0"} <= set(views)
        kept = list(M._ARROW.get(store, {}))
        assert not [n for n in kept if "alteration_events" in n or "gene_pairs" in n or "cohort_" in n], kept


def test_a_new_definition_of_known_criteria_compiles_nothing(store, monkeypatch):
    """Ibis' compilation of a definition costs several times its run; each criterion is
    compiled once and definitions combine the kept parts."""
    import ibis

    ab.load(store)
    snap = store.snapshot()
    men, msi = {"op": "sex", "values": ["male"]}, {"op": "msi", "status": ["MSI"]}
    C.evaluate(snap, men)
    C.evaluate(snap, {"op": "not", "arg": msi})
    compiled: list[str] = []
    to_sql = ibis.to_sql
    monkeypatch.setattr(ibis, "to_sql", lambda *a, **k: compiled.append("sql") or to_sql(*a, **k))
    assert C.evaluate(snap, {"op": "and", "args": [men, {"op": "not", "arg": msi}]}).patient_ids == {
        "P01", "P04", "P08", "P09", "P10", "P12"}
    assert C.evaluate(snap, {"op": "or", "args": [msi, men]}).sample_ids == {
        "P01T", "P02T", "P03U", "P04T", "P08T", "P09T", "P10T", "P12T"}
    assert compiled == []
