"""What every `onconode` command shares: the consoles, the node folder given by --home,
one way to report a problem (`fail`), a progress bar, and opening the store.

Errors and exit codes (docs/cli.md): a problem is one message on stderr,
`error: what — how to fix`, and one of three codes —
ERROR (1) the command could not do it (refused, not found, wrong state);
INVALID (2) what was given is not valid (Typer's usage errors use 2 too);
CHECK_FAILED (3) a check the command ran answered no (a verification found changes).

The command modules import this one; it imports none of them.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

ERROR = 1
INVALID = 2
CHECK_FAILED = 3

out = Console()
err = Console(stderr=True)


class State:
    home: Path = Path("onconode-data")


state = State()


def fail(message: str, code: int = ERROR) -> NoReturn:
    """Report a problem the one way every command does, and stop with `code`. The message
    is text: brackets in a path or an id a user typed are printed as they are."""
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(code)


def warn(message: str) -> None:
    """A problem that does not stop the command (printed as text, like `fail`)."""
    err.print(f"[yellow]warning:[/yellow] {escape(message)}", highlight=False, markup=True, soft_wrap=True)


@contextmanager
def progress_bar(description: str, total: float | None = None) -> Iterator[Callable[[float], None]]:
    columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)


@contextmanager
def open_store(read_only: bool = False, queue_derived: bool = True) -> Iterator[Any]:
    """The node's store for one command. A writer publishes it on leaving (`Store.close`) and
    then queues the builds of the derived data its new state needs (analysis tables, the
    Beacon index, the federation tables: `queue_derived_builds`), so the job workers
    make them before the first request asks (`queue_derived=False`: the command queues
    them itself, after work that must come first)."""
    # lazy: onconode.store loads DuckDB and Ibis (~0.3 s), which governance commands and --help do not need
    from onconode.store import Store, StoreError

    try:
        store = Store.open(state.home, read_only=read_only)
    except StoreError as exc:
        fail(str(exc))
    with store:
        yield store
    if not read_only and queue_derived:
        queue_derived_builds(state.home)


def queue_derived_builds(home: Path) -> int | None:
    """After a writer published the store: queue the job that has the derived data its new
    state lacks built (`store.derived_jobs`); its id. A home without a governance database
    (a store only, never served) has no queue and no worker: nothing is queued (None), and
    the first use builds what it needs."""
    # lazy: SQLAlchemy and DuckDB load only for the commands that write (tests/test_cli_startup.py)
    from onconode.access.db import DB_FILE, open_governance, resolve_url
    from onconode.store.derived_jobs import enqueue_prebuild

    if resolve_url(home) == f"sqlite:///{Path(home) / DB_FILE}" and not (Path(home) / DB_FILE).exists():
        return None
    with open_governance(home) as gov:
        return enqueue_prebuild(gov.engine)
