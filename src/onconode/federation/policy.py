"""The node operator's policy: what this node will compute, for whom, and how strictly.

The [federation] section of the node's settings (`<home>/onconode.toml`, docs/settings.md):

    [federation]
    node = "NL"                                  # this node's name in the federation
    coordinator_key = "base64 Ed25519 public key"
    coordinator_name = "coordinator"             # the name it signs with (default)
    collaborations = ["eucancan"]

    [federation.algorithms]                      # allowed algorithms and versions
    counts = ["1"]
    glm = ["1"]

    [federation.requesters]
    dars = ["DAR-2026-001"]                      # approved DAR ids this node honours
    visa_datasets = ["https://nl.example/datasets/DS-1"]   # ControlledAccessGrants values
    [federation.requesters.visa_issuers]         # issuer -> JWKS file, checked by the node itself
    "https://nl.example" = "issuer-jwks.json"

The node's [disclosure] section (only stricter than the defaults) applies to every task.

Nothing is allowed unless listed: an empty policy refuses every task. The answer to
"may this task run?" is a reason to refuse or None — the reason goes back to the
researcher and into the node's audit log.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field

from onconode.federation import authz
from onconode.federation.keys import parse_public
from onconode.settings import DisclosureSettings, Requesters, Settings, SettingsError, config_path


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file and the field."""


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
    def load(cls, home: Path, file: Path | None = None) -> "NodePolicy":
        """The policy in the node's settings; relative files (visa issuers' JWKS) are read
        from the home folder."""
        try:
            settings = Settings.load(home, file)
        except SettingsError as exc:
            raise PolicyError(str(exc)) from None
        fed = settings.federation
        if not fed.node or not fed.coordinator_key:
            raise PolicyError(f"{config_path(home, file)}: no [federation] node and coordinator_key; write the section "
                              "(docs/federation.md, 'Node policy') — a node without a policy runs nothing")
        policy = cls(**fed.model_dump(exclude={"portal", "plugins"}), disclosure=settings.disclosure, folder=Path(home))
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
