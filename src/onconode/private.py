"""Owner-only files: how every part of the node creates the files and folders of its home.

A node home holds patients' genomic data, licensed releases, the governance database and
the keys that protect them; nobody but the account that runs the node may read any of
it. Two mechanisms make that hold for every writer:

- `node_home(home)` is called by everything that opens a node home (the CLI, the store,
  the governance database, the web node, release builds). It makes the folder 0700 and
  sets the process umask to 0o077, so files that libraries create on their own (DuckDB,
  SQLite's journals, Parquet and Arrow writers, htslib indexes) are born 0600 / 0700.
- Files written by hand go through `write_bytes` / `write_text` / `append_text` and folders
  through `make_dir`, which set the mode themselves: they stay private even in a process
  whose umask someone else chose (a test runner, an embedding application).

`tighten` removes group and other permissions from an existing tree (a release folder
before it is published, a home created by an older version).
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

UMASK = 0o077
FILE_MODE = 0o600
DIR_MODE = 0o700
OPEN_TO_OTHERS = stat.S_IRWXG | stat.S_IRWXO


def restrict_umask() -> None:
    """New files of this process are owner-only (0600 files, 0700 folders)."""
    os.umask(UMASK)


def make_dir(path: Path) -> Path:
    """Create `path` (and missing parents) as 0700; an existing folder is tightened to 0700.

    Parents are created 0700 too: only call this for folders inside a node home or for the
    home itself, never for a user-chosen output folder's parents."""
    path = Path(path)
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    if stat.S_IMODE(path.stat().st_mode) & OPEN_TO_OTHERS:
        path.chmod(DIR_MODE)
    return path


def node_home(home: Path) -> Path:
    """Open a node home for writing: the folder is 0700 and the process creates owner-only files."""
    restrict_umask()
    return make_dir(home)


def write_bytes(path: Path, data: bytes, exclusive: bool = False) -> Path:
    """Write `path` atomically with mode 0600 (a reader sees the old or the new content).

    `exclusive`: never replace an existing file (raise FileExistsError), so that of two
    processes creating the same key at once, exactly one wins and both can read it."""
    path = Path(path)
    make_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mkstemp creates 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if exclusive:
            os.link(tmp, path)
        else:
            os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def write_text(path: Path, text: str, exclusive: bool = False) -> Path:
    return write_bytes(path, text.encode("utf-8"), exclusive)


def open_append(path: Path):
    """Open `path` for appending text, creating it 0600 (logs the node keeps adding to)."""
    path = Path(path)
    make_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    if stat.S_IMODE(os.fstat(fd).st_mode) & OPEN_TO_OTHERS:
        os.fchmod(fd, FILE_MODE)
    return os.fdopen(fd, "a", encoding="utf-8")


def append_text(path: Path, text: str) -> None:
    with open_append(path) as fh:
        fh.write(text)


def tighten(root: Path) -> None:
    """Remove group and other permissions from `root` and everything below it."""
    root = Path(root)
    paths = [root] + [Path(d) / n for d, dirs, files in os.walk(root) for n in (*dirs, *files)]
    for p in paths:
        st = p.lstat()
        if stat.S_ISLNK(st.st_mode) or not stat.S_IMODE(st.st_mode) & OPEN_TO_OTHERS:
            continue
        p.chmod(stat.S_IMODE(st.st_mode) & ~OPEN_TO_OTHERS)


def open_to_others(root: Path) -> list[str]:
    """Every file or folder under `root` that a group member or other user could read or enter."""
    out = []
    for d, dirs, files in os.walk(root):
        for p in [Path(d)] + [Path(d) / n for n in (*dirs, *files)]:
            st = p.lstat()
            if not stat.S_ISLNK(st.st_mode) and stat.S_IMODE(st.st_mode) & OPEN_TO_OTHERS:
                out.append(f"{p} {stat.filemode(st.st_mode)}")
    return sorted(set(out))
