"""Rotating the at-rest key: every sealed secret re-encrypted under a new key.

Three steps, each safe to interrupt: (1) the new key is written first in the key file,
the old ones kept, so everything still opens; (2) every sealed database value (TOTP
secrets, visa signing keys) is resealed in one transaction and every sealed key file is
rewritten atomically; (3) the old keys are dropped. Run again after an interruption: it
adds another key and finishes the job. Values or key files still in plaintext (from an
older version) are sealed on the way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import sqlalchemy as sa

from onconode.access import audit, keyfile, secretbox
from onconode.access.db import Governance, GovernanceError
from onconode.access.schema import account, signing_key

SEALED_COLUMNS = ((account, account.c.id, account.c.totp_secret), (signing_key, signing_key.c.kid, signing_key.c.private_jwk))
KEY_FOLDERS = ("secrets", "federation", "release-keys")


@dataclass(frozen=True)
class Rotation:
    key_file: Path
    values: int
    files: list[Path]


def key_files(home: Path, extra: Iterable[Path] = ()) -> list[Path]:
    """The sealed key files of a node home (audit, federation, release pseudonyms; plain PEM
    keys of an older version too) plus `extra` ones kept elsewhere."""
    found = [p for folder in KEY_FOLDERS for p in sorted((Path(home) / folder).glob("*.key"))
             if secretbox.is_sealed_file(p) or keyfile.is_plain_pem(p)]
    return found + [Path(p) for p in extra if Path(p) not in found]


def _reseal_values(conn: sa.Connection, box: secretbox.SecretBox) -> int:
    n = 0
    for table, key, column in SEALED_COLUMNS:
        for ident, value in conn.execute(sa.select(key, column).where(column.is_not(None))).fetchall():
            conn.execute(table.update().where(key == ident).values({column.name: box.reseal(value, f"{table.name}.{column.name} of {ident}")}))
            n += 1
    return n


def rotate(gov: Governance, extra_files: Iterable[Path] = (), actor: int | None = None, at: dt.datetime | None = None) -> Rotation:
    """Re-encrypt every secret of the node under a new at-rest key; refuses with GovernanceError."""
    files = key_files(gov.home, extra_files)
    missing = [str(p) for p in files if not p.exists()]
    if missing:
        raise GovernanceError(f"no key file {', '.join(missing)}; give existing --key-file paths")
    try:
        secretbox.load(gov.home, create=True)
        box = secretbox.add_new_key(gov.home)

        def work(conn: sa.Connection) -> int:
            n = _reseal_values(conn, box)
            audit.record(conn, "node:secrets", actor, audit.utc(at), "secrets_rotated", {"values": n, "files": len(files)})
            return n

        values = audit.run_with_retry(gov.engine, work)
        for path in files:
            keyfile.reseal(path, box)
        secretbox.drop_old_keys(box)
    except secretbox.SecretsError as exc:
        raise GovernanceError(f"{exc}\nNothing is lost: the key file keeps the old and the new key until a rotation completes; "
                              "fix the problem and run the rotation again") from None
    return Rotation(box.path, values, files)
