"""A server worker's memory stays bounded at scale (issue 16, item 6; the figures are in
benchmarks/memory_at_scale.py): its store connection runs under a DuckDB memory limit,
also after it moves to a newer published copy of the store."""

from __future__ import annotations

from pathlib import Path

import duckdb

from onconode.interfaces.http.node import WORKER_DUCKDB, Node
from onconode.store import Store


def _shown(name: str, value: str) -> str:
    """How DuckDB shows `value` of setting `name` once set (it rounds memory sizes)."""
    with duckdb.connect() as con:
        con.execute(f"SET {name} = '{value}'")
        return str(con.execute(f"SELECT current_setting('{name}')").fetchone()[0])


def _settings(node: Node) -> dict[str, str]:
    with node.snapshot(None) as snap:
        return {k: str(snap.store.con.execute(f"SELECT current_setting('{k}')").fetchone()[0]) for k in WORKER_DUCKDB}


def test_a_server_workers_store_connection_runs_under_a_bounded_duckdb_memory_limit(tmp_path: Path) -> None:
    home = tmp_path / "node"
    Store.init(home).close()
    node = Node(home, secure_cookies=False)
    try:
        expected = {k: _shown(k, v) for k, v in WORKER_DUCKDB.items()}
        assert _settings(node) == expected
        with duckdb.connect() as con:   # the default: most of the machine's memory, per worker
            assert str(con.execute("SELECT current_setting('memory_limit')").fetchone()[0]) != expected["memory_limit"]
        with Store.open(home) as writer:   # a published write: the worker moves to the new copy
            writer.create_freeze("DR-1", "a write")
        assert _settings(node) == expected
        with node.snapshot(None) as snap:
            assert [f.freeze_id for f in snap.store.freezes()] == ["DR-1"]
    finally:
        node.close()
