"""GA4GH Passport ControlledAccessGrants visas, signed with Ed25519.

One visa per download contact and dataset of an active DAR, asserted `by: dac`. Visas
are short-lived (default one hour, never past the term end) and minted only after
`can_download` allows it, so revocation and expiry take effect within that hour.
The public keys are published as a JWKS (`/.well-known/jwks.json` in the API layer); the
private keys are stored sealed with the node's at-rest key (`secretbox`).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any

import sqlalchemy as sa
from joserfc import jwt
from joserfc.jwk import KeySet, OKPKey

from onconode.access import audit
from onconode.access.db import Governance, GovernanceError, secrets_of
from onconode.access.secretbox import SecretsError
from onconode.access.entitlements import check_download
from onconode.access.schema import application as app_table
from onconode.access.schema import signing_key
from onconode.access.workflow import load
from onconode.access.identity import get_account

VISA_TTL = dt.timedelta(hours=1)
ALG = "EdDSA"


def _key(conn: sa.Connection, kid: str, sealed: str) -> OKPKey:
    try:
        return OKPKey.import_key(json.loads(secrets_of(conn).open_text(sealed, f"the visa signing key {kid}")))
    except SecretsError as exc:
        raise GovernanceError(str(exc)) from None


def _current_key(conn: sa.Connection, at: dt.datetime) -> OKPKey:
    rows = conn.execute(sa.select(signing_key).order_by(signing_key.c.created_at.desc()).limit(1)).fetchall()
    if rows:
        return _key(conn, rows[0].kid, rows[0].private_jwk)
    key = OKPKey.generate_key("Ed25519", parameters={"use": "sig", "alg": ALG}, auto_kid=True)
    sealed = secrets_of(conn, create=True).seal(json.dumps(key.as_dict(private=True)))
    conn.execute(signing_key.insert().values(kid=key.kid, private_jwk=sealed, created_at=at.replace(tzinfo=None)))
    return key


def signing_key_for(gov: Governance, at: dt.datetime | None = None) -> OKPKey:
    at = audit.utc(at)
    return audit.run_with_retry(gov.engine, lambda conn: _current_key(conn, at))


def jwks(gov: Governance) -> dict[str, Any]:
    """The public keys, as served at /.well-known/jwks.json."""
    signing_key_for(gov)
    with gov.engine.connect() as conn:
        keys = [_key(conn, r[0], r[1]) for r in conn.execute(sa.select(signing_key.c.kid, signing_key.c.private_jwk)).fetchall()]
    return {"keys": [{**k.as_dict(private=False), "use": "sig", "alg": ALG} for k in keys]}


def dataset_url(gov: Governance, dataset_id: str) -> str:
    return f"{gov.issuer}/datasets/{dataset_id}"


def visas_for(gov: Governance, account_id: int, app_id: str, at: dt.datetime | None = None, ttl: dt.timedelta = VISA_TTL) -> list[str]:
    """Signed visas for one contact on one application; none unless downloads are allowed."""
    at = audit.utc(at)
    key = signing_key_for(gov, at)
    with gov.engine.connect() as conn:
        d = check_download(conn, account_id, app_id, at)
        if not d:
            return []
        app = load(conn, app_id)

        user = get_account(conn, account_id)
    assert app.term_end is not None and app.term_start is not None
    exp = min(at + ttl, app.term_end)
    out = []
    for dataset in app.form.get("datasets") or []:
        claims = {
            "iss": gov.issuer,
            "sub": user.email,
            "iat": int(at.timestamp()),
            "exp": int(exp.timestamp()),
            "jti": secrets.token_hex(16),
            "ga4gh_visa_v1": {
                "type": "ControlledAccessGrants",
                "asserted": int(app.term_start.timestamp()),
                "value": dataset_url(gov, dataset),
                "source": f"{gov.issuer}/dac",
                "by": "dac",
            },
        }
        header = {"alg": ALG, "kid": key.kid, "typ": "vnd.ga4gh.visa+jwt", "jku": f"{gov.issuer}/.well-known/jwks.json"}
        out.append(jwt.encode(header, claims, key, algorithms=[ALG]))
    return out


def passport(gov: Governance, account_id: int, at: dt.datetime | None = None) -> dict[str, list[str]]:
    """`ga4gh_passport_v1`: every visa the account holds right now."""
    with gov.engine.connect() as conn:
        ids = [r[0] for r in conn.execute(sa.select(app_table.c.id).where(app_table.c.kind == "dar")).fetchall()]
    return {"ga4gh_passport_v1": [v for app_id in ids for v in visas_for(gov, account_id, app_id, at)]}


def decode_visa(gov: Governance, token: str, at: dt.datetime | None = None) -> dict[str, Any]:
    """Verify a visa's signature and expiry; returns its claims (raises on any failure)."""
    keys = KeySet.import_key_set(jwks(gov))
    tok = jwt.decode(token, keys, algorithms=[ALG])
    now = int(audit.utc(at).timestamp())
    jwt.JWTClaimsRegistry(now=now, leeway=0, exp={"essential": True}).validate(tok.claims)
    return dict(tok.claims)
