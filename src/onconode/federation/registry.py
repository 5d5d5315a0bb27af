"""The coordinator's registry: the nodes it knows (public keys), the collaborations, and
who may submit — approved DARs (each with a bearer token) and trusted visa issuers.

    name = "coordinator"                 # the signer name nodes expect
    task_timeout_seconds = 60            # a node silent this long is marked failed

    [nodes]
    NL = "base64 Ed25519 public key"     # from `onconode federation keygen`

    [collaborations.eucancan]
    nodes = ["NL", "SE", "ES"]
    visa_datasets = ["https://nl.example/datasets/DS-1"]

    [dars."DAR-2026-001"]
    requester = "alice@uni.example"
    token_sha256 = "..."                 # from `onconode federation token`
    collaborations = ["eucancan"]

    [visa_issuers]
    "https://nl.example" = "nl-jwks.json"   # JWKS file, relative to this file
"""

from __future__ import annotations

import hashlib
import hmac
import json
import tomllib
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from onconode.federation import authz
from onconode.federation.keys import parse_public


class RegistryError(ValueError):
    pass


class Collaboration(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    nodes: list[str] = Field(min_length=1)
    visa_datasets: list[str] = Field(default_factory=list)


class Dar(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    requester: str
    token_sha256: str
    collaborations: list[str] = Field(min_length=1)


class Registry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = "coordinator"
    task_timeout_seconds: float = Field(60.0, gt=0)
    nodes: dict[str, str] = Field(default_factory=dict)
    collaborations: dict[str, Collaboration] = Field(default_factory=dict)
    dars: dict[str, Dar] = Field(default_factory=dict)
    visa_issuers: dict[str, str] = Field(default_factory=dict)
    folder: Path = Path(".")

    @classmethod
    def load(cls, path: Path) -> "Registry":
        path = Path(path)
        try:
            reg = cls.model_validate({**tomllib.loads(path.read_text(encoding="utf-8")), "folder": path.parent})
        except FileNotFoundError:
            raise RegistryError(f"no registry at {path}; write one (docs/federation.md, 'Federation operator: the coordinator')") from None
        except tomllib.TOMLDecodeError as exc:
            raise RegistryError(f"{path}: not valid TOML ({exc})") from None
        except ValidationError as exc:
            raise RegistryError(f"{path}: " + "; ".join(".".join(map(str, e["loc"])) + ": " + e["msg"] for e in exc.errors())) from None
        for c_name, c in reg.collaborations.items():
            unknown = [n for n in c.nodes if n not in reg.nodes]
            if unknown:
                raise RegistryError(f"{path}: collaboration {c_name} lists unregistered node(s) {', '.join(unknown)}")
        reg.node_keys()
        return reg

    def node_keys(self) -> dict[str, Ed25519PublicKey]:
        return {name: parse_public(text, f"registry node {name}") for name, text in self.nodes.items()}

    def issuer_keys(self) -> dict[str, dict[str, Any]]:
        out = {}
        for issuer, file in self.visa_issuers.items():
            p = Path(file) if Path(file).is_absolute() else self.folder / file
            out[issuer] = json.loads(p.read_text(encoding="utf-8"))
        return out

    def authenticate(self, collaboration: str, dar: str | None, token: str | None, visa: str | None,
                     now_ts: int) -> tuple[str, dict[str, str]]:
        """(requester, authorization) for a submission, or AuthorizationError."""
        if collaboration not in self.collaborations:
            raise authz.AuthorizationError(f"no collaboration {collaboration!r} here (known: {', '.join(sorted(self.collaborations))})")
        if dar is not None:
            d = self.dars.get(dar)
            given = hashlib.sha256((token or "").encode()).hexdigest()
            if d is None or not token or not hmac.compare_digest(given, d.token_sha256):
                raise authz.AuthorizationError(f"data access request {dar!r} with this token is not approved here")
            if collaboration not in d.collaborations:
                raise authz.AuthorizationError(f"{dar} does not cover collaboration {collaboration}")
            return d.requester, {"dar": dar}
        if visa is not None:
            claims = authz.verify_visa(visa, self.issuer_keys(), now_ts)
            if claims["ga4gh_visa_v1"]["value"] not in self.collaborations[collaboration].visa_datasets:
                raise authz.AuthorizationError(f"a visa for {claims['ga4gh_visa_v1']['value']} does not open collaboration {collaboration}")
            return str(claims["sub"]), {"visa": visa}
        raise authz.AuthorizationError("give an approved DAR id with its token, or a GA4GH ControlledAccessGrants visa")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
