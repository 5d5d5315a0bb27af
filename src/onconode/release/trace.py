"""Trace a leaked file back to its release: read every pseudonym-shaped token in it
(TSV, MAF, VCF, gzipped or Parquet), recompute each application's pseudonyms with the
node's keys over that release's freeze, and report which release the ids belong to and
the node's real ids behind them."""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path
import pyarrow.parquet as pq

from onconode.release import ReleaseError
from onconode.release.pseudonym import Pseudonymizer, known_keys, pseudonyms_in
from onconode.store.store import Store


def file_text(path: Path) -> str:
    """The text of a release file, whatever its format."""
    raw = Path(path).read_bytes()
    if raw[:4] == b"PAR1":
        table = pq.read_table(path)
        return "\n".join(str(v) for col in table.columns if str(col.type) in ("string", "large_string") for v in col.to_pylist())
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return raw.decode("utf-8", errors="replace")


@dataclass
class TraceMatch:
    application: str
    matched: dict[str, str] = field(default_factory=dict)  # pseudonym -> real id


@dataclass
class TraceResult:
    tokens: int
    matches: list[TraceMatch]


def trace(home: Path, store: Store, path: Path) -> TraceResult:
    """Which release(s) the pseudonyms in `path` come from, with the real ids."""
    if not Path(path).is_file():
        raise ReleaseError(f"{path} is not a file; give one file of a release (a TSV, MAF, VCF or Parquet file)")
    tokens = pseudonyms_in(file_text(path))
    if not tokens:
        return TraceResult(0, [])
    patients = [r[0] for r in store.con.execute("SELECT DISTINCT patient_id FROM patient").fetchall()]
    samples = [r[0] for r in store.con.execute("SELECT DISTINCT sample_id FROM sample").fetchall()]
    treatments = [r[0] for r in store.con.execute("SELECT DISTINCT treatment_id FROM treatment").fetchall()]
    matches = []
    for app_id, key in known_keys(home).items():
        ps = Pseudonymizer(key)
        found: dict[str, str] = {}
        for kind, ids in (("patient", patients), ("sample", samples), ("treatment", treatments)):
            for real in ids:
                p = ps(kind, real)
                if p in tokens:
                    found[p] = real
        if found:
            matches.append(TraceMatch(app_id, dict(sorted(found.items()))))
    matches.sort(key=lambda m: -len(m.matched))
    return TraceResult(len(tokens), matches)
