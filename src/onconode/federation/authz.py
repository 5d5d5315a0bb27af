"""Who may ask: GA4GH ControlledAccessGrants visas checked against the issuer's JWKS.

Used by the coordinator (to accept a researcher's submission) and again by every node (so
a coordinator cannot vouch for a visa it was never shown). The visa format and algorithm
are those `onconode.access.visas` issues.
"""

from __future__ import annotations

import base64
import json
from typing import Any, Mapping

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from onconode.access.visas import ALG


class AuthorizationError(PermissionError):
    """A requester who may not submit this task; the message says why."""


def verify_visa(token: str, issuers: Mapping[str, Mapping[str, Any]], now_ts: int) -> dict[str, Any]:
    """Claims of a valid ControlledAccessGrants visa from one of `issuers` (issuer -> JWKS)."""
    parts = token.split(".") if isinstance(token, str) else []
    try:
        claims_raw = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))) if len(parts) == 3 else None
    except ValueError:
        claims_raw = None
    if not isinstance(claims_raw, dict):
        raise AuthorizationError("the visa is not a signed JWT")
    issuer = claims_raw.get("iss")
    if issuer not in issuers:
        raise AuthorizationError(f"visas from {issuer!r} are not trusted here")
    try:
        tok = jwt.decode(token, KeySet.import_key_set(dict(issuers[issuer])), algorithms=[ALG])
        jwt.JWTClaimsRegistry(now=now_ts, leeway=0, exp={"essential": True}).validate(tok.claims)
    except (JoseError, ValueError) as exc:
        raise AuthorizationError(f"the visa is not valid ({exc.__class__.__name__}: {exc})") from None
    claims = dict(tok.claims)
    visa = claims.get("ga4gh_visa_v1") or {}
    if visa.get("type") != "ControlledAccessGrants" or not visa.get("value") or not claims.get("sub"):
        raise AuthorizationError("the visa is not a ControlledAccessGrants visa with a subject and a dataset")
    return claims
