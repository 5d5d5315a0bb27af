"""Per-release pseudonyms: keyed HMAC of the node's ids, one secret key per application.

Two licensees' releases cannot be joined on identifiers, because each DAR's key gives
different pseudonyms for the same patient; the node keeps the keys, so a leaked file's
pseudonyms can be recomputed and matched to the release (and the real ids) it came from.
The key is created on the first build and never changes, so a rebuild gives the same
pseudonyms (byte-identical releases). Key files are sealed with the node's at-rest key
(`onconode.access.secretbox`); a plain hex key file of an older version is sealed the
first time it is read.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from onconode.access import secretbox
from onconode.release import ReleaseError

KEY_DIR = "release-keys"
KIND = "release-pseudonym-key"
# Kind of identifier -> one-letter prefix of its pseudonym (P000A1B2C3D4E style).
PREFIX = {"patient": "P", "sample": "S", "treatment": "T"}
ID_COLUMNS = {"patient_id": "patient", "sample_id": "sample", "treatment_id": "treatment"}
PSEUDONYM = re.compile(r"\b([PST])([0-9A-F]{12})\b")
SAFE_APP_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def key_path(home: Path, app_id: str) -> Path:
    if not SAFE_APP_ID.match(app_id):
        raise ValueError(f"{app_id!r} is not an application id (e.g. DAR-2026-0001)")
    return Path(home) / KEY_DIR / f"{app_id}.key"


def _read(home: Path, path: Path) -> bytes:
    try:
        if secretbox.is_sealed_file(path):
            return secretbox.load(home).read_file(path, KIND)
        key = bytes.fromhex(path.read_text().strip())  # an older version's plain key: seal it now
        secretbox.load(home, create=True).write_file(path, key, KIND)
        return key
    except secretbox.SecretsError as exc:
        raise ReleaseError(f"cannot read the pseudonym key {path}: {exc}") from None


def release_key(home: Path, app_id: str, create: bool = True) -> bytes | None:
    """The secret key of one application's releases (created on first use, sealed, mode 0600)."""
    path = key_path(home, app_id)
    if not path.exists():
        if not create:
            return None
        try:
            secretbox.load(home, create=True).write_file(path, secrets.token_bytes(32), KIND, exclusive=True)
        except FileExistsError:  # a concurrent build made it: both use that one
            pass
    return _read(home, path)


@dataclass(frozen=True)
class Pseudonymizer:
    """Maps the node's ids to one release's pseudonyms."""

    key: bytes

    def __call__(self, kind: str, real_id: str) -> str:
        if kind not in PREFIX:
            raise ValueError(f"no pseudonym kind {kind!r}; kinds: {', '.join(PREFIX)}")
        digest = hmac.new(self.key, f"{kind}:{real_id}".encode(), hashlib.sha256).hexdigest()
        return PREFIX[kind] + digest[:12].upper()

    def mapping(self, kind: str, real_ids: list[str]) -> dict[str, str]:
        out = {r: self(kind, r) for r in real_ids}
        if len(set(out.values())) != len(out):  # 48 bits: practically never, but never silently
            raise ValueError(f"pseudonym collision among {len(out)} {kind} ids; rebuild with a new key")
        return out


def pseudonyms_in(text: str) -> set[str]:
    """Every token of `text` shaped like a release pseudonym."""
    return {m.group(0) for m in PSEUDONYM.finditer(text)}


def known_keys(home: Path) -> dict[str, bytes]:
    """Application id -> key, for every application the node ever released to."""
    folder = Path(home) / KEY_DIR
    if not folder.is_dir():
        return {}
    return {p.stem: _read(home, p) for p in sorted(folder.glob("*.key"))}
