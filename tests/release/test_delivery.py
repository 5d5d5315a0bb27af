"""Delivery: only the DAR's download contacts, logged in with MFA, during the term, can
list and download; links are short-lived and bound to the account; Range resumes;
every download is audited; at the end of the term or on revocation access stops at once."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Iterator

import pytest
from fastapi.testclient import TestClient

from onconode.access.workflow import execute, load
from onconode.interfaces import worker
from onconode.release.builder import build
from onconode.release.delivery import LINK_SECONDS
from onconode.release.jobs import enqueue_build, withhold
from onconode.release.term import end_of_term
from onconode.interfaces.http.app import create_app
from onconode.interfaces.http.node import Node

from tests.access.conftest import FAST_ARGON2, PASSWORD, Person, make_person
from tests.release.conftest import DURING_TERM, Env, active_dar


class Clock:
    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at

    def tick(self, seconds: float = 31) -> None:
        self.at += dt.timedelta(seconds=seconds)


@pytest.fixture
def served(env: Env) -> Iterator[tuple[Env, str, Clock, Node]]:
    """An active DAR with its release built, and the node's web app on a settable clock."""
    app_id = active_dar(env)
    build(env.home, env.store, env.gov, app_id, at=DURING_TERM)
    clock = Clock(DURING_TERM)
    node = Node(env.home, governance_url=f"sqlite:///{env.home / 'governance.sqlite'}", mailer=env.mail,
                clock=clock, governance_options={"argon2": FAST_ARGON2})
    yield env, app_id, clock, node
    node.close()


def client_for(node: Node) -> TestClient:
    return TestClient(create_app(node), base_url="https://testserver")


def login(client: TestClient, person: Person, clock: Clock) -> None:
    clock.tick()
    r = client.post("/api/session", json={"email": person.email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    if r.json()["mfa_required"]:
        r = client.post("/api/session/mfa", json={"code": person.code(clock.at)})
        assert r.status_code == 200, r.text
    client.headers["X-CSRF-Token"] = r.json()["csrf"]


def test_a_download_contact_lists_and_downloads_the_exact_files_and_each_download_is_audited(served):
    env, app_id, clock, node = served
    with client_for(node) as c:
        login(c, env.world.contact, clock)
        assert [r["application"] for r in c.get("/api/releases").json()] == [app_id]
        release = c.get(f"/api/releases/{app_id}").json()
        meta = next(f for f in release["files"] if f["path"] == "metadata.tsv")
        r = c.get(meta["url"])
        assert r.status_code == 200 and hashlib.sha256(r.content).hexdigest() == meta["sha256"]
        assert int(r.headers["content-length"]) == meta["bytes"]
    with client_for(node) as office:
        login(office, env.world.office, clock)
        report = office.get(f"/api/releases/{app_id}/downloads").json()
    assert [(d["who"], d["allowed"]) for d in report] == [("analyst@umcu.nl", True)]
    assert report[0]["what"] == f"metadata.tsv bytes 0-{meta['bytes'] - 1} ({meta['bytes']} bytes)"


def test_an_interrupted_download_resumes_with_a_range(served):
    env, app_id, clock, node = served
    with client_for(node) as c:
        login(c, env.world.contact, clock)
        files = c.get(f"/api/releases/{app_id}").json()["files"]
        big = max((f for f in files if f["bytes"]), key=lambda f: f["bytes"])
        head = c.get(big["url"], headers={"Range": "bytes=0-999"})
        assert head.status_code == 206 and head.headers["content-range"] == f"bytes 0-999/{big['bytes']}"
        rest = c.get(big["url"], headers={"Range": "bytes=1000-"})
        assert rest.status_code == 206 and len(head.content) + len(rest.content) == big["bytes"]
        assert hashlib.sha256(head.content + rest.content).hexdigest() == big["sha256"]
        assert c.get(big["url"], headers={"Range": f"bytes={big['bytes']}-"}).status_code == 416


def test_another_person_a_session_without_mfa_and_a_shared_link_get_nothing(served):
    env, app_id, clock, node = served
    with client_for(node) as contact:
        login(contact, env.world.contact, clock)
        url = next(f["url"] for f in contact.get(f"/api/releases/{app_id}").json()["files"] if f["path"] == "metadata.tsv")
    with client_for(node) as other:
        login(other, env.world.other, clock)
        r = other.get(f"/api/releases/{app_id}")  # answered like GET /api/applications/{id}: nothing about the application
        assert r.status_code == 404 and "that you may see" in r.json()["detail"]
        assert other.get("/api/releases").json() == []
        r = other.get(url)
        assert r.status_code == 403 and "another account" in r.json()["detail"]
    no_mfa = make_person(env.gov, "nomfa@umcu.nl", mfa=False, organisation_id="umcu")
    with client_for(node) as c:
        login(c, no_mfa, clock)
        assert c.get(f"/api/releases/{app_id}").status_code == 403
        assert c.get(url).status_code == 403
    with client_for(node) as anonymous:
        assert anonymous.get(url).status_code == 401


def test_links_expire(served):
    env, app_id, clock, node = served
    with client_for(node) as c:
        login(c, env.world.contact, clock)
        url = c.get(f"/api/releases/{app_id}").json()["files"][0]["url"]
        clock.tick(LINK_SECONDS + 1)
        r = c.get(url)
        assert r.status_code == 403 and "expired" in r.json()["detail"]


def test_after_the_term_or_on_revocation_links_stop_at_once_and_the_licensee_is_reminded_to_delete(served):
    env, app_id, clock, node = served
    with client_for(node) as c:
        login(c, env.world.contact, clock)
        url = c.get(f"/api/releases/{app_id}").json()["files"][0]["url"]
        assert c.get(url).status_code == 200
        execute(env.gov, app_id, "revoke", env.world.office.id, at=clock.at, reasons="Data shared outside the licence.")
        r = c.get(url)
        assert r.status_code == 403 and "revoked" in r.json()["detail"]
    done = end_of_term(env.gov, env.home, clock.at)
    assert len(done) == 1 and app_id in done[0]
    assert env.mail.to("delete the released data") == {"analyst@umcu.nl", "director@umcu.nl"}
    report = next(m for m in env.mail.messages if "download report" in str(m["Subject"]))
    assert "analyst@umcu.nl" in report.get_content() and "REFUSED" in report.get_content()
    assert end_of_term(env.gov, env.home, clock.at) == [], "the reminder is sent once"


def test_at_the_end_of_the_term_the_contact_gets_nothing(served):
    env, app_id, clock, node = served
    with env.gov.engine.connect() as conn:
        term_end = load(conn, app_id).term_end
    with client_for(node) as c:
        login(c, env.world.contact, clock)
        url = c.get(f"/api/releases/{app_id}").json()["files"][0]["url"]
        clock.at = term_end
        login(c, env.world.contact, clock)
        assert c.get(f"/api/releases/{app_id}").status_code == 403
        assert c.get(url).status_code == 403
        assert c.get("/api/releases").json() == []


def test_only_the_office_or_a_data_manager_builds_and_the_request_only_queues_the_build(served):
    env, app_id, clock, node = served
    with client_for(node) as c:
        login(c, env.world.contact, clock)
        assert c.post(f"/api/releases/{app_id}/build").status_code == 403
    with client_for(node) as c:
        login(c, env.world.manager, clock)
        r = c.post(f"/api/releases/{app_id}/build")
        assert r.status_code == 202, r.text
        job = r.json()["job"]
        assert c.get(r.json()["status"]).json()["state"] == "queued"
        worker.run(env.home, until_idle=True, schedule=False)
        done = c.get(f"/api/jobs/{job}").json()
        assert done["state"] == "done" and done["result"]["patients"] > 0


def test_while_a_job_rebuilds_the_release_its_page_and_the_api_say_it_is_being_built(served):
    env, app_id, clock, node = served
    withhold(env.home, app_id)   # as a consent withdrawal does, before it queues the rebuild
    job = enqueue_build(env.gov.engine, app_id, DURING_TERM, built_by="consent withdrawal", key=f"{app_id}@withdrawal-1")
    with client_for(node) as c:
        login(c, env.world.contact, clock)
        page = c.get(f"/releases/{app_id}")
        assert page.status_code == 200 and "Being built" in page.text and f"job {job}, queued" in page.text
        api = c.get(f"/api/releases/{app_id}")
        assert api.status_code == 404 and f"job {job}" in api.json()["detail"]
    worker.run(env.home, until_idle=True, schedule=False)
    with client_for(node) as c:
        login(c, env.world.contact, clock)
        assert c.get(f"/api/releases/{app_id}").status_code == 200
        assert "Being built" not in c.get(f"/releases/{app_id}").text
