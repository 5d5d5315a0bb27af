"""The store's one writer at a time: a lock file next to the master, held while a process writes.

DuckDB allows one read-write process per database file and fails the second at once
("Could not set lock"). A data manager starting a withdrawal during the monthly ingest
should not get an error to retry by hand, so writers take this lock first and a second
writer *waits* for it, saying after a few seconds who it waits for (the command, its pid
and when it started). The lock is an `flock` on `<master>.writer`: the kernel releases it
when the holder exits, a SIGKILL included, so a killed ingest never blocks the next one.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import sys
import time
from collections.abc import Callable

SUFFIX = ".writer"
NOTICE_AFTER = 3.0  # seconds a writer waits silently before saying who it waits for


def say_on_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class WriteLock:
    """Held by the process that writes the master file; `release` (or exit) frees it."""

    def __init__(self, path: str, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def try_acquire(cls, master: str) -> "WriteLock | None":
        """The lock if no other process holds it, else None (without waiting)."""
        fd = os.open(master + SUFFIX, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        # Who holds it, for the message of a writer that has to wait.
        holder = {"pid": os.getpid(), "started_at": dt.datetime.now().isoformat(timespec="seconds"),
                  "command": command()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        return cls(master + SUFFIX, fd)

    @classmethod
    def acquire(cls, master: str, on_wait: Callable[[str], None] | None = say_on_stderr) -> "WriteLock":
        """The lock, waiting as long as another writer holds it; `on_wait` hears once, after
        NOTICE_AFTER seconds, whom this process waits for."""
        start, told = time.monotonic(), False
        while True:
            lock = cls.try_acquire(master)
            if lock is not None:
                return lock
            if not told and on_wait is not None and time.monotonic() - start >= NOTICE_AFTER:
                on_wait(f"waiting for {holder(master)} to finish writing the store "
                        "(one write at a time; this one starts when it ends; press Ctrl-C to give up)")
                told = True
            time.sleep(0.1)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None


def command() -> str:
    """This process's command line as the user typed it (`python -m onconode` runs
    `onconode/__main__.py`, shown as `onconode`)."""
    argv0 = sys.argv[0] if sys.argv and sys.argv[0] else "python"
    name = os.path.basename(argv0)
    if name == "__main__.py":
        name = os.path.basename(os.path.dirname(argv0))
    return " ".join([name, *sys.argv[1:]])[:300]


def holder(master: str) -> str:
    """Who holds the write lock, as a phrase: 'the `onconode ingest vcf ...` started at ... by pid N'."""
    try:
        with open(master + SUFFIX, encoding="utf-8") as fh:
            h = json.loads(fh.read() or "{}")
        return f"the `{h['command']}` started at {h['started_at']} by pid {h['pid']}"
    except (OSError, ValueError, KeyError):
        return "another process"
