"""Ed25519 keys of nodes and the coordinator.

A private key lives in one PEM file readable only by its owner; the public key travels as
base64 of its 32 raw bytes, the form operators paste into registry and policy files.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class KeyError_(ValueError):
    """A key file or public key that cannot be used; the message says which and why."""


def generate(path: Path) -> Ed25519PrivateKey:
    """Create a new private key at `path` (mode 0600); refuses to overwrite an existing key,
    because the old public key is registered elsewhere and would silently stop matching."""
    path = Path(path)
    if path.exists():
        raise KeyError_(f"{path} already exists; remove it first if you really mean to replace this key")
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return key


def load_private(path: Path) -> Ed25519PrivateKey:
    path = Path(path)
    if not path.exists():
        raise KeyError_(f"no key at {path}; create one with `onconode federation keygen {path}`")
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyError_(f"{path} is not an Ed25519 private key")
    return key


def public_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return base64.b64encode(pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def parse_public(text: str, where: str) -> Ed25519PublicKey:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except Exception:
        raise KeyError_(f"{where}: not an Ed25519 public key (expected base64 of 32 bytes, "
                        "as printed by `onconode federation keygen`)") from None
