"""Signed messages, the node policy and the node's audit log, in one process."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest
from joserfc import jwt
from joserfc.jwk import OKPKey

from onconode.federation import keys, messages
from onconode.federation.nodelog import NodeLog
from onconode.federation.policy import NodePolicy, PolicyError

T0 = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.timezone.utc)
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def key(tmp_path: Path):
    return keys.generate(tmp_path / "c.key", tmp_path)


def _trusted(key):
    return {"coordinator": key.public_key()}


def test_a_signed_task_is_accepted_once_and_a_replay_is_refused(key) -> None:
    nonces = messages.NonceStore()
    env = messages.sign(key, "coordinator", "task", {"params": {"x": 1}}, MINUTE, T0)
    assert messages.verify(env, "task", _trusted(key), nonces, T0)["params"] == {"x": 1}
    with pytest.raises(messages.MessageRefused, match="replayed"):
        messages.verify(env, "task", _trusted(key), nonces, T0 + dt.timedelta(seconds=1))


def test_the_nonce_store_remembers_across_restarts(key, tmp_path: Path) -> None:
    env = messages.sign(key, "coordinator", "task", {}, MINUTE, T0)
    messages.verify(env, "task", _trusted(key), messages.NonceStore(tmp_path / "n.sqlite"), T0)
    with pytest.raises(messages.MessageRefused, match="replayed"):
        messages.verify(env, "task", _trusted(key), messages.NonceStore(tmp_path / "n.sqlite"), T0)


@pytest.mark.parametrize("change, reason", [
    (lambda e: e["body"]["params"].update(x=2), "altered or forged"),
    (lambda e: e.pop("signature"), "unsigned"),
    (lambda e: e["body"].update(signer="mallory"), "does not know"),
])
def test_tampered_unsigned_or_unknown_messages_are_refused(key, change, reason) -> None:
    env = messages.sign(key, "coordinator", "task", {"params": {"x": 1}}, MINUTE, T0)
    change(env)
    with pytest.raises(messages.MessageRefused, match=reason):
        messages.verify(env, "task", _trusted(key), messages.NonceStore(), T0)


def test_a_message_from_another_key_under_a_known_name_is_refused(key, tmp_path: Path) -> None:
    other = keys.generate(tmp_path / "other.key", tmp_path)
    env = messages.sign(other, "coordinator", "task", {}, MINUTE, T0)
    with pytest.raises(messages.MessageRefused, match="altered or forged"):
        messages.verify(env, "task", _trusted(key), messages.NonceStore(), T0)


def test_expired_and_wrong_kind_messages_are_refused(key) -> None:
    env = messages.sign(key, "coordinator", "task", {}, MINUTE, T0)
    with pytest.raises(messages.MessageRefused, match="expired"):
        messages.verify(env, "task", _trusted(key), messages.NonceStore(), T0 + 2 * MINUTE)
    with pytest.raises(messages.MessageRefused, match="expected a result"):
        messages.verify(env, "result", _trusted(key), messages.NonceStore(), T0)


def test_a_key_file_is_never_overwritten(tmp_path: Path) -> None:
    keys.generate(tmp_path / "k", tmp_path)
    with pytest.raises(keys.KeyError_, match="already exists"):
        keys.generate(tmp_path / "k", tmp_path)
    assert (tmp_path / "k").stat().st_mode & 0o077 == 0


def _policy(tmp_path: Path, key, extra: str = "") -> NodePolicy:
    (tmp_path / "onconode.toml").write_text(
        f'[federation]\nnode = "NL"\ncoordinator_key = "{keys.public_text(key)}"\ncollaborations = ["c1"]\n'
        '[federation.algorithms]\ncounts = ["1.0"]\n[federation.requesters]\ndars = ["DAR-1"]\n'
        'visa_datasets = ["https://nl.example/datasets/D1"]\n'
        '[federation.requesters.visa_issuers]\n"https://nl.example" = "jwks.json"\n' + extra)
    return NodePolicy.load(tmp_path)


TASK = {"collaboration": "c1", "algorithm": "counts", "version": "1.0", "requester": "alice", "authorization": {"dar": "DAR-1"}}


def test_the_policy_allows_only_what_it_lists(tmp_path: Path, key) -> None:
    p = _policy(tmp_path, key)
    assert p.refusal(TASK, 0) is None
    assert "not in collaboration 'c2'" in p.refusal({**TASK, "collaboration": "c2"}, 0)
    assert "does not allow algorithm 'glm'" in p.refusal({**TASK, "algorithm": "glm"}, 0)
    assert "only in version(s) 1.0, not 0.9" in p.refusal({**TASK, "version": "0.9"}, 0)
    assert "does not honour data access request 'DAR-9'" in p.refusal({**TASK, "authorization": {"dar": "DAR-9"}}, 0)
    assert "no approved DAR or visa" in p.refusal({**TASK, "authorization": {}}, 0)


def test_policy_thresholds_may_only_be_stricter(tmp_path: Path, key) -> None:
    assert _policy(tmp_path, key, "[disclosure]\nmin_cell = 10\n").disclosure.min_cell == 10
    with pytest.raises(PolicyError, match="may only be made stricter"):
        _policy(tmp_path, key, "[disclosure]\nmin_cell = 3\n")


def test_the_node_checks_a_visa_itself(tmp_path: Path, key) -> None:
    issuer = OKPKey.generate_key("Ed25519", parameters={"use": "sig", "alg": "EdDSA"}, auto_kid=True)
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [issuer.as_dict(private=False)]}))
    p = _policy(tmp_path, key)
    now = int(time.time())

    def visa(sub: str, dataset: str, exp: int = now + 600, signer=issuer) -> str:
        claims = {"iss": "https://nl.example", "sub": sub, "iat": now, "exp": exp,
                  "ga4gh_visa_v1": {"type": "ControlledAccessGrants", "value": dataset, "by": "dac", "asserted": now,
                                    "source": "https://nl.example/dac"}}
        return jwt.encode({"alg": "EdDSA", "kid": signer.kid}, claims, signer, algorithms=["EdDSA"])

    task = {**TASK, "authorization": {"visa": visa("alice", "https://nl.example/datasets/D1")}}
    assert p.refusal(task, now) is None
    assert "belongs to bob" in p.refusal({**TASK, "requester": "alice", "authorization": {"visa": visa("bob", "https://nl.example/datasets/D1")}}, now)
    assert "does not accept visas for" in p.refusal({**TASK, "authorization": {"visa": visa("alice", "https://nl.example/datasets/D2")}}, now)
    assert "not valid" in p.refusal({**TASK, "authorization": {"visa": visa("alice", "https://nl.example/datasets/D1", exp=now - 1)}}, now)
    forged = OKPKey.generate_key("Ed25519", parameters={"use": "sig", "alg": "EdDSA"}, auto_kid=True)
    assert "not valid" in p.refusal({**TASK, "authorization": {"visa": visa("alice", "https://nl.example/datasets/D1", signer=forged)}}, now)


def test_the_node_audit_log_shows_an_edited_line(tmp_path: Path) -> None:
    log = NodeLog(tmp_path / "audit.jsonl")
    for i in range(3):
        log.append("task.received", {"run": f"r{i}"})
    assert log.verify().ok and log.verify().events == 3
    lines = (tmp_path / "audit.jsonl").read_text().splitlines()
    lines[1] = lines[1].replace('"r1"', '"r9"')
    (tmp_path / "audit.jsonl").write_text("\n".join(lines) + "\n")
    v = log.verify()
    assert not v.ok and "line 2 (task.received) does not match its hash" in v.problems[0]


def test_the_coordinator_accepts_an_approved_dar_with_its_token_or_a_visa_for_the_collaboration(tmp_path: Path) -> None:
    from onconode.federation.authz import AuthorizationError
    from onconode.federation.demo import write_registry
    from onconode.federation.registry import Registry, token_hash

    issuer = OKPKey.generate_key("Ed25519", parameters={"use": "sig", "alg": "EdDSA"}, auto_kid=True)
    (tmp_path / "nl-jwks.json").write_text(json.dumps({"keys": [issuer.as_dict(private=False)]}))
    node = keys.public_text(keys.generate(tmp_path / "nl.key", tmp_path))
    path = write_registry(tmp_path / "registry.toml", {"NL": node}, {"c1": ["NL"]},
                          {"DAR-1": {"requester": "alice", "token_sha256": token_hash("s3cret"), "collaborations": ["c1"]}},
                          visa_datasets={"c1": ["https://nl.example/datasets/D1"]},
                          visa_issuers={"https://nl.example": "nl-jwks.json"})
    reg = Registry.load(path)
    now = int(time.time())
    assert reg.authenticate("c1", "DAR-1", "s3cret", None, now) == ("alice", {"dar": "DAR-1"})
    with pytest.raises(AuthorizationError, match="not approved"):
        reg.authenticate("c1", "DAR-1", "guess", None, now)
    with pytest.raises(AuthorizationError, match="no collaboration 'c2'"):
        reg.authenticate("c2", "DAR-1", "s3cret", None, now)
    claims = {"iss": "https://nl.example", "sub": "bob", "iat": now, "exp": now + 600,
              "ga4gh_visa_v1": {"type": "ControlledAccessGrants", "value": "https://nl.example/datasets/D1", "by": "dac",
                                "asserted": now, "source": "https://nl.example/dac"}}
    visa = jwt.encode({"alg": "EdDSA", "kid": issuer.kid}, claims, issuer, algorithms=["EdDSA"])
    assert reg.authenticate("c1", None, None, visa, now) == ("bob", {"visa": visa})
    other = jwt.encode({"alg": "EdDSA", "kid": issuer.kid}, {**claims, "ga4gh_visa_v1": {**claims["ga4gh_visa_v1"],
                       "value": "https://nl.example/datasets/D2"}}, issuer, algorithms=["EdDSA"])
    with pytest.raises(AuthorizationError, match="does not open collaboration c1"):
        reg.authenticate("c1", None, None, other, now)
    with pytest.raises(AuthorizationError, match="give an approved DAR"):
        reg.authenticate("c1", None, None, None, now)
