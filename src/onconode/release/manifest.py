"""The manifest of a release: what it holds and the SHA-256 of every file, and `verify`,
which a download contact (or the office) runs on a folder to prove it is complete and
unchanged. `SHA256SUMS` carries the same checksums for `sha256sum -c`, so a licensee can
verify without installing onconode.
"""

from __future__ import annotations

import hashlib
import json
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from onconode.release import ReleaseError

MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
FORMAT = "onconode-release"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


class Digests:
    """SHA-256 of a build's files, computed in a background thread as soon as each file is
    complete (hashlib releases the GIL), so hashing gigabytes of TSV overlaps with DuckDB
    writing the next file instead of following the whole build; writers that hold a
    file's bytes in memory report the digest directly (`known`)."""

    def __init__(self, workers: int = 1) -> None:
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="sha256")
        self._jobs: dict[Path, Future] = {}
        self._known: dict[Path, str] = {}
        self._lock = threading.Lock()

    def add(self, path: Path) -> None:
        """Hash `path`, which must not change any more."""
        self._jobs[Path(path)] = self._pool.submit(sha256_file, Path(path))

    def known(self, path: Path, digest: str | None) -> None:
        if digest is None:
            self.add(path)
            return
        with self._lock:
            self._known[Path(path)] = digest

    def result(self) -> dict[Path, str]:
        """Every digest, once all are computed (a failed read fails the build)."""
        out = {p: job.result() for p, job in self._jobs.items()}
        with self._lock:
            out.update(self._known)
        return out

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def files_of(folder: Path) -> list[Path]:
    """Every file in a release folder, as relative paths in a fixed order."""
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())


def write_manifest(folder: Path, meta: dict[str, Any], digests: Mapping[Path, str] | None = None) -> dict[str, Any]:
    """Write SHA256SUMS and manifest.json for the files now in `folder`; `digests` holds
    SHA-256s already computed while the files were written (others are computed here)."""
    entries = []
    known = digests or {}
    for rel in files_of(folder):
        if rel.as_posix() in (MANIFEST, SUMS):
            continue
        p = folder / rel
        entries.append({"path": rel.as_posix(), "bytes": p.stat().st_size, "sha256": known.get(p) or sha256_file(p)})
    (folder / SUMS).write_text("".join(f"{e['sha256']}  {e['path']}\n" for e in entries))
    sums = folder / SUMS
    entries.append({"path": SUMS, "bytes": sums.stat().st_size, "sha256": sha256_file(sums)})
    doc = {"format": FORMAT, **meta, "files": sorted(entries, key=lambda e: e["path"])}
    (folder / MANIFEST).write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    return doc


def read_manifest(folder: Path) -> dict[str, Any]:
    path = Path(folder) / MANIFEST
    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError:
        raise ReleaseError(f"{folder} has no {MANIFEST}: download it with the release's files, then verify again") from None
    except ValueError as exc:
        raise ReleaseError(f"{path} is not valid JSON ({exc}); download it again") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ReleaseError(f"{path} is not an onconode release manifest")
    return doc


@dataclass
class Verification:
    folder: Path
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(folder: Path) -> Verification:
    """Check every file of the manifest: present, same size, same SHA-256; report extras."""
    folder = Path(folder)
    doc = read_manifest(folder)
    result = Verification(folder)
    listed = set()
    for entry in doc["files"]:
        rel = entry["path"]
        listed.add(rel)
        p = folder / rel
        if not p.is_file():
            result.problems.append(f"{rel}: missing (download it again)")
            continue
        result.checked += 1
        if p.stat().st_size != entry["bytes"]:
            result.problems.append(f"{rel}: size {p.stat().st_size} bytes, manifest says {entry['bytes']}: the file is incomplete or changed")
        elif sha256_file(p) != entry["sha256"]:
            result.problems.append(f"{rel}: SHA-256 differs from the manifest: the file was changed or corrupted")
    for rel in files_of(folder):
        if rel.as_posix() not in listed and rel.as_posix() != MANIFEST:
            result.problems.append(f"{rel.as_posix()}: not part of the release (not in the manifest)")
    return result
