"""Ed25519 private key files, sealed with the node's at-rest key (see `secretbox`).

The one implementation for every Ed25519 key the node keeps in a file: the federation
node and coordinator keys and the audit checkpoint key. A key file is useless without the
at-rest key, which the operator keeps apart; an older unencrypted PEM file is refused
with the command that seals it.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from onconode.access import secretbox
from onconode.access.secretbox import SecretBox, SecretsError, is_sealed_file

KIND = "ed25519-private-key"


class KeyExists(SecretsError):
    """A key file is already there: keys are never overwritten."""
PEM_MARK = b"-----BEGIN"


def _der(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def generate(path: Path, home: Path) -> Ed25519PrivateKey:
    """Create a new key at `path`, sealed with `home`'s at-rest key (made if there is none);
    refuses to overwrite an existing key, because its public key is registered elsewhere
    and would silently stop matching."""
    path = Path(path)
    key = Ed25519PrivateKey.generate()
    try:
        secretbox.load(home, create=True).write_file(path, _der(key), KIND, exclusive=True)
    except FileExistsError:
        raise KeyExists(f"{path} already exists; remove it first if you really mean to replace this key") from None
    return key


def is_plain_pem(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(len(PEM_MARK)) == PEM_MARK
    except OSError:
        return False


def load(path: Path, home: Path) -> Ed25519PrivateKey:
    """The key in `path`, opened with `home`'s at-rest key."""
    path = Path(path)
    if is_plain_pem(path):
        raise SecretsError(f"{path} holds an unencrypted private key; seal it with "
                           f"`onconode --home {home} secrets rotate --key-file {path}`")
    key = serialization.load_der_private_key(secretbox.load(home).read_file(path, KIND), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise SecretsError(f"{path} is not an Ed25519 private key")
    return key


def reseal(path: Path, box: SecretBox) -> None:
    """Re-encrypt a key file under the box's newest key; an unencrypted PEM key is sealed."""
    path = Path(path)
    if is_plain_pem(path):
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise SecretsError(f"{path} is not an Ed25519 private key")
        box.write_file(path, _der(key), KIND)
        return
    if not is_sealed_file(path):
        raise SecretsError(f"{path} is neither a sealed key nor a PEM private key")
    box.reseal_file(path)


def public_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The public key as base64 of its 32 raw bytes (the form operators and auditors copy)."""
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return base64.b64encode(pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def parse_public(text: str) -> Ed25519PublicKey:
    """The inverse of `public_text`; ValueError when `text` is not one."""
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text.strip(), validate=True))
    except (binascii.Error, ValueError):
        raise ValueError("not an Ed25519 public key (expected base64 of 32 bytes)") from None
