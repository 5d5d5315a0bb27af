"""Who is asking the Beacon: anonymous (PUBLIC), a known user (REGISTERED), or the holder
of ControlledAccessGrants visas for some datasets (CONTROLLED).

A bearer token is one visa JWT, several visa JWTs joined by commas (what
`GET /api/passport` lists), or a passport JWT whose `ga4gh_passport_v1` claim
lists visa JWTs; each visa is verified with this node's keys (access/visas.py: Ed25519,
expiry) and must be a ControlledAccessGrants for a dataset URL of this node. A token that
does not verify is an error, never silently anonymous, so a user learns why records are
missing. A logged-in web session (an account) is REGISTERED.
"""

from __future__ import annotations

from typing import Any

from onconode.analysis.beacon_rules import Requester
from onconode.access.visas import decode_visa, dataset_url


class BeaconAuthError(PermissionError):
    """A bearer token was given but is not a valid visa or passport of this node."""


def _claims(gov: Any, token: str, at: Any) -> dict[str, Any]:
    try:
        return decode_visa(gov, token, at)
    except Exception as exc:  # joserfc raises several error types; all mean "not valid here"
        raise BeaconAuthError(f"the bearer token is not a valid visa or passport of this node ({type(exc).__name__}: {exc}); "
                              "get fresh visas from the data access portal (they last one hour)") from None


def granted_datasets(gov: Any, token: str, at: Any) -> tuple[str, frozenset[str]]:
    """(subject, datasets) a visa or passport token grants."""
    visas: list[dict[str, Any]] = []
    claims: dict[str, Any] = {}
    for part in token.split(","):  # several visas may be sent comma-joined (JWTs hold no comma)
        claims = _claims(gov, part.strip(), at)
        visas += [claims] if "ga4gh_visa_v1" in claims else [_claims(gov, v, at) for v in claims.get("ga4gh_passport_v1", [])]
    prefix = dataset_url(gov, "")
    datasets = set()
    for v in visas:
        visa = v.get("ga4gh_visa_v1") or {}
        value = str(visa.get("value", ""))
        if visa.get("type") == "ControlledAccessGrants" and value.startswith(prefix):
            datasets.add(value[len(prefix):])
    return str(claims.get("sub", "")), frozenset(datasets)


def requester(gov: Any, authorization: str | None, account_email: str | None, client: str, at: Any) -> Requester:
    """The requester of one Beacon call (the budget key is the person, else the address)."""
    if authorization and authorization.lower().startswith("bearer "):
        subject, datasets = granted_datasets(gov, authorization[7:].strip(), at)
        key = subject or account_email or client
        return Requester(f"user:{key}", "CONTROLLED" if datasets else "REGISTERED", datasets)
    if account_email:
        return Requester(f"user:{account_email}", "REGISTERED")
    return Requester(f"ip:{client}", "PUBLIC")
