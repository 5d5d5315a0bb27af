"""The one home for derived data: every artifact computed from the store (release
snapshots, Beacon position indexes, analysis base tables, the federation agent's tables)
is declared here once and lives on disk under one key.

Why one registry: each kind of derived data used to keep its own copy with its own rule
for "stale" (a version in a file name, a withdrawal count in a table name, a file stamp,
a version-only key that a consent withdrawal did not change ...), so a withdrawal had to
chase each of them and one was missed. Now every artifact is keyed by the same
`Key(store version, withdrawal sequence)`: a withdrawal raises the sequence, so no
artifact built before it is ever read again, and `drop_stale` deletes them all in one
place.

Layout: `<home>/derived/<name>/v<version>-w<withdrawals>/` holds an artifact's files
(Parquet, Arrow IPC or plain arrays: forms several processes memory-map and share
through the page cache instead of each holding a copy). A folder exists only when
complete: a build writes into a hidden temporary folder and renames it at the end, under
an exclusive file lock, so a job and a first reader in another process build it once.

Higher layers declare their artifacts with `register(Artifact(...))` from a
`register_all()` function of their package, which the composition root calls; the
store never imports them.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from onconode.store.store import Store, withdrawal_sequence

FOLDER = "derived"
_KEY = re.compile(r"^v(\d+)-w(\d+)$")


@dataclass(frozen=True, order=True)
class Key:
    """What every derived artifact is keyed by: the store version it reads and how many
    consent withdrawals the store had recorded when it was built."""

    version: int
    withdrawals: int

    def __str__(self) -> str:
        return f"v{self.version}-w{self.withdrawals}"

    @classmethod
    def parse(cls, text: str) -> "Key | None":
        m = _KEY.match(text)
        return cls(int(m.group(1)), int(m.group(2))) if m else None


Builder = Callable[[Store, Key, Path], None]

# The versions an artifact is built ahead for, by a job after each publish (`prebuild`):
CURRENT = "current"              # the store's current version (the portal's and the agent's default)
LATEST_FREEZE = "latest-freeze"  # the newest freeze's version (what the Beacon serves)
PREBUILD_VERSIONS = (CURRENT, LATEST_FREEZE)


@dataclass(frozen=True)
class Artifact:
    """One kind of derived data. `build(store, key, folder)` writes the artifact of
    `key.version` into the empty `folder` (reading only the store tables in `reads`);
    the registry moves it into place when it returns. `prebuild` names the versions
    (CURRENT, LATEST_FREEZE) the node serves it for: a job builds those after every
    publish, so no first request pays for the build; others are built on first use
    (`ensure`), which stays the fallback for all."""

    name: str
    reads: tuple[str, ...]
    build: Builder
    description: str = ""
    prebuild: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = set(self.prebuild) - set(PREBUILD_VERSIONS)
        if unknown:
            raise ValueError(f"derived artifact {self.name!r}: prebuild {sorted(unknown)} is not one of {PREBUILD_VERSIONS}")


_REGISTRY: dict[str, Artifact] = {}
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def register(artifact: Artifact) -> Artifact:
    """Declare an artifact (again with the same declaration is harmless: modules register
    at import and a composition root may call `register_all` twice)."""
    if not _NAME.match(artifact.name):
        raise ValueError(f"derived artifact name {artifact.name!r}: use lower-case letters, digits, '.', '_' or '-'")
    known = _REGISTRY.get(artifact.name)
    if known is not None and (known.build is not artifact.build or known.reads != artifact.reads):
        raise ValueError(f"derived artifact {artifact.name!r} is already declared (by {known.build.__module__}); "
                         "each artifact is declared once: choose another name")
    _REGISTRY[artifact.name] = artifact
    return artifact


def artifact(name: str) -> Artifact:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"no derived artifact {name!r} is registered (known: {', '.join(sorted(_REGISTRY)) or 'none'}); "
                       "the package that defines it must be registered at start (its register_all())") from None


def artifacts() -> list[Artifact]:
    return [_REGISTRY[n] for n in sorted(_REGISTRY)]


def root(home: Path) -> Path:
    return Path(home) / FOLDER


def location(home: Path, name: str, key: Key) -> Path:
    """Where artifact `name` of `key` lives (whether or not it is built)."""
    return root(home) / name / str(key)


def key(store: Store, version: int | None = None) -> Key:
    """The key of `store` at `version` (default: its current version) now."""
    return Key(store.current_version if version is None else int(version), withdrawal_sequence(store))


def current_keys(store: Store) -> set[Key]:
    """The keys a reader may ask for now: the current version and every freeze's version,
    at the current withdrawal sequence. Anything else on disk is stale."""
    seq = withdrawal_sequence(store)
    return {Key(v, seq) for v in {store.current_version, *(f.version for f in store.freezes())}}


def wanted(store: Store) -> list[tuple[str, int]]:
    """(name, version) of every registered artifact the node serves (`prebuild`) that is not
    built for the store's current key: what the build jobs queued after a publish make."""
    freezes = store.freezes()
    versions = {CURRENT: [store.current_version], LATEST_FREEZE: [freezes[-1].version] if freezes else []}
    out = []
    for spec in artifacts():
        for version in sorted({v for which in spec.prebuild for v in versions[which]}):
            if find(store, spec.name, version) is None:
                out.append((spec.name, version))
    return out


def find(store: Store, name: str, version: int | None = None) -> Path | None:
    """The built artifact of the store's key at `version`, or None (nothing is built)."""
    path = location(store.home, name, key(store, version))
    return path if path.is_dir() else None


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock across processes (flock on a file beside the artifact)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def ensure(store: Store, name: str, version: int | None = None) -> Path:
    """The artifact `name` of the store's key at `version`, built now if missing — once
    across processes: a second caller waits on the lock and then finds it built."""
    spec = artifact(name)
    k = key(store, version)
    path = location(store.home, name, k)
    if path.is_dir():
        return path
    with _locked(path.with_name(f".{k}.lock")):
        if path.is_dir():
            return path
        tmp = path.with_name(f".{k}.tmp-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        try:
            spec.build(store, k, tmp)
            tmp.rename(path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return path


def stale(store: Store) -> list[Path]:
    """Every artifact folder (and leftover lock or unfinished build) whose key is not a
    current one — of any name, registered in this process or not."""
    current = {str(k) for k in current_keys(store)}
    out = []
    base = root(store.home)
    if not base.is_dir():
        return out
    for kind in sorted(p for p in base.iterdir() if p.is_dir()):
        for entry in sorted(kind.iterdir()):
            text = entry.name.lstrip(".").split(".", 1)[0]
            if text not in current or _abandoned(entry):
                out.append(entry)
    return out


def _abandoned(entry: Path) -> bool:
    """An unfinished build whose process is gone (killed mid-build)."""
    _, sep, pid = entry.name.rpartition(".tmp-")
    if not sep or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def drop_stale(store: Store) -> list[Path]:
    """Delete every stale artifact (`stale`): after a consent withdrawal, none of the
    patient's rows stay on disk in a derived copy. A process that has one memory-mapped
    keeps reading its pages until it lets go, and never opens it again (its key is gone)."""
    dropped = []
    for path in stale(store):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        dropped.append(path)
    return dropped


__all__ = ["CURRENT", "LATEST_FREEZE", "Artifact", "Key", "artifact", "artifacts", "current_keys", "drop_stale", "ensure",
           "find", "key", "location", "register", "root", "stale", "wanted"]
