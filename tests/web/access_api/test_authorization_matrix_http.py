"""Every access endpoint × every role × the states of a DAR: allowed or denied, over HTTP.

The expected answers are written here, independently of the code: who may see an
application, which roles each directory endpoint serves, and (for commands) the domain
specification of tests/access/test_authorization_matrix.py. The list of endpoints comes
from the running app's routes, so a new access endpoint without an entry fails.

A command is probed with arguments of the wrong shape: an allowed caller gets 422 (the
arguments are looked at only after the caller is authorized), a denied one 401/403/404.
Nothing changes state, so one set of applications serves the whole matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from fastapi.routing import APIRoute

from onconode.access import events as S
from onconode.access.roles import Role
from onconode.access.workflow import execute, load
from tests.access.helpers import DAY, dar_in_state, sign_all
from tests.access.test_authorization_matrix import SPEC as COMMAND_SPEC
from tests.access.test_authorization_matrix import WHO
from tests.web.access_api.conftest import T0, anonymous, make_person

R = Role
DENIED = {401, 403, 404}
STATES = [S.DRAFT, S.SUBMITTED, S.SCIENTIFIC, S.BOARD, S.APPROVED, S.PENDING_SIGNATURES, S.ACTIVE, S.EXTENSION]
CALLERS: list[Any] = ["anonymous", "outsider", *WHO]
# Who sees a DAR: the people named on it and the roles that handle DARs.
READERS = {R.APPLICANT, R.SIGNATORY, R.SCIENTIFIC_BOARD, R.ACCESS_BOARD, R.ACCESS_OFFICE, R.ADMIN, R.AUDITOR}
CONTACT_STATES = {S.ACTIVE, S.EXTENSION}  # download contacts are named from activation on
LICENCE_STATES = {S.PENDING_SIGNATURES, S.ACTIVE, S.EXTENSION}
OPEN = set(S.STATES) - set(S.FINAL)


def reads(who: Any, state: str) -> bool:
    return who in READERS or (who == R.DOWNLOAD_CONTACT and state in CONTACT_STATES)


def logged_in(who: Any) -> bool:
    return who != "anonymous"


def one_of(*roles: Role) -> Callable[[Any, str], bool]:
    return lambda who, state: who in roles


@dataclass
class Entry:
    allowed: Callable[[Any, str], bool]
    probe: Callable[[Any, dict], Any]
    ok: set[int]
    per_state: bool = False


def _upload(c, x):
    return c.post(f"/api/applications/{x['app']}/attachments", files={"file": ("ethics.pdf", b"%PDF-1.7 ethics approval", "application/pdf")},
                  data={"kind": "ethics"})


SPEC: dict[tuple[str, str], Entry] = {
    # applications
    ("POST", "/api/applications"): Entry(lambda w, s: logged_in(w), lambda c, x: c.post(
        "/api/applications", json={"own_hospital_only": False, "purpose": "other", "form": {"title": "t"}}), {201}),
    ("GET", "/api/applications"): Entry(lambda w, s: logged_in(w), lambda c, x: c.get("/api/applications"), {200}),
    ("GET", "/api/applications/{app_id}"): Entry(reads, lambda c, x: c.get(f"/api/applications/{x['app']}"), {200}, True),
    ("GET", "/api/applications/{app_id}/events"): Entry(reads, lambda c, x: c.get(f"/api/applications/{x['app']}/events"), {200}, True),
    ("POST", "/api/applications/{app_id}/commands/{name}"): Entry(lambda w, s: False, lambda c, x: None, set(), True),  # see below
    ("POST", "/api/applications/{app_id}/attachments"): Entry(
        lambda w, s: reads(w, s) and ((w == R.ACCESS_OFFICE and s in OPEN) or (w == R.APPLICANT and s in {S.DRAFT, S.RETURNED})),
        _upload, {201}, True),
    ("GET", "/api/applications/{app_id}/attachments/{sha256}"): Entry(
        reads, lambda c, x: c.get(f"/api/applications/{x['app']}/attachments/{x['sha']}"), {200}, True),
    ("GET", "/api/applications/{app_id}/licence"): Entry(
        lambda w, s: reads(w, s) and s in LICENCE_STATES, lambda c, x: c.get(f"/api/applications/{x['app']}/licence"), {200}, True),
    ("GET", "/api/applications/{app_id}/review"): Entry(
        one_of(R.SCIENTIFIC_BOARD, R.ACCESS_BOARD, R.ACCESS_OFFICE), lambda c, x: c.get(f"/api/applications/{x['app']}/review"), {200}, True),
    ("GET", "/api/board/queue"): Entry(one_of(R.SCIENTIFIC_BOARD, R.ACCESS_BOARD, R.CENTRAL_PI, R.LOCAL_PI),
                                       lambda c, x: c.get("/api/board/queue"), {200}),
    ("GET", "/api/office/dashboard"): Entry(one_of(R.ACCESS_OFFICE, R.ADMIN), lambda c, x: c.get("/api/office/dashboard"), {200}),
    ("GET", "/api/commands"): Entry(lambda w, s: True, lambda c, x: c.get("/api/commands"), {200}),
    # directory
    ("POST", "/api/accounts"): Entry(lambda w, s: True, lambda c, x: c.post("/api/accounts", json={
        "email": f"new-{x['n']}@uni-leiden.nl", "name": "New", "surname": "Person", "password": "a long enough password"}), {202}),
    ("POST", "/api/accounts/confirm"): Entry(lambda w, s: True, lambda c, x: c.post("/api/accounts/confirm", json={
        "token": "not-a-token", "password": "a long enough password"}), {400}),
    ("POST", "/api/accounts/{account_id}/roles"): Entry(one_of(R.ADMIN), lambda c, x: c.post(
        f"/api/accounts/{x['outsider']}/roles", json={"role": "not-a-role"}), {422}),
    # an account that does not exist: the admin gets 400 (no such account), everyone else is refused first
    ("POST", "/api/accounts/{account_id}/disable"): Entry(one_of(R.ADMIN), lambda c, x: c.post("/api/accounts/999999/disable"), {400}),
    ("POST", "/api/accounts/{account_id}/enable"): Entry(one_of(R.ADMIN), lambda c, x: c.post("/api/accounts/999999/enable"), {400}),
    ("POST", "/api/accounts/{account_id}/mfa/reset"): Entry(one_of(R.ADMIN), lambda c, x: c.post("/api/accounts/999999/mfa/reset"), {400}),
    ("GET", "/api/organisations"): Entry(lambda w, s: True, lambda c, x: c.get("/api/organisations"), {200}),
    ("POST", "/api/organisations"): Entry(one_of(R.ACCESS_OFFICE, R.ADMIN), lambda c, x: c.post("/api/organisations", json={}), {422}),
    ("GET", "/api/routing"): Entry(lambda w, s: True, lambda c, x: c.get("/api/routing", params={"own_hospital_only": True, "purpose": "treatment"}), {200}),
    ("GET", "/api/register"): Entry(lambda w, s: True, lambda c, x: c.get("/api/register"), {200}),
    ("GET", "/.well-known/jwks.json"): Entry(lambda w, s: True, lambda c, x: c.get("/.well-known/jwks.json"), {200}),
    ("GET", "/api/passport"): Entry(lambda w, s: logged_in(w), lambda c, x: c.get("/api/passport"), {200}),
    ("GET", "/api/audit/verify"): Entry(one_of(R.AUDITOR), lambda c, x: c.get("/api/audit/verify"), {200}),
}


def api_routes(routes) -> list[APIRoute]:
    """Every APIRoute, also inside included routers (FastAPI keeps those nested)."""
    out = []
    for r in routes:
        if isinstance(r, APIRoute):
            out.append(r)
        elif hasattr(r, "original_router"):
            out += api_routes(r.original_router.routes)
    return out


def access_routes(app) -> set[tuple[str, str]]:
    return {(m, r.path) for r in api_routes(app.routes) if r.endpoint.__module__.startswith("onconode.interfaces.http.api.access") for m in r.methods}


def test_every_access_endpoint_has_an_entry(app):
    routes = access_routes(app)
    assert routes == set(SPEC), f"endpoints without an entry: {sorted(routes - set(SPEC))}; entries without an endpoint: {sorted(set(SPEC) - routes)}"


def _who_name(who: Any) -> str:
    return who if isinstance(who, str) else who.value


def extension_requested(world) -> str:
    """Like dar_in_state(EXTENSION), but signed a day later: a TOTP code is accepted once."""
    a = dar_in_state(world, S.PENDING_SIGNATURES)
    with world.gov.engine.connect() as conn:
        sha = load(conn, a).licence["sha256"]
    sign_all(world, a, sha, T0 + 40 * DAY)
    execute(world.gov, a, "request_extension", world.signatory.id, at=T0 + 41 * DAY, months=6,
            justification="Validation cohort analysis needs six more months.")
    return a


def test_authorization_matrix_over_http(app, world, as_, clock):
    outsider = make_person(world.gov, "outsider@uni-leiden.nl")
    apps = {}
    for state in STATES:
        a = dar_in_state(world, state) if state != S.EXTENSION else extension_requested(world)
        doc = execute(world.gov, a, "attach", world.office.id, at=clock(), filename="ethics.pdf", content=b"%PDF-1.7 ethics", kind="ethics")
        apps[state] = (a, doc.attachments[-1]["sha256"])
    clients = {"anonymous": anonymous(app), "outsider": as_(outsider)}
    for role, name in WHO.items():
        clients[role] = as_(world.people[name])
    wrong: list[str] = []

    def expect(who: Any, what: str, allowed: bool, ok: set[int], r) -> None:
        good = r.status_code in ok if allowed else r.status_code in DENIED
        if not good:
            wrong.append(f"{what} by {_who_name(who)}: expected {'allowed ' + str(sorted(ok)) if allowed else 'denied'}, got {r.status_code} {r.text[:160]}")

    n = 0
    for (method, path), entry in SPEC.items():
        for who in CALLERS:
            for state in (STATES if entry.per_state else [S.DRAFT]):
                app_id, sha = apps[state]
                n += 1
                ctx = {"app": app_id, "sha": sha, "outsider": outsider.id, "n": n}
                if path.endswith("/commands/{name}"):
                    for cmd, (roles, states) in COMMAND_SPEC.items():
                        allowed = who in roles and state in states and reads(who, state)
                        r = clients[who].post(f"/api/applications/{app_id}/commands/{cmd}", json={"not_an_argument": 1})
                        expect(who, f"{cmd} in {state}", allowed, {400, 422}, r)
                    continue
                r = entry.probe(clients[who], ctx)
                expect(who, f"{method} {path} in {state}", entry.allowed(who, state), entry.ok, r)
    assert not wrong, f"{len(wrong)} wrong answers:\n" + "\n".join(wrong[:40])
