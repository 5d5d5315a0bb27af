"""Helpers shared by the hmftools reader tests (this module holds no tests itself).

Test sample folders are built in tmp_path from symlinks to the real COLO829 fixtures
(renamed where a test needs another prefix) or from edited copies written by the test,
so the fixtures are never copied into the repository.
"""

from __future__ import annotations

import gzip
from pathlib import Path

from onconode.ingest.hmftools.discover import classify


def fixture_files(hmf: Path, prefix: str = "tumor_sample") -> dict[str, Path]:
    """The COLO829 fixture files of `prefix`, by kind."""
    out = {}
    for path in sorted(hmf.rglob("*")):
        hit = classify(path.name) if path.is_file() else None
        if hit and hit[1].lower() == prefix.lower():
            out[hit[0]] = path
    return out


def sample_folder(
    hmf: Path,
    dest: Path,
    *,
    prefix: str = "tumor_sample",
    only: set[str] | None = None,
    without: set[str] = frozenset(),
) -> Path:
    """A flat sample folder of symlinks to the fixtures, named `<prefix>.<suffix>`."""
    dest.mkdir(parents=True, exist_ok=True)
    for kind, src in fixture_files(hmf).items():
        if (only is not None and kind not in only) or kind in without:
            continue
        suffix = src.name[len("tumor_sample"):]
        (dest / f"{prefix}{suffix}").symlink_to(src)
    return dest


def replace_with_text(folder: Path, kind: str, text: str, *, gz: bool = False) -> Path:
    """Swap one file of a sample folder for the given content (an edited copy)."""
    for path in folder.iterdir():
        hit = classify(path.name)
        if hit and hit[0] == kind:
            path.unlink()
            data = text.encode()
            path.write_bytes(gzip.compress(data) if gz else data)
            return path
    raise AssertionError(f"no {kind} file in {folder}")


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    return (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode()


def data_lines(path: Path) -> int:
    """Data rows of a TSV: lines after the header, counted straight from the file."""
    return len([line for line in read_text(path).splitlines()[1:] if line.strip()])
