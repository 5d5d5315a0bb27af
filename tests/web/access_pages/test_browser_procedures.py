"""End to end in headless Chromium: the published procedures walked through the pages by
each person in turn, with TOTP codes computed from each person's secret at the node's
clock (which the test moves forward for the term's end)."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest

from onconode.access.deadlines import run_deadlines
from tests.web.outbox import confirmation_link
from tests.web.access_pages.conftest import totp
from tests.web.conftest import PASSWORD, SCREENSHOTS

pytestmark = pytest.mark.slow


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"access-{name}.png"), full_page=True)


def log_in(page, base: str, email: str, code: str | None = None) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login?next=/access/mine")
    page.get_by_label("Institutional email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    if code is not None:
        page.get_by_label("Code").fill(code)
        page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/access/mine")


def open_app(page, base: str, app_id: str) -> None:
    page.goto(f"{base}/access/applications/{app_id}")


def state(page) -> str:
    return page.locator("#state").inner_text()


def test_a_dar_from_registration_through_boards_and_signatures_to_active_extension_and_expiry(page, live_server, cast, clock, node):
    base = live_server
    # The applicant registers, logs in and turns on MFA (needed to sign the licence).
    page.goto(f"{base}/account/register")
    page.get_by_label("Name", exact=True).fill("Rita")
    page.get_by_label("Surname").fill("Researcher")
    page.get_by_label("Institutional email").fill("rita@umcu.nl")
    page.get_by_label("Password (at least 12 characters)").fill(PASSWORD)
    page.get_by_label("Organisation").select_option("umcu")
    page.get_by_role("button", name="Register").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    # She opens the link mailed to her (the node's outbox) and confirms with her password.
    page.goto(confirmation_link(node.home, "rita@umcu.nl"))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm my account").click()
    page.wait_for_url("**/login**")
    page.get_by_label("Institutional email").fill("rita@umcu.nl")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/access/mine")
    page.goto(f"{base}/account/mfa")
    page.get_by_role("button", name="Set up an authenticator app").click()
    secret = page.locator("#totp-secret").inner_text()
    clock.advance(dt.timedelta(minutes=1))
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).at(clock()))
    page.get_by_role("button", name="Turn on").click()
    assert page.locator("#recovery-codes li").count() == 10

    def rita_code() -> str:
        clock.advance(dt.timedelta(minutes=1))
        return pyotp.TOTP(secret).at(clock())

    # The routing questions send her to a DAR; she fills the form and submits it.
    page.goto(f"{base}/access")
    page.get_by_label("Data from several hospitals").check()
    page.get_by_label("Another purpose (research reuse)").check()
    page.get_by_role("button", name="Find the procedure").click()
    assert "Scenario 1: Data Access Request" in page.locator("#route-answer").inner_text()
    page.get_by_role("button", name="Start a Data Access Request").click()
    page.wait_for_url("**/access/new/dar")  # an empty form: no number yet
    page.get_by_label("Project title").fill("Biomarkers of immunotherapy response")
    page.wait_for_url("**/access/applications/DAR-*")  # saved as she types: now it has its number
    app_id = page.url.rsplit("/", 1)[1]
    page.get_by_label("Lay summary").fill("Which tumour DNA changes predict who benefits from immunotherapy.")
    page.get_by_label("Purpose (GA4GH Data Use Ontology)").select_option("HMB")
    page.get_by_label("HMF-SYNTH", exact=False).check()
    page.get_by_label("Data freeze").select_option("DR-TEST")
    page.locator('input[name="item_somatic_variant"]').check()
    for column in ("sample_id", "gene", "canonical_effect"):
        page.locator(f'input[name="columns_somatic_variant"][value="{column}"]').check()
    page.get_by_label("Why the project needs somatic_variant").fill("Driver mutations are the candidate biomarkers we test.")
    page.get_by_label("Licensee institution").select_option("umcu")
    page.get_by_label("Signatory of the licensee (name)").fill("Dr. Director")
    page.get_by_label("Signatory's institutional email").fill("director@umcu.nl")
    page.get_by_role("textbox", name="Download contacts").fill("Ann Analyst; bioinformatician; analyst@umcu.nl")
    page.get_by_label("Licence term in months").fill("12")
    page.get_by_role("button", name="Save and submit").click()
    page.wait_for_load_state()
    assert state(page) == "submitted"
    shot(page, "dar-submitted")

    # The office assigns a Scientific Board member, who assesses from the queue.
    log_in(page, base, cast.office.email, totp(cast.office, clock))
    open_app(page, base, app_id)
    page.get_by_label(cast.sb.email, exact=False).check()
    page.get_by_role("button", name="Assign").click()
    log_in(page, base, cast.sb.email, totp(cast.sb, clock))
    page.goto(f"{base}/access/queue")
    page.get_by_role("link", name=app_id).click()
    page.get_by_label("Opinion").select_option("positive")
    page.locator("#assess-reasons").fill("Sound design, feasible sample size.")
    page.get_by_role("button", name="Give assessment").click()
    assert state(page) == "board review"

    # The Data Access Board sees the DUO match and adequacy, votes and decides.
    log_in(page, base, cast.dab.email, totp(cast.dab, clock))
    open_app(page, base, app_id)
    assert "in the EEA; licence: EEA" in page.locator("#adequacy").inner_text()
    shot(page, "dar-board-review")
    page.get_by_label("Vote", exact=True).select_option("approve")
    page.locator("#vote-reasons").fill("Proportionate request.")
    page.get_by_role("button", name="Vote").click()
    page.get_by_label("Decision", exact=True).select_option("approve")
    page.locator("#decide-reasons").fill("Board meeting of 23 March.")
    page.get_by_role("button", name="Record the decision").click()
    assert state(page) == "approved"

    # The office issues the licence; researcher, signatory and foundation sign with TOTP codes.
    log_in(page, base, cast.office.email, totp(cast.office, clock))
    open_app(page, base, app_id)
    page.get_by_role("button", name="Issue licence for signature").click()
    assert state(page) == "licence pending signatures"
    with page.expect_download() as pdf:
        page.evaluate("href => { const a = document.createElement('a'); a.href = href; a.download = 'licence.pdf'; document.body.appendChild(a); a.click(); }",
                      page.locator("#licence-pdf").get_attribute("href"))
    assert open(pdf.value.path(), "rb").read(4) == b"%PDF"
    signers = (("rita@umcu.nl", rita_code, "researcher"), (cast.signatory.email, lambda: totp(cast.signatory, clock), "licensee"),
               (cast.office.email, lambda: totp(cast.office, clock), "foundation"))
    for email, code, party in signers:
        log_in(page, base, email, code())
        open_app(page, base, app_id)
        page.get_by_label("Sign as").select_option(party)
        page.get_by_label("Code from your authenticator app").fill(code())
        page.get_by_role("button", name="Sign the licence").click()
    assert state(page) == "active"
    shot(page, "dar-active")
    page.goto(f"{base}/register")
    assert app_id in page.locator("table").inner_text()

    # The signatory asks for an extension; the board approves it.
    log_in(page, base, cast.signatory.email, totp(cast.signatory, clock))
    open_app(page, base, app_id)
    page.get_by_label("More months").fill("6")
    page.get_by_label("Why the project needs more time").fill("The validation cohort needs six more months.")
    page.get_by_role("button", name="Request extension").click()
    assert state(page) == "extension requested"
    log_in(page, base, cast.dab.email, totp(cast.dab, clock))
    open_app(page, base, app_id)
    page.get_by_label("Decision", exact=True).select_option("approve")
    page.locator("#ext-reasons").fill("Progress report convincing.")
    page.get_by_role("button", name="Record the decision").click()
    assert state(page) == "active"

    # Eighteen months and a little later the node's deadline run ends the term.
    clock.advance(dt.timedelta(days=19 * 31))
    run_deadlines(node.gov, at=node.now())
    page.reload()
    assert state(page) == "expired"
    assert "expired" in page.locator("#history").inner_text()
    shot(page, "dar-expired")


def test_a_clinical_request_from_the_physician_to_prepared_data(page, live_server, cast, clock):
    base = live_server
    log_in(page, base, cast.physician.email, totp(cast.physician, clock))
    page.goto(f"{base}/access?scope=own&purpose=treatment")
    assert "Scenario 3: Clinical Request" in page.locator("#route-answer").inner_text()
    page.get_by_role("button", name="Start a Clinical Request").click()
    page.wait_for_url("**/access/applications/CR-*")
    app_id = page.url.rsplit("/", 1)[1]
    page.get_by_label("Title", exact=True).fill("Treatment options for two patients")
    page.get_by_label("Summary of the clinical question").fill("Actionable variants for the tumour board.")
    boxes = page.locator('input[name="patients"]')
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.locator('input[name="item_driver"]').check()
    page.get_by_label("Why the project needs driver").fill("The tumour board needs the driver events.")
    page.get_by_role("button", name="Save and submit").click()
    assert state(page) == "submitted"
    for pi in (cast.central_pi, cast.local_pi):
        log_in(page, base, pi.email, totp(pi, clock))
        page.goto(f"{base}/access/queue")
        page.get_by_role("link", name=app_id).click()
        page.get_by_role("button", name="Approve").click()
    assert state(page) == "approved"
    log_in(page, base, cast.office.email, totp(cast.office, clock))
    page.goto(f"{base}/access/office")
    assert "not yet" in page.locator("#clinical").inner_text()
    log_in(page, base, cast.manager.email, totp(cast.manager, clock))
    open_app(page, base, app_id)
    page.get_by_role("button", name="Mark the data as prepared and available").click()
    assert state(page) == "active"
    shot(page, "clinical-active")
