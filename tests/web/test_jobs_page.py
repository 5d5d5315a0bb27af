"""The jobs page in headless Chromium: a data manager sees a queued export, cancels and
retries it, and watches it finish while the page refreshes itself; a researcher is refused."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from onconode.db import jobs
from onconode.interfaces import worker
from onconode.interfaces.http.node import Node
from onconode.store.parquet import read_manifest

from tests.web.conftest import PASSWORD, Person, make_person

pytestmark = pytest.mark.slow


def log_in(page, base: str, person: Person, to: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login?next={to}")
    page.get_by_label("Institutional email").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    if person.secret:
        page.get_by_label("Code").fill(person.code())
        page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"**{to}")


def test_a_data_manager_cancels_retries_and_watches_a_job_finish_on_the_jobs_page(page, live_server: str, node: Node,
                                                                                 tmp_path: Path) -> None:
    manager = make_person(node, "manager@foundation.org", "data_manager")
    dest = tmp_path / "export"
    job = jobs.enqueue(node.gov.engine, "parquet-export", {"dest": str(dest), "freeze": "DR-TEST"}, created_by=manager.email)
    row = page.locator(f'tr[data-job="{job}"]')

    log_in(page, live_server, manager, "/jobs")
    assert row.get_attribute("data-state") == "queued" and "DR-TEST" in row.inner_text()
    row.get_by_role("button", name="Cancel").click()
    page.wait_for_url("**/jobs")
    assert row.get_attribute("data-state") == "cancelled"
    row.get_by_role("button", name="Retry").click()
    page.wait_for_url("**/jobs")
    assert row.get_attribute("data-state") == "queued"

    ran = threading.Thread(target=worker.run, args=(node.home,), kwargs={"until_idle": True, "schedule": False})
    ran.start()
    page.locator(f'tr[data-job="{job}"][data-state="done"]').wait_for(timeout=60_000)  # the page refreshed itself
    ran.join(60)
    assert "100 %" in row.inner_text()
    assert read_manifest(dest) is not None


def test_a_researcher_is_refused_the_jobs_page_and_sees_no_link_to_it(page, live_server: str, node: Node) -> None:
    researcher = make_person(node, "researcher@umcu.nl", mfa=True)
    log_in(page, live_server, researcher, "/access/mine")
    assert page.get_by_role("link", name="Jobs").count() == 0
    answer = page.goto(f"{live_server}/jobs")
    assert answer.status == 403 and "data access office and data managers" in page.content()
