"""Input size caps, rate limits and whose address counts (issue 15 item 16, web parts)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from onconode.interfaces.http.api.access_schemas import ARGUMENTS, ClinicalForm, DarForm
from onconode.interfaces.http.app import create_app
from onconode.interfaces.http.body_limit import MAX_BODY
from onconode.interfaces.http.login_limits import ADDRESS

from tests.web.conftest import PASSWORD, login, make_person

COHORT = {"op": "all"}


def _uncapped_lists(schema: dict[str, Any], components: dict[str, Any], where: str, seen: frozenset = frozenset()) -> list[str]:
    """Places in a JSON schema where an array has no maxItems or a map no maxProperties."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        return _uncapped_lists(components[name], components, where, seen | {name})
    out = []
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            out += _uncapped_lists(sub, components, where, seen)
    if schema.get("type") == "array":
        out += [] if "maxItems" in schema else [where + "[]"]
        out += _uncapped_lists(schema.get("items", {}), components, where + "[]", seen)
    if schema.get("type") == "object":
        for prop, sub in schema.get("properties", {}).items():
            out += _uncapped_lists(sub, components, f"{where}.{prop}", seen)
        extra = schema.get("additionalProperties")
        if extra not in (None, False) and "maxProperties" not in schema:
            out.append(where + "{}")
        if isinstance(extra, dict):
            out += _uncapped_lists(extra, components, where + "{}", seen)
    return out


def test_every_list_a_request_may_carry_has_a_cap(client):
    spec = client.get("/api/openapi.json").json()
    components = spec["components"]["schemas"]
    uncapped = []
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            for p in op.get("parameters", []):
                uncapped += _uncapped_lists(p["schema"], components, f"{method.upper()} {path} ?{p['name']}")
            for content in op.get("requestBody", {}).get("content", {}).values():
                uncapped += _uncapped_lists(content["schema"], components, f"{method.upper()} {path} body")
    # the models the access API validates inside its routes (application forms, command arguments)
    models: list[type[BaseModel]] = [DarForm, ClinicalForm, *{m for kind in ARGUMENTS.values() for m in kind.values()}]
    for model in models:
        schema = model.model_json_schema(ref_template="#/$defs/{model}")
        uncapped += _uncapped_lists(schema, schema.get("$defs", {}), model.__name__)
    # free-form JSON documents, bounded by the body cap instead: cohort definitions (checked by
    # the cohort parser), a command's body (validated by its model above)
    free = ("body.cohort{}", "body.biomarker.cohort{}", "body.groups{}.cohort{}", "/commands/{name} body{}")
    assert [u for u in uncapped if not u.endswith(free)] == []


def test_the_frequency_api_takes_at_most_a_thousand_genes_and_says_so(client):
    csrf = client.get("/api/analysis/caller").json()["csrf"]
    genes = [f"G{i}" for i in range(1001)]
    started = time.perf_counter()
    r = client.post("/api/analysis/frequency", json={"cohort": COHORT, "genes": genes}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 422 and "1000" in r.text and time.perf_counter() - started < 2
    a_million = client.post("/api/analysis/frequency", json={"cohort": COHORT, "genes": [f"G{i}" for i in range(1_000_000)]},
                            headers={"X-CSRF-Token": csrf})
    assert a_million.status_code == 413 and f"{MAX_BODY:,} bytes" in a_million.json()["detail"]


def test_a_body_over_the_cap_is_refused_with_413_announced_or_streamed(client):
    big = b"x" * (MAX_BODY + 1)
    assert client.post("/api/session", content=big, headers={"content-type": "application/json"}).status_code == 413

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(3):
            yield b"x" * (MAX_BODY // 2)

    r = client.post("/api/session", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and "larger than this endpoint accepts" in r.json()["detail"]


def test_a_validation_error_does_not_echo_a_large_input(client):
    r = client.post("/api/session", json={"email": "a" * 500_000 + "@x.org", "password": PASSWORD})
    assert r.status_code == 422 and len(r.content) < 2_000
    assert "500,006 characters in all" in r.text


def test_an_account_opens_at_most_ten_applications_an_hour(client, node):
    bob, eve = make_person(node, "bob@umcu.nl", mfa=False), make_person(node, "eve@umcu.nl", mfa=False)
    login(client, bob)
    new = {"own_hospital_only": False, "purpose": "other", "form": {"title": "t"}}
    assert [client.post("/api/applications", json=new).status_code for _ in range(10)] == [201] * 10
    r = client.post("/api/applications", json=new)
    assert r.status_code == 429 and 0 < int(r.headers["retry-after"]) <= 3600 and "drafts" in r.json()["detail"]
    with TestClient(create_app(node), base_url="https://testserver") as other_worker:  # shared by every worker
        login(other_worker, bob)
        assert other_worker.post("/api/applications", json=new).status_code == 429
        login(other_worker, eve)
        assert other_worker.post("/api/applications", json=new).status_code == 201


def _attempt(c: TestClient, email: str, password: str = "wrong guess", **headers: str) -> int:
    return c.post("/api/session", json={"email": email, "password": password}, headers=headers).status_code


def test_failures_lock_the_account_not_everyone_behind_the_same_address(client, node):
    alice, bob = make_person(node, "alice@umcu.nl", mfa=False), make_person(node, "bob@umcu.nl", mfa=False)
    assert [_attempt(client, alice.email) for _ in range(5)] == [401] * 5
    assert _attempt(client, alice.email, PASSWORD) == 429  # alice is locked, from every address
    with TestClient(create_app(node), base_url="https://testserver", client=("198.51.100.7", 4000)) as elsewhere:
        assert _attempt(elsewhere, alice.email, PASSWORD) == 429
    assert _attempt(client, bob.email, PASSWORD) == 200  # bob, behind the same address, is not


def test_an_address_spraying_many_accounts_is_slowed_not_locked(client, node):
    bob = make_person(node, "bob@umcu.nl", mfa=False)
    assert {_attempt(client, f"user{i}@umcu.nl") for i in range(ADDRESS.free)} == {401}
    r = client.post("/api/session", json={"email": bob.email, "password": PASSWORD})
    assert r.status_code == 429 and 0 < int(r.headers["retry-after"]) <= ADDRESS.cap
    time.sleep(int(r.headers["retry-after"]))
    assert _attempt(client, bob.email, PASSWORD) == 200


@pytest.mark.parametrize("trusted, spoofing_helps", [([], False), (["testclient"], True)])
def test_x_forwarded_for_counts_only_from_a_configured_trusted_proxy(node, trusted, spoofing_helps):
    with TestClient(create_app(node, trusted_proxies=trusted), base_url="https://testserver") as c:
        codes = [_attempt(c, f"user{i}@umcu.nl", **{"X-Forwarded-For": f"203.0.113.{i}"}) for i in range(ADDRESS.free + 1)]
    # untrusted: every attempt is the socket's address, so the address backoff starts; trusted: each is its own client
    assert (codes[-1] == 401) is spoofing_helps and set(codes[:-1]) == {401}


def test_by_default_no_proxy_is_trusted(node, monkeypatch):
    monkeypatch.delenv("ONCONODE_WEB_TRUSTED_PROXIES", raising=False)
    app = create_app(node)
    with TestClient(app, base_url="https://testserver", client=("127.0.0.1", 4000)) as c:
        codes = [_attempt(c, f"user{i}@umcu.nl", **{"X-Forwarded-For": f"203.0.113.{i}"}) for i in range(ADDRESS.free + 1)]
    assert codes[-1] == 429  # loopback is not believed either


def test_the_server_does_not_believe_x_forwarded_for_from_loopback(node):
    """uvicorn's own default trusts 127.0.0.1; a reverse proxy on the same machine or any local
    process could then pose as any address (and dodge the address backoff)."""
    import asyncio

    import httpx

    from onconode.interfaces.http.server import server_config

    config = server_config(create_app(node))
    config.load()

    async def attempts() -> list[int]:
        transport = httpx.ASGITransport(app=config.loaded_app, client=("127.0.0.1", 4000))
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
            return [(await c.post("/api/session", json={"email": f"user{i}@umcu.nl", "password": "wrong guess"},
                                  headers={"X-Forwarded-For": f"203.0.113.{i}"})).status_code for i in range(ADDRESS.free + 1)]

    assert asyncio.run(attempts())[-1] == 429
