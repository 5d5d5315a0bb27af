"""The node operator's policy: what this node will compute, for whom, and how strictly.

`<home>/federation/policy.toml`:

    node = "NL"                                  # this node's name in the federation
    coordinator_key = "base64 Ed25519 public key"
    coordinator_name = "coordinator"             # the name it signs with (default)
    collaborations = ["eucancan"]

    [algorithms]                                 # allowed algorithms and versions
    counts = ["1"]
    glm = ["1"]

    [requesters]
    dars = ["DAR-2026-001"]                      # approved DAR ids this node honours
    visa_datasets = ["https://nl.example/datasets/DS-1"]   # ControlledAccessGrants values
    [requesters.visa_issuers]                    # issuer -> JWKS file, checked by the node itself
    "https://nl.example" = "issuer-jwks.json"

    [disclosure]                                 # only stricter than the defaults
    min_cell = 10

Nothing is allowed unless listed: an empty policy refuses every task. The answer to
"may this task run?" is a reason to refuse or None — the reason goes back to the
researcher and into the node's audit log.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from onconode.analysis.disclosure import DisclosureSettings
from onconode.federation import authz
from onconode.federation.keys import parse_public

POLICY_FILE = Path("federation") / "policy.toml"


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file and the field."""


class Requesters(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    dars: list[str] = Field(default_factory=list)
    visa_datasets: list[str] = Field(default_factory=list)
    visa_issuers: dict[str, str] = Field(default_factory=dict)


class NodePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    node: str
    coordinator_key: str
    coordinator_name: str = "coordinator"
    collaborations: list[str] = Field(default_factory=list)
    algorithms: dict[str, list[str]] = Field(default_factory=dict)
    requesters: Requesters = Field(default_factory=Requesters)
    disclosure: DisclosureSettings = Field(default_factory=DisclosureSettings)
    folder: Path = Path(".")

    @classmethod
    def load(cls, path: Path) -> "NodePolicy":
        path = Path(path)
        if not path.exists():
            raise PolicyError(f"no policy at {path}; write one (docs/federation.md, 'Node policy') — "
                              "a node without a policy runs nothing")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            policy = cls.model_validate({**data, "folder": path.parent})
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"{path}: not valid TOML ({exc})") from None
        except ValidationError as exc:
            msgs = "; ".join(".".join(map(str, e["loc"])) + ": " + e["msg"].removeprefix("Value error, ") for e in exc.errors())
            raise PolicyError(f"{path}: {msgs}") from None
        policy.coordinator_public_key()  # fail at start-up, not at the first task
        return policy

    def coordinator_public_key(self) -> Ed25519PublicKey:
        return parse_public(self.coordinator_key, "policy coordinator_key")

    def _issuer_keys(self) -> dict[str, dict[str, Any]]:
        out = {}
        for issuer, file in self.requesters.visa_issuers.items():
            p = Path(file) if Path(file).is_absolute() else self.folder / file
            out[issuer] = json.loads(p.read_text(encoding="utf-8"))
        return out

    def refusal(self, task: dict[str, Any], now_ts: int) -> str | None:
        """Why this node will not run `task` (None when it will)."""
        collab, algo, version = task.get("collaboration"), task.get("algorithm"), str(task.get("version"))
        if collab not in self.collaborations:
            return f"node {self.node} is not in collaboration {collab!r}"
        if algo not in self.algorithms:
            return f"node {self.node} does not allow algorithm {algo!r} (allowed: {', '.join(sorted(self.algorithms)) or 'none'})"
        if version not in self.algorithms[algo]:
            return f"node {self.node} allows {algo} only in version(s) {', '.join(self.algorithms[algo])}, not {version}"
        auth = task.get("authorization") or {}
        if "dar" in auth:
            if auth["dar"] not in self.requesters.dars:
                return f"node {self.node} does not honour data access request {auth['dar']!r}"
            return None
        if "visa" in auth:
            try:
                claims = authz.verify_visa(auth["visa"], self._issuer_keys(), now_ts)
            except authz.AuthorizationError as exc:
                return f"node {self.node}: {exc}"
            if claims["sub"] != task.get("requester"):
                return f"node {self.node}: the visa belongs to {claims['sub']}, not to the requester"
            if claims["ga4gh_visa_v1"]["value"] not in self.requesters.visa_datasets:
                return f"node {self.node} does not accept visas for {claims['ga4gh_visa_v1']['value']}"
            return None
        return f"node {self.node}: the task carries no approved DAR or visa"
