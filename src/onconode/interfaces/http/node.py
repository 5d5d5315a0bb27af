"""The node as a running server sees it: one home folder, opened once per process.

Request handlers get everything through `Node`: the governance database, the analytical
store (its newest published read copy: writers work on the master meanwhile, and each
request starts on the newest copy, `snapshot`), the
disclosure gate and the clock. Tests build a `Node` on a temporary home and a fixed clock.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from contextlib import contextmanager
from functools import cached_property, partial
from pathlib import Path
from typing import Any, Callable, Iterator

from onconode import private
from onconode.access import open_governance
from onconode.access.entitlements import licensed_patients
from onconode.analysis.disclosure import Gate
from onconode.analysis.warm import release_freed_memory
from onconode.analysis.saved import selection_patients
from onconode.settings import Settings
from onconode.store import Store

SECRET_FILE = "server-secret.key"
# DuckDB settings of a server worker's store connection. DuckDB's default memory limit is
# 80 % of RAM per process, and it keeps what it has read and built (the analysis
# selections' temporary tables, a derived table's build) until that limit presses: at
# 5,000 patients / 100M variants a worker grew to 1.9 GB (benchmarks/memory_at_scale.py).
# Within this limit DuckDB evicts and spills (to `<published copy>.tmp`), so each worker
# stays within the 600 MB; the store file's pages stay in the OS page cache, which
# the workers share.
WORKER_DUCKDB = {"memory_limit": "160MB", "allocator_flush_threshold": "32MB"}


class Node:
    def __init__(self, home: Path, *, governance_url: str | None = None, mailer: Any = None,
                 secure_cookies: bool = True, clock: Callable[[], dt.datetime] | None = None,
                 governance_options: dict[str, Any] | None = None) -> None:
        self.home = Path(home)
        self.governance_options = governance_options or {}
        self.governance_url = governance_url
        self.mailer = mailer
        self.secure_cookies = secure_cookies
        self.clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
        self._store_lock = threading.RLock()
        self._store: Any = None
        self._store_users = 0  # requests inside `snapshot` (under the lock): a new copy is taken up only at 0

    def now(self) -> dt.datetime:
        return self.clock()

    @cached_property
    def secret_key(self) -> str:
        """Signs release download links (sessions are rows in the governance database); kept in
        the home folder so links handed out before a restart stay valid."""
        path = self.home / SECRET_FILE
        if not path.exists():
            private.write_text(path, secrets.token_urlsafe(48))  # 0600 from the start, never readable by others
        return path.read_text().strip()

    @cached_property
    def settings(self):
        """The node's settings (`<home>/onconode.toml`), read once per process; `serve`
        has already checked them, so a bad file never gets this far."""
        return Settings.load(self.home)

    @cached_property
    def gov(self):
        return open_governance(self.home, self.governance_url, mailer=self.mailer, options=self.governance_options)

    @property
    def store(self):
        """The store, opened once under the store lock (two first requests, or a request and
        the warm-up, would otherwise each open a connection). Its connection must be used
        under the lock too: `snapshot`, or `with node.snapshot(None):` around store calls."""
        if self._store is None:
            with self._store_lock:
                if self._store is None:
                    self._store = self._open_store()
        return self._store

    def _open_store(self) -> Store:
        store = Store.open(self.home, read_only=True)
        for name, value in WORKER_DUCKDB.items():
            store.con.execute(f"SET {name} = '{value}'")
        return store

    @cached_property
    def gate(self):
        return Gate.for_home(self.home, licensed_scope=self.licensed_scope)

    def licensed_scope(self, user: str, snapshot: Any) -> set[str]:
        """The patients the user's active licences cover (exact figures inside it).

        The hook of analysis/disclosure.py, answered by access governance: the patients
        of the user's (email's) approved, signed, in-term licences."""
        return licensed_patients(self.gov, user, partial(selection_patients, snapshot), self.now())

    @contextmanager
    def snapshot(self, freeze: str | None = None) -> Iterator[Any]:
        """The store at a freeze (or the current version), for one request at a time:
        a DuckDB connection must not be used by two threads at once."""
        with self._store_lock:
            if self._store_users == 0 and self._store is not None and not self._store.is_current():
                self._move_to_newest_copy()
            self._store_users += 1
            try:
                yield self.store.snapshot(freeze)
            finally:
                self._store_users -= 1
                if self._store_users == 0:   # a question's temporary arrays go back to the system
                    release_freed_memory()

    def _move_to_newest_copy(self) -> None:
        """A write was published since the store was opened: read the new copy from this
        request on. Called under the lock with no request using the store, so closing the
        old connection cuts nobody off (a request keeps the copy it started with)."""
        old, self._store = self._store, self._open_store()
        old.close()

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
        if "gov" in self.__dict__:
            self.gov.close()
