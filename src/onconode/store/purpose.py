"""What a node's store is for: a real node, or a demo that `onconode demo` may rebuild.

The mark is kept in the store's own metadata (`store_meta`, key `purpose`), so the demo
builders (demo.py, federation/demo.py) set it and the demo accounts (access/demo_accounts.py)
read it without importing each other.
"""

from __future__ import annotations

from pathlib import Path

from onconode.store.store import STORE_FILE, Store

DEMO_MARK = "demo"


def mark_demo(store: Store) -> None:
    """Mark this store as a demo node's (never done to a real node)."""
    store.con.execute("INSERT OR REPLACE INTO store_meta VALUES ('purpose', ?)", [DEMO_MARK])


def purpose_of(store: Store) -> str | None:
    rows = store.con.execute("SELECT value FROM store_meta WHERE key = 'purpose'").fetchall()
    return rows[0][0] if rows else None


def is_demo_node(home: Path) -> bool:
    """The node's store was built by `onconode demo` (never true for a real node)."""
    if not (Path(home) / STORE_FILE).exists():
        return False
    with Store.open(Path(home), read_only=True) as store:
        return purpose_of(store) == DEMO_MARK
