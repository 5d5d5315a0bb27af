"""Secrets at rest: TOTP seeds and private keys are stored encrypted, with a key kept apart.

A copy of the governance database (a backup, a PostgreSQL dump, a stolen file) must not
let anyone log in as a Data Access Board member or sign as the node. So every TOTP secret
and every private key the node stores is sealed with Fernet (AES-128-CBC + HMAC-SHA256,
from `cryptography`) under the node's **at-rest key**, which lives outside the database:
`<home>/secrets/at-rest.key` (0600 in a 0700 folder), or the file the `[secrets] key_file`
setting names ($ONCONODE_SECRETS_KEY_FILE) for operators who keep it elsewhere (another disk, a mounted
secret). The key file holds one Fernet key per line, newest first: the newest seals, all
of them open, which is what lets `onconode secrets rotate` re-encrypt everything under a
new key without a moment where a secret cannot be read.

A sealed database value reads `sealed:v1:<token>`; a sealed file starts with a header
line naming what it holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from onconode import private
from onconode.settings import Settings

KEY_ENV = "ONCONODE_SECRETS_KEY_FILE"
KEY_FILE = Path("secrets") / "at-rest.key"
SEALED = "sealed:v1:"
FILE_HEADER = "onconode sealed v1"


class SecretsError(Exception):
    """A secret that cannot be sealed or opened; the message says which key and what to do."""


def key_path(home: Path) -> Path:
    """The `[secrets] key_file` setting ($ONCONODE_SECRETS_KEY_FILE), else `<home>/secrets/at-rest.key`."""
    configured = Settings.load(home).secrets.key_file
    return Path(home) / configured if configured else Path(home) / KEY_FILE


def is_sealed(value: str | None) -> bool:
    return bool(value) and str(value).startswith(SEALED)


@dataclass(frozen=True)
class SecretBox:
    """The node's at-rest keys (newest first): seal with the newest, open with any."""

    path: Path
    keys: tuple[bytes, ...]

    @property
    def _fernet(self) -> MultiFernet:
        return MultiFernet([Fernet(k) for k in self.keys])

    def seal(self, data: bytes | str) -> str:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        return SEALED + self._fernet.encrypt(raw).decode("ascii")

    def open(self, sealed: str, what: str) -> bytes:
        """The plaintext of a sealed value; `what` names it in errors ("the TOTP secret of account 3")."""
        if not is_sealed(sealed):
            raise SecretsError(f"{what} is stored unencrypted; run `onconode secrets rotate` to seal every secret of this node")
        try:
            return self._fernet.decrypt(sealed[len(SEALED):].encode("ascii"))
        except InvalidToken:
            raise SecretsError(
                f"{what} cannot be decrypted with the at-rest key in {self.path}: it was sealed with another key. "
                f"Restore the key file from your backup (or point ${KEY_ENV} at it); if the key is lost, "
                "reset the account's MFA or replace the key"
            ) from None

    def open_text(self, sealed: str, what: str) -> str:
        return self.open(sealed, what).decode("utf-8")

    def reseal(self, sealed: str, what: str) -> str:
        """The same secret sealed with the newest key (plaintext values are sealed now)."""
        if not is_sealed(sealed):
            return self.seal(sealed)
        self.open(sealed, what)  # a clear error for a value no key of ours opens
        return SEALED + self._fernet.rotate(sealed[len(SEALED):].encode("ascii")).decode("ascii")

    # -- sealed files (private keys) -------------------------------------------------
    def write_file(self, path: Path, data: bytes, kind: str, exclusive: bool = False) -> Path:
        """Write `data` sealed to `path` (0600), under a header naming `kind`; `exclusive`
        refuses to replace an existing file (FileExistsError)."""
        return private.write_text(path, f"{FILE_HEADER} {kind}\n{self.seal(data)}\n", exclusive)

    def reseal_file(self, path: Path) -> None:
        """Rewrite a sealed file under the newest key, whatever it holds."""
        kind = Path(path).read_text(encoding="utf-8").partition("\n")[0][len(FILE_HEADER) + 1:]
        self.write_file(path, self.read_file(path, kind), kind)

    def read_file(self, path: Path, kind: str) -> bytes:
        head, _, body = Path(path).read_text(encoding="utf-8").partition("\n")
        if head != f"{FILE_HEADER} {kind}":
            raise SecretsError(f"{path} is not a sealed {kind} (it does not start with '{FILE_HEADER} {kind}')")
        return self.open(body.strip(), f"{kind} {path}")


def is_sealed_file(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(len(FILE_HEADER)) == FILE_HEADER.encode()
    except OSError:
        return False


def _read_keys(path: Path) -> tuple[bytes, ...]:
    lines = [ln.strip() for ln in path.read_text(encoding="ascii").splitlines()]
    keys = tuple(ln.encode("ascii") for ln in lines if ln and not ln.startswith("#"))
    for k in keys:
        try:
            Fernet(k)
        except ValueError:
            raise SecretsError(f"{path} holds a line that is not a Fernet key; restore the key file from your backup") from None
    if not keys:
        raise SecretsError(f"{path} holds no key; restore the key file from your backup")
    return keys


def write_keys(path: Path, keys: tuple[bytes, ...], exclusive: bool = False) -> SecretBox:
    """Replace (or, `exclusive`, create) the key file with `keys` (newest first), atomically, mode 0600."""
    text = "# onconode at-rest keys, newest first; keep a backup apart from the database\n"
    private.write_text(path, text + "".join(k.decode("ascii") + "\n" for k in keys), exclusive)
    return SecretBox(Path(path), keys)


def load(home: Path, create: bool = False) -> SecretBox:
    """The node's at-rest keys; `create` makes a first key when there is none yet."""
    path = key_path(home)
    if path.exists():
        return SecretBox(path, _read_keys(path))
    if not create:
        raise SecretsError(
            f"no at-rest key at {path}: the node's TOTP secrets and private keys cannot be opened without it. "
            f"Restore it from your backup, or set ${KEY_ENV} to the file where you keep it"
        )
    return _create(path)


def _create(path: Path) -> SecretBox:
    """A first key, written so that of two processes creating it at once, one key wins and
    both use it (never replaced once it exists)."""
    try:
        write_keys(path, (Fernet.generate_key(),), exclusive=True)
    except FileExistsError:
        pass
    return SecretBox(path, _read_keys(path))


def add_new_key(home: Path) -> SecretBox:
    """Step 1 of a rotation: a new key first in the file, the old ones still there to open."""
    box = load(home)
    return write_keys(box.path, (Fernet.generate_key(), *box.keys))


def drop_old_keys(box: SecretBox) -> SecretBox:
    """Last step of a rotation, once everything is resealed: keep only the newest key."""
    return write_keys(box.path, box.keys[:1])
