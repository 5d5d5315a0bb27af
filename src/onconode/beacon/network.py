"""A Beacon network aggregator: one query fanned out to several Beacons, answers merged
the way the ELIXIR Beacon Network does (reference/beacon.md §4.2), with what it gets wrong
put right:

- the same method, query string and body go to `<member root>/<path>` concurrently
  (httpx async), each member with its own timeout; a member that fails, answers non-2xx
  or times out is reported by name with the reason (never silently dropped);
- resultSets are concatenated, each tagged with the member's `beaconId`; a boolean or
  count answer becomes a pseudo resultSet (`results: []`);
- `exists` is the OR of the members' answers (ELIXIR only looks at counts, so a
  boolean-only member's "yes" got lost) and `numTotalResults` the sum of the counts the
  members chose to show (blurring happens at each member, so the sum stays blurred);
- `returnedGranularity` is the least any answering member returned, not the requested one;
- `/filtering_terms` are merged by term id, with their scopes united;
- variant records are matched across members by their GA4GH VRS 2.0 identifier
  (`info.vrsAlleles`: identifier → the beaconIds returning it), since members' own
  `variantInternalId`s need not agree.
The bearer token is forwarded only when asked (members must trust the same visa issuer).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from onconode.analysis.beacon_rules import ORDER
from onconode.beacon.request import API_VERSION

NETWORK_ID = "org.onconode.beacon-network"


@dataclass(frozen=True)
class MemberAnswer:
    url: str
    status: str  # ok | error | timeout | unreachable
    seconds: float
    http_status: int | None = None
    document: dict[str, Any] | None = None
    error: str | None = None

    @property
    def beacon_id(self) -> str:
        return (self.document or {}).get("meta", {}).get("beaconId") or self.url

    def summary(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k != "document" and v is not None}
        out["beaconId"] = self.beacon_id
        if self.document and "meta" in self.document:
            out["returnedGranularity"] = self.document["meta"].get("returnedGranularity")
        return out


async def _ask(client: httpx.AsyncClient, root: str, path: str, method: str, params: dict[str, str],
               body: Any, headers: dict[str, str], timeout: float) -> MemberAnswer:
    url = f"{root.rstrip('/')}/{path.lstrip('/')}"
    t0 = time.perf_counter()
    try:
        r = await asyncio.wait_for(client.request(method, url, params=params or None, json=body, headers=headers), timeout)
    except (asyncio.TimeoutError, httpx.TimeoutException):
        return MemberAnswer(root, "timeout", time.perf_counter() - t0, error=f"no answer within {timeout:g} s")
    except httpx.HTTPError as exc:
        return MemberAnswer(root, "unreachable", time.perf_counter() - t0, error=f"{type(exc).__name__}: {exc}")
    seconds = time.perf_counter() - t0
    try:
        doc = r.json()
    except ValueError:
        return MemberAnswer(root, "error", seconds, r.status_code, error=f"HTTP {r.status_code}, not JSON")
    if not r.is_success:
        msg = (doc.get("error") or {}).get("errorMessage") if isinstance(doc, dict) else None
        return MemberAnswer(root, "error", seconds, r.status_code, doc if isinstance(doc, dict) else None,
                            msg or f"HTTP {r.status_code}")
    return MemberAnswer(root, "ok", seconds, r.status_code, doc)


async def fan_out(members: list[str], path: str, *, method: str = "GET", params: dict[str, str] | None = None,
                  body: Any = None, token: str | None = None, timeout: float = 5.0) -> list[MemberAnswer]:
    """Ask every member concurrently; one answer per member, in the members' order."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(timeout=httpx.Timeout(timeout), follow_redirects=True) as client:
        return list(await asyncio.gather(*(_ask(client, m, path, method, params or {}, body, headers, timeout)
                                           for m in members)))


def _pseudo_set(a: MemberAnswer) -> dict[str, Any]:
    doc = a.document or {}
    s = doc.get("responseSummary", {})
    return {"id": a.beacon_id, "setType": "dataset", "beaconId": a.beacon_id, "exists": bool(s.get("exists")),
            "resultsCount": int(s.get("numTotalResults") or 0), "results": [],
            "resultsHandovers": doc.get("beaconHandovers", []),
            "info": {"returnedGranularity": doc.get("meta", {}).get("returnedGranularity")}}


def _keep(include: str, hit: bool) -> bool:
    return include == "ALL" or (include == "HIT" and hit) or (include == "MISS" and not hit)


def _merge_filtering_terms(ok: list[MemberAnswer]) -> dict[str, Any]:
    terms: dict[str, dict[str, Any]] = {}
    resources: dict[str, dict[str, Any]] = {}
    for a in ok:
        resp = (a.document or {}).get("response", {})
        for r in resp.get("resources", []):
            resources.setdefault(r["id"], r)
        for t in resp.get("filteringTerms", []):
            merged = terms.setdefault(t["id"], {**t, "scopes": []})
            merged["scopes"] = sorted(set(merged["scopes"]) | set(t.get("scopes", [])))
    return {"resources": list(resources.values()), "filteringTerms": list(terms.values())}


def merge(answers: list[MemberAnswer], path: str, *, include: str = "HIT", requested: str = "boolean",
          network_id: str = NETWORK_ID) -> dict[str, Any]:
    """One Beacon response for the network, with every member's fate in `info.members`."""
    ok = [a for a in answers if a.status == "ok" and a.document]
    summary = {"apiVersion": API_VERSION, "requestedSchemas": [], "pagination": {"skip": 0, "limit": 10},
               "requestedGranularity": requested, "includeResultsetResponses": include}
    members = [a.summary() for a in answers]
    if path.strip("/").endswith("filtering_terms"):
        return {"meta": {"beaconId": network_id, "apiVersion": API_VERSION, "returnedSchemas": []},
                "response": _merge_filtering_terms(ok), "info": {"members": members}}
    granularities = [a.document["meta"].get("returnedGranularity", "boolean") for a in ok if "meta" in a.document]
    returned = min(granularities, key=ORDER.__getitem__, default="boolean")
    exists = any(bool(a.document.get("responseSummary", {}).get("exists")) for a in ok)
    total = sum(int(a.document.get("responseSummary", {}).get("numTotalResults") or 0) for a in ok)
    meta = {"beaconId": network_id, "apiVersion": API_VERSION, "returnedSchemas": [], "returnedGranularity": returned,
            "receivedRequestSummary": summary}
    out: dict[str, Any] = {"meta": meta, "responseSummary": {"exists": exists, "numTotalResults": total},
                           "info": {"members": members}}
    if any("collections" in a.document.get("response", {}) for a in ok):
        meta["returnedGranularity"] = "record"
        out["response"] = {"collections": [{**c, "info": {**c.get("info", {}), "beaconId": a.beacon_id}}
                                           for a in ok for c in a.document.get("response", {}).get("collections", [])]}
        return out
    sets: list[dict[str, Any]] = []
    for a in answers:
        if a.status != "ok" or not a.document:
            if include in ("ALL", "MISS"):
                sets.append({"id": a.beacon_id, "setType": "dataset", "beaconId": a.beacon_id, "exists": False,
                             "resultsCount": 0, "results": [],
                             "info": {"error": {"errorCode": a.http_status or 503, "errorMessage": a.error or a.status}}})
            continue
        member_sets = a.document.get("response", {}).get("resultSets")
        for rs in (member_sets if member_sets is not None else [_pseudo_set(a)]):
            if _keep(include, bool(rs.get("exists"))):
                sets.append({**rs, "beaconId": rs.get("beaconId", a.beacon_id)})
    out["response"] = {"resultSets": sets}
    held = vrs_holders(sets)
    if held:
        out["info"]["vrsAlleles"] = held
    return out


def vrs_holders(sets: list[dict[str, Any]]) -> dict[str, list[str]]:
    """GA4GH VRS identifier → sorted beaconIds whose result sets return that variant
    (`identifiers.variantAlternativeIds` entries with a `ga4gh:VA.` id): the same variant at
    two nodes has one identifier, whatever each calls it internally."""
    held: dict[str, set[str]] = {}
    for rs in sets:
        for rec in rs.get("results", []):
            for ref in rec.get("identifiers", {}).get("variantAlternativeIds", []) if isinstance(rec, dict) else []:
                vid = ref.get("id", "") if isinstance(ref, dict) else ""
                if vid.startswith("ga4gh:VA."):
                    held.setdefault(vid, set()).add(str(rs.get("beaconId")))
    return {vid: sorted(ids) for vid, ids in sorted(held.items())}


def query(members: list[str], path: str, *, params: dict[str, str] | None = None, body: Any = None,
          token: str | None = None, timeout: float = 5.0) -> dict[str, Any]:
    """Fan out and merge (blocking): what the CLI and scripts call."""
    method = "POST" if body is not None else "GET"
    answers = asyncio.run(fan_out(members, path, method=method, params=params, body=body, token=token, timeout=timeout))
    q = (body or {}).get("query", {}) if isinstance(body, dict) else {}
    include = str(q.get("includeResultsetResponses") or (params or {}).get("includeResultsetResponses") or "HIT").upper()
    requested = str(q.get("requestedGranularity") or (params or {}).get("requestedGranularity") or "boolean")
    return merge(answers, path, include=include, requested=requested)
