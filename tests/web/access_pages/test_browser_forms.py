"""In Chromium: the DAR form keeps what is typed (saved as you go, through an attachment) and
/api/docs renders with nothing fetched beyond the node."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from onconode.access.workflow import list_applications
from tests.web.access_pages.conftest import totp
from tests.web.access_pages.test_browser_procedures import log_in, shot

pytestmark = pytest.mark.slow


def test_typed_answers_survive_attaching_a_document_and_are_saved(page, live_server, cast, clock, node, tmp_path):
    base = live_server
    log_in(page, base, cast.applicant.email, totp(cast.applicant, clock))
    page.goto(f"{base}/access/new/dar")
    assert list_applications(node.gov) == []  # opening the form spends no number
    page.get_by_label("Project title").fill("Immunotherapy response and TMB")
    page.get_by_label("Lay summary").fill("Which tumour DNA changes predict who benefits.")
    # Saved as you type: the draft gets its number and the address moves to it.
    page.wait_for_url("**/access/applications/DAR-*")
    page.locator("#autosave-status").filter(has_text="Saved as DAR-").wait_for()
    # The data dictionary picker: search, tick a column (its quasi-identifier flag is shown).
    page.get_by_label("Search the data dictionary").fill("birth")
    birth = page.locator('li:has(input[name="columns_patient"][value="birth_year"])')
    assert birth.is_visible() and "quasi-identifier" in birth.inner_text()
    assert not page.locator('li:has(input[name="columns_patient"][value="sex"])').is_visible()
    page.locator('input[name="item_patient"]').check()
    birth.locator("input").check()
    page.get_by_label("Why the project needs patient").fill("Age is a confounder in the response model.")
    page.get_by_label("Scientific summary (for the boards)").fill("Cox model of response on TMB.")
    pdf = tmp_path / "ethics-approval.pdf"
    pdf.write_bytes(b"%PDF-1.4 approved by the ethics committee")
    page.locator("#file").set_input_files(str(pdf))
    page.get_by_role("button", name="Attach", exact=True).click()
    page.locator("#confirmation").filter(has_text="ethics-approval.pdf is attached").wait_for()
    shot(page, "dar-attached")
    # Everything typed is still on the page, and saved in the draft.
    assert page.get_by_label("Project title").input_value() == "Immunotherapy response and TMB"
    assert page.get_by_label("Scientific summary (for the boards)").input_value() == "Cox model of response on TMB."
    assert page.locator('input[name="columns_patient"][value="birth_year"]').is_checked()
    assert page.get_by_role("link", name="ethics-approval.pdf").is_visible()
    apps = list_applications(node.gov)
    assert len(apps) == 1
    form = apps[0].form
    assert form["title"] == "Immunotherapy response and TMB" and form["scientific_summary"] == "Cox model of response on TMB."
    assert form["items"] == [{"table": "patient", "columns": ["birth_year"], "justification": "Age is a confounder in the response model."}]
    assert [a["filename"] for a in apps[0].attachments] == ["ethics-approval.pdf"]
    # Submitting the incomplete form shows each problem beside its field.
    page.get_by_role("button", name="Save and submit").click()
    page.locator("#licensee-error").wait_for()
    assert page.locator("#licensee-error").inner_text() == "Choose the institution that signs the licence."
    assert page.get_by_label("Project title").input_value() == "Immunotherapy response and TMB"
    shot(page, "dar-problems")


def test_the_api_docs_render_with_no_request_beyond_the_node(page, live_server):
    outside: list[str] = []

    def only_loopback(route) -> None:
        host = urlparse(route.request.url).hostname or ""
        if host in ("127.0.0.1", "localhost", "::1"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_loopback)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server}/api/docs")
    page.locator(".opblock-tag").first.wait_for(timeout=20000)
    page.get_by_text("/api/applications", exact=True).first.wait_for()
    assert page.locator(".opblock").count() > 20  # the operations are listed
    shot(page, "api-docs-offline")
    assert outside == [] and not [e for e in errors if "Content Security Policy" in e]
