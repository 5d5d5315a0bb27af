"""The node's analytical store: one DuckDB file with every version of every row.

Rows are never updated in place. Each row carries `_added` (the version that wrote it)
and `_removed` (the version that replaced it, NULL while current), so a version — and a
freeze, which is only a name for a version — is a filter, not a copy. An ingest is one
DuckDB transaction: a crash or SIGKILL before commit leaves the previous version intact.
Consent withdrawal is the one exception to "never delete": it deletes the patient's rows
from every version, and records that it did.

Writes while serving. DuckDB allows one writing process or many reading ones per file,
and a node must ingest, freeze and process withdrawals while its server workers, Beacon
and federation agent keep answering. So the file above is the *master*: only writers open
it, one at a time (`writer.py`: a second writer waits, saying for whom). Every reader opens
an immutable *published copy* instead, which a writer makes when it closes after a change
(`publish.py`): `Store.open(home, read_only=True)` opens the newest copy, and
`Store.is_current()` tells a long-lived reader, by re-reading a small pointer file, that a
newer one is there to move to between requests. A failed or SIGKILLed write publishes
nothing. A store written before published copies existed is published on first open.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from onconode import private
from onconode.model import TABLES, TABLES_BY_NAME, Table
from onconode.store import publish
from onconode.store.transaction import IngestTransaction
from onconode.store.writer import WriteLock, say_on_stderr

if TYPE_CHECKING:  # ibis costs ~0.3 s to import; only queries need it
    import ibis

STORE_FILE = "store.duckdb"
FREEZE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class StoreError(Exception):
    """A store operation that cannot proceed; the message says what to do."""


@dataclass(frozen=True)
class Version:
    version: int
    created_at: dt.datetime
    source: str
    description: str
    rows_added: int
    rows_removed: int


@dataclass(frozen=True)
class Freeze:
    freeze_id: str
    version: int
    created_at: dt.datetime
    description: str


def _ddl(t: Table) -> str:
    cols = [f'"{c.name}" {c.sql_type}' for c in t.columns]
    cols += ['"_added" BIGINT NOT NULL', '"_removed" BIGINT']
    return f'CREATE TABLE IF NOT EXISTS "{t.name}" ({", ".join(cols)})'


BOOKKEEPING_DDL = (
    """CREATE TABLE IF NOT EXISTS store_version (
        version BIGINT PRIMARY KEY, created_at TIMESTAMP NOT NULL, source VARCHAR NOT NULL,
        description VARCHAR, rows_added BIGINT NOT NULL, rows_removed BIGINT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS store_freeze (
        freeze_id VARCHAR PRIMARY KEY, version BIGINT NOT NULL, created_at TIMESTAMP NOT NULL,
        description VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS withdrawal (
        patient_id VARCHAR PRIMARY KEY, sample_ids VARCHAR, withdrawn_at TIMESTAMP NOT NULL,
        version BIGINT NOT NULL, rows_removed BIGINT NOT NULL, reason VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
)


def withdrawal_sequence(store: "Store") -> int:
    """How many consent withdrawals the store has recorded: with the version, the key of
    everything derived from the store (`derived.py`). A withdrawal deletes rows from every
    version without making a new one for old freezes, so the version alone does not say
    whether a copy still holds a withdrawn patient; this number does (it only grows).

    A read-only store is asked once: no process can write the file while it is open
    read-only (DuckDB's lock), so the number cannot change under it."""
    if store.read_only and store._withdrawals is not None:
        return store._withdrawals
    n = int(store.con.execute("SELECT count(*) FROM withdrawal").fetchall()[0][0])  # fetchall: leaves no open result
    if store.read_only:
        store._withdrawals = n
    return n


def store_file(home: Path) -> str:
    """The store file's real path (a node home may link its store from elsewhere)."""
    return os.path.realpath(home / STORE_FILE)


def files_stamp(path: str) -> tuple:
    """(mtime, size, inode) of the store file at `path` (`store_file`) and its write-ahead
    log. Every committed write, a consent withdrawal included, changes it, so a reader
    that keeps something per store state can tell it is still current from a stat
    instead of a query."""
    out = []
    for f in (path, path + ".wal"):
        try:
            st = os.stat(f)
            out.append((st.st_mtime_ns, st.st_size, st.st_ino))
        except FileNotFoundError:
            out.append(None)
    return tuple(out)


def published_pointer(home: Path) -> bytes | None:
    """The pointer to the store's newest published copy, as bytes: every published write (an
    ingest, a freeze, a withdrawal) changes it, so a reader that keeps something per store
    state can tell it is still current by reading one small file instead of opening the store."""
    return publish.read_pointer(publish.folder_of(store_file(home)))


_DEFAULTS: dict[str, str] = {}


def _default_setting(name: str) -> str:
    """DuckDB's default of a setting, as `current_setting` shows it on a fresh database."""
    if name not in _DEFAULTS:
        with duckdb.connect() as fresh:
            _DEFAULTS[name] = str(fresh.execute(f"SELECT current_setting('{name}')").fetchall()[0][0])
    return _DEFAULTS[name]


@contextmanager
def duckdb_settings(con: duckdb.DuckDBPyConnection, values: dict[str, str]) -> Iterator[None]:
    """DuckDB settings for one heavy read (an export, a release build, an index), restored
    after: settings belong to the database, so the readers that share it must get theirs
    back. A setting that was at its default is RESET (`current_setting` shows a memory
    limit rounded, so writing it back would not restore it exactly)."""
    before = {k: str(con.execute(f"SELECT current_setting('{k}')").fetchall()[0][0]) for k in values}
    for k, v in values.items():
        con.execute(f"SET {k} = '{str(v).replace(chr(39), chr(39) * 2)}'")
    try:
        yield
    finally:
        for k, v in before.items():
            if v == _default_setting(k):
                con.execute(f"RESET {k}")
            else:
                con.execute(f"SET {k} = '{v.replace(chr(39), chr(39) * 2)}'")


def version_filter(version: int) -> str:
    """SQL predicate selecting the rows visible at `version`."""
    return f'"_added" <= {int(version)} AND ("_removed" IS NULL OR "_removed" > {int(version)})'


class Store:
    """A node's store in `home`. Open it with `Store.open(home)`; close it when done."""

    def __init__(self, home: Path, con: duckdb.DuckDBPyConnection, read_only: bool, path: str = "",
                 published: publish.Published | None = None, lock: WriteLock | None = None) -> None:
        self.path = path  # the file the connection reads: a published copy, or (writers) the master
        self.published = published  # of a reader: the copy it reads, as the pointer named it
        self._lock = lock  # of a writer: released by close, after publishing
        self.home = home
        self.con = con
        self.read_only = read_only
        self._ibis = None
        self._withdrawals: int | None = None  # withdrawal_sequence of a read-only store
        # Ibis tables per (name, version): building one asks DuckDB for the schema, which
        # costs more than many analyses' own queries. Expressions are immutable, and a
        # version's columns never change while the store is open, so they are kept.
        self._tables: dict[tuple[str, int], "ibis.Table"] = {}
        # A published copy never changes: its versions and freezes are read once (every
        # request asks for them; three small queries were ~5% of an analysis request).
        self._versions_read: tuple[int, list[Freeze]] | None = None

    # -- opening -------------------------------------------------------------------
    @classmethod
    def init(cls, home: Path) -> "Store":
        private.node_home(home)  # 0700, and DuckDB's files are born 0600
        return cls._open_master(Path(home))

    @classmethod
    def open(cls, home: Path, read_only: bool = False,
             on_wait: Callable[[str], None] | None = say_on_stderr) -> "Store":
        """The store of `home`: read-only, its newest published copy (any number of processes,
        while a writer works); otherwise the master, once no other process writes it (waiting
        for one that does; `on_wait` hears whom it waits for, as a writer), published again
        by `close`."""
        home = Path(home)
        if not (home / STORE_FILE).exists():
            raise StoreError(f"no store in {home}: run `onconode --home {home} init` first")
        if read_only:
            return cls._open_published(home)
        private.node_home(home)
        return cls._open_master(home, on_wait=on_wait)

    @classmethod
    def _open_master(cls, home: Path, lock: WriteLock | None = None,
                     on_wait: Callable[[str], None] | None = say_on_stderr) -> "Store":
        master = store_file(home)
        lock = lock or WriteLock.acquire(master, on_wait)
        try:
            last = publish.current(publish.folder_of(master))
            behind = last is None or last.master_stamp != publish.stamp_json(files_stamp(master))
            try:
                con = duckdb.connect(master)
            except (duckdb.IOException, duckdb.ConnectionException) as exc:
                if "lock" not in str(exc) and "different configuration" not in str(exc):
                    raise
                raise StoreError(
                    f"the store file {master} is open in another program (not through onconode, which reads "
                    "published copies): close that program and try again") from exc
            store = cls(home, con, read_only=False, path=master, lock=lock)
            store._create_schema()  # adds tables a newer model defines
            if behind:
                # A store written before published copies existed, or a writer killed between
                # its commit and its publish: readers get that state now, not after this write.
                store._publish_if_changed()
                store.con = duckdb.connect(master)
            return store
        except BaseException:
            lock.release()
            raise

    @classmethod
    def _open_published(cls, home: Path) -> "Store":
        master = store_file(home)
        folder = publish.folder_of(master)
        for _ in range(10):
            copy = publish.current(folder)
            if copy is None:
                cls._publish_first(home, master, folder)
                continue
            try:
                con = duckdb.connect(str(copy.file), read_only=True)
            except duckdb.IOException:
                if copy.file.exists():
                    raise
                continue  # superseded twice since the pointer was read, and deleted: read it again
            store = cls(home, con, read_only=True, path=str(copy.file), published=copy)
            store._stand_in_for_missing_tables()
            return store
        raise StoreError(f"the published copy of the store in {home} keeps changing under this reader "
                         f"({folder}); try again, and check that only onconode writes that folder")

    @staticmethod
    def _publish_first(home: Path, master: str, folder: Path) -> None:
        """Publish a store that has no published copy yet (written by an older onconode),
        unless a writer holds it: that writer publishes when it opens, so wait for the pointer."""
        while publish.current(folder) is None:
            try:
                lock = WriteLock.try_acquire(master)
            except PermissionError as exc:
                raise StoreError(
                    f"the store in {home} has no published read copy yet and this account cannot make one "
                    f"({exc}); run any write as the store's owner, e.g. `onconode --home {home} init`") from exc
            if lock is None:
                time.sleep(0.1)
                continue
            private.node_home(home)
            Store._open_master(home, lock=lock).close()

    def is_current(self) -> bool:
        """Whether this reader's copy is still the newest published one (a read of the ~200-byte
        pointer, for every request of a long-lived reader); a writer is always current."""
        if self.published is None:
            return True
        return publish.read_pointer(self.published.file.parent) == self.published.pointer

    def _stand_in_for_missing_tables(self) -> None:
        """A store written by an older onconode, opened read-only (the web node, `stats`),
        lacks the tables a newer model defines until it is next opened for writing; each
        gets an empty temporary table of the same shape, so analyses read "no rows" instead
        of failing."""
        present = {r[0] for r in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
        for t in TABLES:
            if t.name not in present:
                self.con.execute(_ddl(t).replace("CREATE TABLE", "CREATE TEMP TABLE", 1))

    def _create_schema(self) -> None:
        for stmt in BOOKKEEPING_DDL:
            self.con.execute(stmt)
        for t in TABLES:
            self.con.execute(_ddl(t))
        self._add_new_columns()
        if self.con.execute("SELECT count(*) FROM store_version").fetchall()[0][0] == 0:
            self.con.execute(
                "INSERT INTO store_version VALUES (0, ?, 'init', 'empty store', 0, 0)",
                [dt.datetime.now()],
            )

    def _add_new_columns(self) -> None:
        """Columns a newer model adds to an existing table (e.g. PURPLE 4.4's gene reportedStatus): empty in old rows."""
        present: dict[str, set[str]] = {}
        for table, column in self.con.execute(
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'").fetchall():
            present.setdefault(table, set()).add(column)
        for t in TABLES:
            for c in t.columns:
                if c.name not in present.get(t.name, {c.name}):
                    self.con.execute(f'ALTER TABLE "{t.name}" ADD COLUMN "{c.name}" {c.sql_type}')

    def close(self) -> None:
        """Close; a writer publishes what it changed first, then lets the next writer in."""
        if self._lock is None:
            self.con.close()
            return
        try:
            self._publish_if_changed()
        finally:
            self.con.close()
            self._lock.release()
            self._lock = None

    def _publish_if_changed(self) -> None:
        """Checkpoint and close the master and, if it changed since the last publish, publish
        it. Closes the connection: a copy is taken of a closed file."""
        key = self.con.execute(
            "SELECT (SELECT max(version) FROM store_version), (SELECT count(*) FROM withdrawal), "
            "(SELECT count(*) FROM store_freeze)").fetchall()[0]
        self.con.execute("CHECKPOINT")
        self.con.close()
        stamp = files_stamp(self.path)
        before = publish.current(publish.folder_of(self.path))
        if (before is not None and before.master_stamp == publish.stamp_json(stamp)
                and (before.version, before.withdrawals, before.freezes) == tuple(key)):
            return
        try:
            publish.publish(self.path, version=int(key[0]), withdrawals=int(key[1]), freezes=int(key[2]),
                            master_stamp=stamp)
        except OSError as exc:
            raise StoreError(
                f"the write is saved in {self.path} but its read copy could not be published ({exc}); "
                f"readers keep the previous version until it is. Fix the cause (disk space, the permissions of "
                f"{publish.folder_of(self.path)}) and run `onconode --home {self.home} init` (it publishes the store "
                "without changing it)") from exc

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- versions and freezes ------------------------------------------------------
    @property
    def current_version(self) -> int:
        return self._version_and_freezes()[0]

    def _version_and_freezes(self) -> tuple[int, list[Freeze]]:
        if self._versions_read is not None:
            return self._versions_read
        read = (int(self.con.execute("SELECT max(version) FROM store_version").fetchall()[0][0]),
                [Freeze(*r) for r in self.con.execute("SELECT * FROM store_freeze ORDER BY created_at, freeze_id").fetchall()])
        if self.published is not None:
            self._versions_read = read
        return read

    def versions(self) -> list[Version]:
        rows = self.con.execute("SELECT * FROM store_version ORDER BY version").fetchall()
        return [Version(*r) for r in rows]

    def freezes(self) -> list[Freeze]:
        return list(self._version_and_freezes()[1])

    def create_freeze(self, freeze_id: str, description: str = "") -> Freeze:
        if not FREEZE_ID.match(freeze_id):
            raise StoreError(
                f"freeze id {freeze_id!r} is not valid: use letters, digits, '.', '_' or '-' "
                "(at most 64 characters), e.g. DR-2026-11"
            )
        if self.con.execute("SELECT 1 FROM store_freeze WHERE freeze_id = ?", [freeze_id]).fetchall():
            raise StoreError(f"freeze {freeze_id} already exists: a freeze is immutable; choose a new id")
        freeze = Freeze(freeze_id, self.current_version, dt.datetime.now(), description)
        self.con.execute("INSERT INTO store_freeze VALUES (?, ?, ?, ?)", [freeze.freeze_id, freeze.version, freeze.created_at, description])
        return freeze

    def resolve(self, freeze: str | None = None) -> int:
        """The store version a freeze pins, or the current version when `freeze` is None."""
        if freeze is None:
            return self.current_version
        found = [f.version for f in self.freezes() if f.freeze_id == freeze]
        if not found:
            known = ", ".join(f.freeze_id for f in self.freezes()) or "none yet"
            raise StoreError(f"no freeze {freeze!r} (known freezes: {known}); create it with `onconode freeze create {freeze}`")
        return int(found[0])

    # -- reading -------------------------------------------------------------------
    def relation_sql(self, table: str, version: int) -> str:
        """SQL for `table` as it was at `version`, without the store columns."""
        t = TABLES_BY_NAME[table]
        cols = ", ".join(f'"{c}"' for c in t.column_names)
        return f'SELECT {cols} FROM "{table}" WHERE {version_filter(version)}'

    @property
    def ibis(self) -> "ibis.BaseBackend":
        if self._ibis is None:
            import ibis  # lazy: ibis costs ~0.3 s to import; only queries need it

            self._ibis = ibis.duckdb.from_connection(self.con)
        return self._ibis

    def table(self, name: str, freeze: str | None = None, version: int | None = None) -> "ibis.Table":
        """An Ibis table of `name` at a freeze (or version, or now)."""
        v = self.resolve(freeze) if version is None else version
        if (name, v) not in self._tables:
            t = self.ibis.table(name)
            visible = (t._added <= v) & (t._removed.isnull() | (t._removed > v))
            self._tables[(name, v)] = t.filter(visible).select(*TABLES_BY_NAME[name].column_names)
        return self._tables[(name, v)]

    def snapshot(self, freeze: str | None = None) -> "StoreSnapshot":
        return StoreSnapshot(self, self.resolve(freeze), freeze)

    def counts(self, freeze: str | None = None) -> dict[str, int]:
        v = self.resolve(freeze)
        return {
            t.name: int(self.con.execute(f'SELECT count(*) FROM "{t.name}" WHERE {version_filter(v)}').fetchall()[0][0])
            for t in TABLES
        }

    def withdrawn_patients(self) -> set[str]:
        return {r[0] for r in self.con.execute("SELECT patient_id FROM withdrawal").fetchall()}

    def withdrawn_samples(self) -> set[str]:
        out: set[str] = set()
        for (ids,) in self.con.execute("SELECT sample_ids FROM withdrawal").fetchall():
            out.update(s for s in (ids or "").split(",") if s)
        return out

    # -- writing -------------------------------------------------------------------
    def transaction(self, source: str, description: str = "") -> IngestTransaction:
        if self.read_only:
            raise StoreError("the store is open read-only; open it for writing to ingest")
        return IngestTransaction(self, source, description)


@dataclass(frozen=True)
class StoreSnapshot:
    """The store as of one version: what analyses read, on DuckDB."""

    store: Store
    version: int
    freeze: str | None

    def table(self, name: str) -> "ibis.Table":
        return self.store.table(name, version=self.version)
