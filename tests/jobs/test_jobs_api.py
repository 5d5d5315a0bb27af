"""`/api/jobs` and the `/jobs` page: the office and data managers see every job with its
progress, cancel and retry; nobody else sees the queue; a mail's body is never shown."""

from __future__ import annotations

from onconode.db import jobs
from tests.release.test_delivery import client_for, login, served  # noqa: F401  (fixture)


def test_only_the_office_and_data_managers_see_the_job_queue(served):  # noqa: F811
    env, app_id, clock, node = served
    job = jobs.enqueue(node.gov.engine, "release-build", {"application": app_id, "at": "2026-01-01T00:00:00"}, key=app_id)
    for who in (env.world.contact, env.world.applicant, env.world.sb1):
        with client_for(node) as c:
            login(c, who, clock)
            assert c.get("/api/jobs").status_code == 403
            assert c.get(f"/api/jobs/{job}").status_code == 403
            assert c.get("/jobs").status_code == 403
    for who in (env.world.office, env.world.manager):
        with client_for(node) as c:
            login(c, who, clock)
            listed = c.get("/api/jobs").json()
            assert [(j["id"], j["kind"], j["state"]) for j in listed] == [(job, "release-build", "queued")]
            page = c.get("/jobs", headers={"accept": "text/html"})
            assert page.status_code == 200 and f'data-job="{job}"' in page.text and app_id in page.text
    with client_for(node) as c:
        assert c.get("/api/jobs").status_code in (401, 403)


def test_the_office_cancels_and_retries_a_job_over_the_api(served):  # noqa: F811
    env, app_id, clock, node = served
    job = jobs.enqueue(node.gov.engine, "release-build", {"application": app_id, "at": "2026-01-01T00:00:00"}, key=app_id)
    with client_for(node) as c:
        login(c, env.world.office, clock)
        assert c.post(f"/api/jobs/{job}/cancel").json()["state"] == "cancelled"
        again = c.post(f"/api/jobs/{job}/cancel")
        assert again.status_code == 409 and "only queued or running" in again.json()["detail"]
        assert c.post(f"/api/jobs/{job}/retry").json()["state"] == "queued"
        assert c.get("/api/jobs/99999").status_code == 404
        assert c.get("/api/jobs?state=lost").status_code == 422


def test_a_queued_mail_shows_its_recipients_and_subject_but_never_its_body(served):  # noqa: F811
    env, app_id, clock, node = served
    from onconode.interfaces.job_wiring import register_all

    register_all()
    job = jobs.enqueue(node.gov.engine, "mail", {"to": ["a@b.org"], "subject": "confirm", "body": "https://x/confirm?token=SECRET"})
    with client_for(node) as c:
        login(c, env.world.office, clock)
        shown = c.get(f"/api/jobs/{job}").json()
        assert shown["params"]["to"] == ["a@b.org"] and shown["params"]["body"] == "(hidden)"
        assert "SECRET" not in c.get("/jobs", headers={"accept": "text/html"}).text
