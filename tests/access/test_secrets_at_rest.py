"""TOTP secrets and private keys are encrypted at rest, with a key kept apart from the database."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from onconode.access import identity, keyfile, rotation, secretbox
from onconode.access.db import Governance, GovernanceError, create_engine, migrate, resolve_url
from onconode.access.schema import account, signing_key
from onconode.access.visas import jwks
from onconode.federation import keys

from tests.access.conftest import FAST_ARGON2, PASSWORD, T0, code_for

MINUTE = dt.timedelta(minutes=1)


def _gov(home: Path, revision: str = "head") -> Governance:
    engine = create_engine(resolve_url(home, f"sqlite:///{home / 'governance.sqlite'}"))
    migrate(engine, revision, home=home)
    return Governance(engine=engine, home=home, options={"argon2": FAST_ARGON2})


@pytest.fixture
def gov(tmp_path: Path):
    g = _gov(tmp_path / "node")
    yield g
    g.close()


def _enrolled(gov: Governance, email: str = "dab@board.org") -> tuple[int, str]:
    acc = identity.register(gov, email, "Dab", "Member", PASSWORD, at=T0)
    enrol = identity.begin_mfa_enrolment(gov, acc.id, at=T0)
    identity.confirm_mfa(gov, acc.id, code_for(enrol.secret, T0), at=T0)
    return acc.id, enrol.secret


def _db_bytes(home: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(home.glob("governance.sqlite*")))


def _verify(gov: Governance, account_id: int, secret: str, at) -> str:
    with gov.engine.begin() as conn:
        return identity.verify_mfa(conn, account_id, code_for(secret, at), at)


def test_the_database_file_holds_no_totp_secret_and_no_private_visa_key(gov):
    account_id, secret = _enrolled(gov)
    public = jwks(gov)["keys"][0]
    gov.engine.dispose()
    raw = _db_bytes(gov.home)
    assert secret.encode() not in raw and secret.lower().encode() not in raw
    with gov.engine.connect() as conn:
        stored = conn.execute(sa.select(account.c.totp_secret).where(account.c.id == account_id)).scalar_one()
        jwk = conn.execute(sa.select(signing_key.c.private_jwk)).scalar_one()
    assert stored.startswith(secretbox.SEALED) and secret not in stored
    assert jwk.startswith(secretbox.SEALED) and '"d"' not in jwk and public["x"] not in jwk
    assert _verify(gov, account_id, secret, T0 + 2 * MINUTE) == "totp"


def test_the_at_rest_key_is_an_owner_only_file_outside_the_database(gov):
    _enrolled(gov)
    path = secretbox.key_path(gov.home)
    assert path == gov.home / "secrets" / "at-rest.key"
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700


def test_a_database_without_its_at_rest_key_cannot_verify_codes(gov):
    account_id, secret = _enrolled(gov)
    path = secretbox.key_path(gov.home)
    kept = path.read_bytes()
    path.unlink()
    with pytest.raises(GovernanceError, match="no at-rest key at .*at-rest.key.*Restore it from your backup"):
        _verify(gov, account_id, secret, T0 + 2 * MINUTE)
    secretbox.load(gov.home, create=True)  # someone makes a new key: the old secrets stay closed
    with pytest.raises(GovernanceError, match="sealed with another key"):
        _verify(gov, account_id, secret, T0 + 2 * MINUTE)
    path.write_bytes(kept)
    assert _verify(gov, account_id, secret, T0 + 2 * MINUTE) == "totp"


def test_the_key_may_live_outside_the_home_named_by_an_environment_variable(tmp_path, monkeypatch):
    elsewhere = tmp_path / "vault" / "onconode.key"
    monkeypatch.setenv(secretbox.KEY_ENV, str(elsewhere))
    g = _gov(tmp_path / "node")
    account_id, secret = _enrolled(g)
    assert elsewhere.exists() and not (tmp_path / "node" / "secrets" / "at-rest.key").exists()
    assert _verify(g, account_id, secret, T0 + 2 * MINUTE) == "totp"
    g.close()


def test_rotation_re_encrypts_everything_and_keeps_logins_visas_and_node_keys_working(gov):
    account_id, secret = _enrolled(gov)
    jwks_before = jwks(gov)
    node_key = keys.generate(gov.home / "federation" / "node.key", gov.home)
    old_key = secretbox.key_path(gov.home).read_text()
    with gov.engine.connect() as conn:
        old_value = conn.execute(sa.select(account.c.totp_secret).where(account.c.id == account_id)).scalar_one()
    old_file = (gov.home / "federation" / "node.key").read_text()

    r = rotation.rotate(gov)

    assert r.values == 2 and gov.home / "federation" / "node.key" in r.files
    new_key = secretbox.key_path(gov.home).read_text()
    assert new_key != old_key and len(secretbox.load(gov.home).keys) == 1
    old_box = secretbox.SecretBox(Path("old"), tuple(ln.encode() for ln in old_key.splitlines() if ln and not ln.startswith("#")))
    with gov.engine.connect() as conn:
        new_value = conn.execute(sa.select(account.c.totp_secret).where(account.c.id == account_id)).scalar_one()
    assert new_value != old_value
    with pytest.raises(secretbox.SecretsError):  # the old key opens nothing any more
        old_box.open(new_value, "the TOTP secret")
    assert (gov.home / "federation" / "node.key").read_text() != old_file
    assert _verify(gov, account_id, secret, T0 + 2 * MINUTE) == "totp"
    assert jwks(gov) == jwks_before
    assert keys.public_text(keys.load_private(gov.home / "federation" / "node.key", gov.home)) == keys.public_text(node_key)


def test_plaintext_secrets_of_an_older_database_are_sealed_by_the_migration(tmp_path):
    home = tmp_path / "node"
    old = _gov(home, "0002")
    acc = identity.register(old, "old@board.org", "Old", "Member", PASSWORD, at=T0)
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    with old.engine.begin() as conn:  # what an older version stored
        conn.execute(account.update().where(account.c.id == acc.id).values(totp_secret=secret, mfa_enabled=True))
    old.close()

    engine = create_engine(resolve_url(home, f"sqlite:///{home / 'governance.sqlite'}"))
    with pytest.raises(RuntimeError, match="holds TOTP secrets or signing keys in plaintext.*at-rest key"):
        migrate(engine)  # without a home there is no key to seal with: refused, nothing half-done
    migrate(engine, home=home)
    g = Governance(engine=engine, home=home, options={"argon2": FAST_ARGON2})
    with g.engine.connect() as conn:
        stored = conn.execute(sa.select(account.c.totp_secret).where(account.c.id == acc.id)).scalar_one()
    assert secretbox.is_sealed(stored) and secret not in stored
    assert _verify(g, acc.id, secret, T0) == "totp"
    g.close()


def test_private_key_files_are_sealed_and_useless_without_the_at_rest_key(tmp_path):
    home = tmp_path / "node"
    key = keys.generate(home / "federation" / "node.key", home)
    text = (home / "federation" / "node.key").read_text()
    assert "PRIVATE KEY" not in text and text.startswith(secretbox.FILE_HEADER)
    assert (home / "federation" / "node.key").stat().st_mode & 0o777 == 0o600
    (home / "secrets" / "at-rest.key").unlink()
    with pytest.raises(keys.KeyError_, match="no at-rest key"):
        keys.load_private(home / "federation" / "node.key", home)
    assert keys.public_text(key)


def test_an_unencrypted_pem_key_is_refused_until_rotation_seals_it(tmp_path, gov):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    pem_key = Ed25519PrivateKey.generate()
    coordinator = tmp_path / "elsewhere" / "coordinator.key"
    coordinator.parent.mkdir()
    coordinator.write_bytes(pem_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))
    with pytest.raises(keys.KeyError_, match="unencrypted private key.*secrets rotate --key-file"):
        keys.load_private(coordinator, gov.home)
    rotation.rotate(gov, [coordinator])
    assert keyfile.is_plain_pem(coordinator) is False
    assert keys.public_text(keys.load_private(coordinator, gov.home)) == keys.public_text(pem_key)


def test_the_secrets_rotate_command_rotates_and_says_where_the_key_is(tmp_path):
    home = tmp_path / "node"
    g = _gov(home)
    account_id, secret = _enrolled(g)
    g.close()
    run = subprocess.run([sys.executable, "-m", "onconode", "--home", str(home), "secrets", "rotate"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert f"new at-rest key in {home / 'secrets' / 'at-rest.key'}" in run.stdout and "1 database secret" in run.stdout
    g = _gov(home)
    assert _verify(g, account_id, secret, T0 + 2 * MINUTE) == "totp"
    with g.engine.connect() as conn:
        types = [r[0] for r in conn.execute(sa.text("SELECT type FROM event ORDER BY position")).fetchall()]
    assert types[-1] == "secrets_rotated"
    g.close()


def test_processes_creating_the_first_key_at_once_all_end_up_with_the_same_key(tmp_path):
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(4) as pool:
        boxes = list(pool.map(secretbox.load, [tmp_path] * 8, [True] * 8))
    assert len({b.keys for b in boxes}) == 1
    assert boxes[0].keys == secretbox.load(tmp_path).keys
    assert [p.name for p in (tmp_path / "secrets").iterdir()] == ["at-rest.key"]


def test_release_pseudonym_keys_are_sealed_an_old_plain_one_on_first_read_and_both_survive_rotation(gov):
    from onconode.release.pseudonym import key_path, known_keys, release_key

    new = release_key(gov.home, "DAR-2026-0002")
    assert new.hex() not in key_path(gov.home, "DAR-2026-0002").read_text()
    old_path = key_path(gov.home, "DAR-2026-0001")
    old_path.write_text("ab" * 32 + "\n")  # as an older version wrote it
    assert release_key(gov.home, "DAR-2026-0001") == bytes.fromhex("ab" * 32)
    assert secretbox.is_sealed_file(old_path) and "ab" * 32 not in old_path.read_text()
    r = rotation.rotate(gov)
    assert old_path in r.files
    assert known_keys(gov.home) == {"DAR-2026-0001": bytes.fromhex("ab" * 32), "DAR-2026-0002": new}
