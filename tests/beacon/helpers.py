"""A ControlledAccessGrants visa as the node's DAC issuer signs it (access/visas.py format)."""

from __future__ import annotations

import datetime as dt
import secrets

from joserfc import jwt
from joserfc.jwk import OKPKey

from onconode.access.visas import ALG, dataset_url, signing_key_for


def visa(node, dataset_id: str, email: str = "researcher@example.org", *, key: OKPKey | None = None,
         ttl: dt.timedelta = dt.timedelta(hours=1)) -> str:
    gov = node.gov
    key = key or signing_key_for(gov)
    now = node.now()
    claims = {"iss": gov.issuer, "sub": email, "iat": int(now.timestamp()), "exp": int((now + ttl).timestamp()),
              "jti": secrets.token_hex(8),
              "ga4gh_visa_v1": {"type": "ControlledAccessGrants", "asserted": int(now.timestamp()),
                                "value": dataset_url(gov, dataset_id), "source": f"{gov.issuer}/dac", "by": "dac"}}
    return jwt.encode({"alg": ALG, "kid": key.kid, "typ": "vnd.ga4gh.visa+jwt"}, claims, key, algorithms=[ALG])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
