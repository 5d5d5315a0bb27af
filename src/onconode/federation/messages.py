"""Signed protocol messages: tasks, results and node polls.

A message is `{"body": {...}, "signature": base64}`; the signature is Ed25519 over the
body's canonical JSON (sorted keys, no spaces — the audit log's `canonical`). Every body
names its signer, its kind, a random nonce, when it was issued and when it expires. A
receiver refuses a message that is unsigned, signed by a key it does not know, altered
after signing, of the wrong kind, expired, or seen before (the nonce store remembers
every nonce until the message it came with has expired, so a replay is always caught).
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import sqlite3
import threading
from pathlib import Path
from typing import Any, Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from onconode.access.audit import canonical

Envelope = dict[str, Any]
MAX_CLOCK_SKEW = dt.timedelta(seconds=60)


class MessageRefused(PermissionError):
    """A message that must not be acted on; the message says why."""


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.timezone.utc)


def sign(key: Ed25519PrivateKey, signer: str, kind: str, payload: Mapping[str, Any], ttl: dt.timedelta,
         now: dt.datetime | None = None) -> Envelope:
    """A signed message of `kind` from `signer`, valid for `ttl`."""
    at = _now(now)
    body = {**payload, "kind": kind, "signer": signer, "nonce": secrets.token_hex(16),
            "issued": at.isoformat(timespec="milliseconds"), "expires": (at + ttl).isoformat(timespec="milliseconds")}
    sig = key.sign(canonical(body).encode())
    return {"body": body, "signature": base64.b64encode(sig).decode()}


class NonceStore:
    """Nonces already accepted, kept until their message expires. SQLite, so a node agent
    that restarts still refuses a message it acted on before the restart; `:memory:` for a
    coordinator whose runs live in memory anyway."""

    def __init__(self, path: Path | str = ":memory:") -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        if path != ":memory:":
            # A write-ahead log with full sync: each claim is on disk before the message is
            # acted on (as with the default journal), in one fsync instead of several.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("CREATE TABLE IF NOT EXISTS nonce (nonce TEXT PRIMARY KEY, expires TEXT NOT NULL)")
        self._lock = threading.Lock()

    def claim(self, nonce: str, expires: dt.datetime, now: dt.datetime) -> bool:
        """True the first time a nonce is seen; False on a replay."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM nonce WHERE expires < ?", (now.isoformat(),))
                self._db.execute("INSERT INTO nonce VALUES (?, ?)", (nonce, expires.isoformat()))
            except sqlite3.IntegrityError:
                self._db.execute("ROLLBACK")
                return False
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return True


def verify(envelope: Any, kind: str, trusted: Mapping[str, Ed25519PublicKey], nonces: NonceStore,
           now: dt.datetime | None = None) -> dict[str, Any]:
    """The body of a valid `kind` message, or MessageRefused saying what is wrong with it."""
    at = _now(now)
    if not isinstance(envelope, dict) or not isinstance(envelope.get("body"), dict):
        raise MessageRefused("not a protocol message (expected {body, signature})")
    body, sig = envelope["body"], envelope.get("signature")
    if not sig:
        raise MessageRefused("unsigned message")
    signer = body.get("signer")
    key = trusted.get(signer) if isinstance(signer, str) else None
    if key is None:
        raise MessageRefused(f"signed by {signer!r}, a key this party does not know; register its public key first")
    try:
        key.verify(base64.b64decode(sig, validate=True), canonical(body).encode())
    except (InvalidSignature, ValueError):
        raise MessageRefused(f"signature of {signer!r} does not match the message: it was altered or forged") from None
    if body.get("kind") != kind:
        raise MessageRefused(f"expected a {kind} message, got {body.get('kind')!r}")
    try:
        issued = dt.datetime.fromisoformat(body["issued"])
        expires = dt.datetime.fromisoformat(body["expires"])
        nonce = str(body["nonce"])
    except (KeyError, TypeError, ValueError):
        raise MessageRefused("message lacks a valid nonce, issue time or expiry") from None
    if expires <= at:
        raise MessageRefused(f"message expired at {body['expires']}")
    if issued > at + MAX_CLOCK_SKEW:
        raise MessageRefused(f"message issued in the future ({body['issued']}); check the sender's clock")
    if not nonces.claim(nonce, expires, at):
        raise MessageRefused(f"replayed message (nonce {nonce} was already used)")
    return body
