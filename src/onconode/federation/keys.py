"""Ed25519 keys of nodes and the coordinator.

A private key lives in one file, 0600, sealed with the at-rest key of the home it belongs
to (`onconode.access.keyfile`: a copied key file is useless without that key, which the
operator keeps apart); the public key travels as base64 of its 32 raw bytes, the form
operators paste into registry and policy files.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from onconode.access import keyfile, secretbox


class KeyError_(ValueError):
    """A key file or public key that cannot be used; the message says which and why."""


def generate(path: Path, home: Path) -> Ed25519PrivateKey:
    """Create a new private key at `path`, sealed with `home`'s at-rest key (made if missing);
    refuses to overwrite an existing key, because the old public key is registered elsewhere
    and would silently stop matching."""
    try:
        return keyfile.generate(Path(path), home)
    except secretbox.SecretsError as exc:
        raise KeyError_(str(exc)) from None


def load_private(path: Path, home: Path) -> Ed25519PrivateKey:
    path = Path(path)
    if not path.exists():
        raise KeyError_(f"no key at {path}; create one with `onconode --home {home} federation keygen {path}`")
    try:
        return keyfile.load(path, home)
    except secretbox.SecretsError as exc:
        raise KeyError_(str(exc)) from None


public_text = keyfile.public_text


def parse_public(text: str, where: str) -> Ed25519PublicKey:
    try:
        return keyfile.parse_public(text)
    except ValueError:
        raise KeyError_(f"{where}: not an Ed25519 public key (expected base64 of 32 bytes, "
                        "as printed by `onconode federation keygen`)") from None
