"""Published read copies: how the store is written while the node serves.

DuckDB lets many processes read a database file or one process write it, never both at
once. So writers alone open the master file (`store.duckdb`), and everything that reads
— server workers, the federation agent, `stats`, analyses, release builds, the Beacon —
reads an immutable copy of it. When a writer closes after a change, the master is
checkpointed (its write-ahead log folded in) and copied into `published/` (with
`copy_file_range`: XFS and btrfs reflink the copy, sharing the blocks, for free), then a
small pointer, `published/CURRENT`, is replaced atomically to name the new copy. A
reader re-reads the pointer (a ~200-byte file) before each request and, when it names a
newer copy, opens it and moves over between requests; a request finishes on the copy it
started with. A failed or killed write never reaches the pointer, so readers keep the
copy they have. The two newest copies are kept (a reader that has just read the pointer
still finds its file); older ones are deleted, which a slow reader that still has one
open does not notice (on POSIX an open file outlives its name).

Layout, next to the master (the real path of `<home>/store.duckdb`):

    published/v<version>-w<withdrawals>-<serial>.duckdb   read-only copies, never changed
    published/CURRENT                                    JSON naming the newest copy

The copy's name carries the store version and the withdrawal sequence (the key of
everything derived from a version) and a serial, since a freeze or a code mapping also
changes the store without changing that key.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from onconode import private

log = logging.getLogger(__name__)

FOLDER = "published"
POINTER = "CURRENT"
KEEP = 2


@dataclass(frozen=True)
class Published:
    """One published copy, as the pointer names it."""

    file: Path          # the copy (absolute)
    version: int        # the store's current version in it
    withdrawals: int    # its withdrawal sequence (withdrawals recorded)
    freezes: int
    serial: int         # 1, 2, ...: one more per publish
    master_stamp: list  # the master's files_stamp when it was copied (a later write changes it)
    published_at: str
    pointer: bytes      # the pointer as read: a reader compares it to see whether it is current

    @property
    def key(self) -> tuple[int, int]:
        """(store version, withdrawal sequence): what derived data is keyed by."""
        return (self.version, self.withdrawals)


def folder_of(master: str) -> Path:
    return Path(master).parent / FOLDER


def read_pointer(folder: Path) -> bytes | None:
    """The pointer's bytes (None before the first publish): a read of one small file,
    cheap enough for every request."""
    try:
        return (folder / POINTER).read_bytes()
    except FileNotFoundError:
        return None


def current(folder: Path) -> Published | None:
    """The copy readers should open now, or None when nothing was published yet."""
    raw = read_pointer(folder)
    if raw is None:
        return None
    p = json.loads(raw)
    return Published(folder / p["file"], p["version"], p["withdrawals"], p["freezes"], p["serial"],
                     p["master_stamp"], p["published_at"], raw)


def stamp_json(stamp: tuple) -> list:
    """A files_stamp as the pointer stores it (JSON turns tuples into lists)."""
    return json.loads(json.dumps(stamp))


def publish(master: str, *, version: int, withdrawals: int, freezes: int, master_stamp: tuple) -> Published:
    """Copy the (closed, checkpointed) master into a new immutable file and point readers
    at it. The caller holds the write lock, so nothing changes the master meanwhile."""
    folder = private.make_dir(folder_of(master))
    before = current(folder)
    serial = (before.serial if before else 0) + 1
    name = f"v{version}-w{withdrawals}-{serial}.duckdb"
    tmp = folder / f".{name}.tmp"
    _copy(master, tmp)
    os.chmod(tmp, 0o400)  # immutable: nothing ever writes a published copy
    os.replace(tmp, folder / name)
    pointer = {"file": name, "version": version, "withdrawals": withdrawals, "freezes": freezes, "serial": serial,
               "master_stamp": stamp_json(master_stamp), "published_at": dt.datetime.now().isoformat(timespec="milliseconds")}
    private.write_text(folder / POINTER, json.dumps(pointer))  # atomic: a reader sees the old or the new pointer
    _fsync_dir(folder)
    try:
        _prune(folder, keep={name, *(_newest(folder, KEEP))})
    except OSError as exc:  # published already; the next publish tries again
        log.warning("could not delete superseded store copies in %s: %s", folder, exc)
    published = current(folder)
    assert published is not None
    return published


def _copy(src: str, dst: Path) -> None:
    """Copy `src` to a new file `dst` (0600), letting the kernel share blocks where the file
    system can (copy_file_range reflinks on XFS / btrfs, copies in the kernel elsewhere)."""
    with open(src, "rb") as fi, open(os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as fo:
        size = os.fstat(fi.fileno()).st_size
        done = 0
        try:
            while done < size:
                n = os.copy_file_range(fi.fileno(), fo.fileno(), size - done)
                if n == 0:
                    break
                done += n
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL):
                raise
            fi.seek(0)
            fo.seek(0)
            fo.truncate()
            shutil.copyfileobj(fi, fo, 1 << 24)
            done = fo.tell()
        if done != size:
            raise OSError(f"copying {src} to {dst} stopped at {done:,} of {size:,} bytes")
        fo.flush()
        os.fsync(fo.fileno())


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _serial(name: str) -> int:
    try:
        return int(name.rsplit("-", 1)[1].removesuffix(".duckdb"))
    except (IndexError, ValueError):
        return -1


def _newest(folder: Path, n: int) -> list[str]:
    copies = sorted((p.name for p in folder.glob("v*.duckdb")), key=_serial)
    return copies[-n:]


def _prune(folder: Path, keep: set[str]) -> None:
    """Delete superseded copies and the leftovers of killed publishes (the caller holds the
    write lock, so no publish is in progress)."""
    for p in folder.iterdir():
        if p.name == POINTER or p.name in keep or p.is_dir():  # a directory: a reader's DuckDB spill space
            continue
        if p.name.endswith(".duckdb") or (p.name.startswith(".") and p.name.endswith(".duckdb.tmp")):
            p.unlink(missing_ok=True)
