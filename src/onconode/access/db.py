"""Where the governance database lives and how it is opened.

SQLite in the node's home folder is the embedded default; production sets
ONCONODE_GOVERNANCE_URL to a PostgreSQL URL. The schema is created and upgraded only by the
Alembic migrations shipped in `onconode.access.migrations`, on every open, so an older
database is brought up to date before anything reads it.
"""

from __future__ import annotations

import os
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from onconode import private
from onconode.access import anchors, audit, secretbox
from onconode.settings import Settings
from onconode.access.notify import default_mailer

DB_FILE = "governance.sqlite"
MIGRATIONS = Path(__file__).with_name("migrations")


class GovernanceError(Exception):
    """A governance operation that cannot proceed; the message says what to do."""


def resolve_url(home: Path, url: str | None = None) -> str:
    """The explicit URL, else the [governance] url setting ($ONCONODE_GOVERNANCE_URL), else SQLite in `home`.

    A plain `postgresql://` URL (as libpq tools print it) is given the psycopg 3 driver.
    """
    url = url or Settings.load(home).governance.url or f"sqlite:///{Path(home) / DB_FILE}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_hooks(engine: sa.Engine) -> None:
    """Writers take the lock at BEGIN (IMMEDIATE) and wait for it, instead of failing
    with 'database is locked' when two transactions upgrade read locks at once."""

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(url: str) -> sa.Engine:
    """An engine on `url`. A new SQLite file is created 0600 before SQLite opens it: its
    -wal and -shm files take the database file's mode, whatever the process umask."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            private.make_dir(Path(path).parent)
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, private.FILE_MODE))
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _sqlite_hooks(engine)
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def migrate(engine: sa.Engine, revision: str = "head", home: Path | None = None) -> None:
    """Bring the schema to `revision` with Alembic (the only way tables are created).

    `home` locates the at-rest key for migrations that seal secrets (0003_at_rest); without
    it such a migration refuses when there is something to seal."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        cfg.attributes["home"] = home
        command.upgrade(cfg, revision)


_HOMES: "weakref.WeakKeyDictionary[sa.Engine, Path]" = weakref.WeakKeyDictionary()


def home_of(bind: sa.Engine | sa.Connection) -> Path:
    """The node home a governance engine belongs to (bound when its `Governance` is made)."""
    engine = bind.engine if isinstance(bind, sa.Connection) else bind
    try:
        return _HOMES[engine]
    except KeyError:
        raise GovernanceError("this database engine belongs to no node home; open it with open_governance(home)") from None


def secrets_of(bind: sa.Engine | sa.Connection, create: bool = False) -> secretbox.SecretBox:
    """The at-rest keys that seal this governance database's TOTP secrets and private keys."""
    try:
        return secretbox.load(home_of(bind), create=create)
    except secretbox.SecretsError as exc:
        raise GovernanceError(str(exc)) from None


@dataclass
class Governance:
    """An open governance database plus the node settings the services need."""

    engine: sa.Engine
    home: Path
    issuer: str = "https://onconode.example.org"
    foundation: str = "the onconode data access foundation"  # open_governance sets it from [node] foundation
    mailer: Any = None
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.home = Path(self.home)
        _HOMES[self.engine] = self.home
        every = int(self.options.get("audit_checkpoint_every", anchors.EVERY))
        audit.after_commit(self.engine, anchors.Checkpointer(self.home, every).after_commit)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Governance":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_governance(home: Path, url: str | None = None, mailer: Any = None, **kw: Any) -> Governance:
    """Open (creating or upgrading) the governance database of a node.

    Notifications default to the outbox folder `<home>/outbox` unless a mailer is given
    or ONCONODE_SMTP_HOST is set.
    """
    private.node_home(Path(home))
    engine = create_engine(resolve_url(home, url))
    migrate(engine, home=Path(home))
    kw.setdefault("foundation", Settings.load(home).node.foundation)  # the licence's party, from the node's settings
    return Governance(engine=engine, home=Path(home), mailer=mailer or default_mailer(Path(home)), **kw)
