"""Signed checkpoints that anchor the audit trail, so truncation and re-chaining show.

The hash chain alone cannot tell a log whose last events were deleted, or whose hashes
were all recomputed after an edit, from an honest one. A checkpoint is the node's
signature (Ed25519, with the node's audit key, sealed in `<home>/secrets/audit.key` apart
from the database) over (position, head hash, time). The node appends one to
`<home>/audit/checkpoints.jsonl` every `EVERY` committed events and on every
`onconode audit head`, which also prints it for an auditor to keep outside the node.

`verify` checks the chain against every checkpoint it is given: the log must reach each
anchored position (else it was truncated) and the event there must still have the
anchored hash (else it was re-chained). New events after a checkpoint change neither, so
an anchor keeps verifying as the log grows.
"""

from __future__ import annotations

import base64
import datetime as dt
import fcntl
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from onconode import private
from onconode.access import audit, keyfile, secretbox

EVERY = 100
LOG_FILE = Path("audit") / "checkpoints.jsonl"
KEY_FILE = Path("secrets") / "audit.key"
DOMAIN = "onconode-audit-checkpoint-v1"


class AnchorError(Exception):
    """An anchor file or audit key that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Checkpoint:
    position: int
    head: str
    at: str
    key: str  # the audit public key that signed it (base64)
    signature: str  # base64

    def message(self) -> bytes:
        return audit.canonical([DOMAIN, self.position, self.head, self.at]).encode()

    def line(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    def signed_by(self, public: Ed25519PublicKey) -> bool:
        try:
            public.verify(base64.b64decode(self.signature), self.message())
            return True
        except (InvalidSignature, ValueError):
            return False

    def anchor(self, source: str) -> audit.Anchor:
        return audit.Anchor(self.position, self.head, f"{source} (signed {self.at})")


def log_path(home: Path) -> Path:
    return Path(home) / LOG_FILE


def audit_key(home: Path) -> Ed25519PrivateKey:
    """The node's audit signing key, made (and sealed) on first use."""
    path = Path(home) / KEY_FILE
    if not path.exists():
        try:
            return keyfile.generate(path, home)
        except keyfile.KeyExists:  # another process made it just now: use theirs
            pass
    return keyfile.load(path, home)


def public_key(home: Path) -> str:
    """The audit public key an auditor records once, to check checkpoints with."""
    return keyfile.public_text(audit_key(home))


def sign(key: Ed25519PrivateKey, position: int, head: str, at: dt.datetime | None = None) -> Checkpoint:
    at_text = audit.utc(at).isoformat(timespec="seconds")
    unsigned = Checkpoint(position, head, at_text, keyfile.public_text(key), "")
    signature = base64.b64encode(key.sign(unsigned.message())).decode()
    return Checkpoint(position, head, at_text, unsigned.key, signature)


def parse(text: str, source: str) -> Checkpoint:
    try:
        doc = json.loads(text)
        return Checkpoint(int(doc["position"]), str(doc["head"]), str(doc["at"]), str(doc["key"]), str(doc["signature"]))
    except (ValueError, KeyError, TypeError):
        raise AnchorError(f"{source} is not a checkpoint line as `onconode audit head` prints it") from None


def read(path: Path) -> list[Checkpoint]:
    """Every checkpoint in a checkpoint file (the node's log or an auditor's copy)."""
    path = Path(path)
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [parse(ln, f"{path}, line {i}") for i, ln in enumerate(lines, start=1) if ln.strip()]


def append(path: Path, cp: Checkpoint) -> Checkpoint:
    """Add a checkpoint to a checkpoint log (0600; one writer at a time)."""
    with private.open_append(path) as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.write(cp.line() + "\n")
    return cp


def write(home: Path, conn: sa.Connection, at: dt.datetime | None = None) -> Checkpoint:
    """Sign the current head of the governance log and append it to the node's checkpoint log."""
    position, head = audit.head(conn)
    return append(log_path(home), sign(audit_key(home), position, head, at))


class Checkpointer:
    """Writes a checkpoint once `every` events have been committed since the last one."""

    def __init__(self, home: Path, every: int = EVERY) -> None:
        self.home, self.every = Path(home), every
        self.last: int | None = None

    def _last_logged(self) -> int:
        cps = read(log_path(self.home))
        return max((c.position for c in cps), default=0)

    def after_commit(self, engine: sa.Engine) -> None:
        with engine.connect() as conn:
            position, _ = audit.head(conn)
            if self.last is None:
                self.last = self._last_logged()
            if position - self.last < self.every:
                return
            self.last = self._last_logged()  # another process may have written one meanwhile
            if position - self.last >= self.every:
                self.last = write(self.home, conn).position


def trusted_key(home: Path, pinned: str | None) -> Ed25519PublicKey:
    """The key checkpoints must be signed with: the auditor's pinned one, else the node's own."""
    try:
        return keyfile.parse_public(pinned) if pinned else audit_key(home).public_key()
    except ValueError as exc:
        raise AnchorError(f"--audit-key: {exc}, as `onconode audit key` prints it") from None
    except secretbox.SecretsError as exc:
        raise AnchorError(f"cannot read the node's audit key: {exc}") from None


def collect(home: Path, files: Iterable[Path], public: Ed25519PublicKey,
            log: Path | None = None) -> tuple[list[audit.Anchor], list[str]]:
    """The anchors of a node checkpoint log (default: the governance log's) and of the
    auditor's files; a checkpoint not signed by `public` is a problem (forged, or from
    another node), never an anchor."""
    anchors, problems = [], []
    own = "the node's checkpoint log"
    sources = [(Path(log) if log else log_path(home), own)] + [(Path(f), str(f)) for f in files]
    for path, name in sources:
        if name != own and not path.exists():
            raise AnchorError(f"no anchor file {path}; give the file where you saved `onconode audit head` lines")
        try:
            cps = read(path)
        except AnchorError as exc:
            problems.append(str(exc))
            continue
        for i, cp in enumerate(cps, start=1):
            if cp.signed_by(public):
                anchors.append(cp.anchor(f"the checkpoint of {name}, entry {i}"))
            else:
                problems.append(f"the checkpoint of {name}, entry {i} (event {cp.position}) is not signed by the audit key "
                                f"{keyfile.public_text(public)[:12]}…: it was forged or altered")
    return anchors, problems


def verify(conn: sa.Connection, home: Path, files: Iterable[Path] = (), expect_head: str | None = None,
           pinned_key: str | None = None) -> audit.Verification:
    """The chain checked against the node's checkpoints, the auditor's anchor files and
    an expected head hash."""
    anchors, problems = collect(home, files, trusted_key(home, pinned_key))
    v = audit.verify(conn, expect_head=expect_head, anchors=anchors)
    problems = problems + v.problems
    return audit.Verification(ok=not problems, events=v.events, head=v.head, problems=problems, anchors_checked=v.anchors_checked)
