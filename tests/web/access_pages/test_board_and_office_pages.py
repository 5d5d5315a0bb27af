"""The boards' queue and review page, the office's dashboard, the signatory's licence page,
download contacts, extension and the public register, each step through the pages."""

from __future__ import annotations

import datetime as dt

import re

import pyotp

from onconode.access.deadlines import run_deadlines
from tests.web.access_pages.steps import dar_fields, do, login_as, new_application, post, state_of


def submitted_dar(client, cast, clock, **over) -> str:
    csrf = login_as(client, cast.applicant, clock)
    app_id = new_application(client, csrf)
    r = post(client, csrf, f"/access/applications/{app_id}/form", {**dar_fields(**over), "action": "submit"})
    assert r.status_code == 303, r.text
    return app_id


def assessed_dar(client, cast, clock, opinion: str = "positive", **over) -> str:
    """A DAR assigned by the office and assessed by the Scientific Board: in board review."""
    app_id = submitted_dar(client, cast, clock, **over)
    csrf = login_as(client, cast.office, clock)
    assert do(client, csrf, app_id, "assign", members=str(cast.sb.id)).status_code == 303
    csrf = login_as(client, cast.sb, clock)
    assert do(client, csrf, app_id, "assess", opinion=opinion, reasons="Assessed: cohort and design.").status_code == 303
    return app_id


def approved_dar(client, cast, clock) -> str:
    app_id = assessed_dar(client, cast, clock)
    csrf = login_as(client, cast.dab, clock)
    assert do(client, csrf, app_id, "vote", vote="approve", reasons="Proportionate.").status_code == 303
    r = client.post(f"/access/applications/{app_id}/do/decide", follow_redirects=False,
                    data={"csrf": csrf, "decision": "approve", "reasons": "Meeting of 23 March.", "term_months": "12",
                          "approve_item": ["somatic_variant", "patient"]})
    assert r.status_code == 303, r.text
    return app_id


def active_dar(client, cast, clock) -> str:
    """An approved DAR whose licence the office issued and all three parties signed: active."""
    app_id = approved_dar(client, cast, clock)
    csrf = login_as(client, cast.office, clock)
    do(client, csrf, app_id, "issue_licence")
    for person, party in ((cast.applicant, "researcher"), (cast.signatory, "licensee"), (cast.office, "foundation")):
        sign(client, person, clock, app_id, party)
    return app_id


def sign(client, person, clock, app_id: str, party: str):
    csrf = login_as(client, person, clock)
    page = client.get(f"/access/applications/{app_id}").text
    sha = re.search(r'id="licence-sha">([0-9a-f]{64})<', page).group(1)
    clock.advance(dt.timedelta(minutes=1))
    return do(client, csrf, app_id, "sign", party=party, sha256=sha, code=pyotp.TOTP(person.secret).at(clock()))


def test_the_office_assigns_and_the_scientific_board_member_finds_it_in_the_queue(client, cast, clock):
    app_id = submitted_dar(client, cast, clock)
    csrf = login_as(client, cast.office, clock)
    page = client.get(f"/access/applications/{app_id}").text
    assert f'value="{cast.sb.id}"' in page and "Assign Scientific Board members" in page
    do(client, csrf, app_id, "assign", members=str(cast.sb.id))
    login_as(client, cast.sb, clock)
    queue = client.get("/access/queue").text
    assert app_id in queue and "assess" in queue and "days)" in queue


def test_the_board_sees_duo_match_per_code_minimisation_and_adequacy(client, cast, clock):
    app_id = submitted_dar(client, cast, clock)
    login_as(client, cast.dab, clock)
    page = client.get(f"/access/applications/{app_id}").text
    assert "Consent of HMF-SYNTH" in page and '<table class="duo">' in page
    assert "birth_year" in page.split("Data items: requested vs. minimal")[1]  # shown as a quasi-identifier
    assert "UMC Utrecht (NL, non-profit): in the EEA; licence: EEA" in page


def test_a_decision_past_six_weeks_is_flagged_overdue(client, cast, clock):
    app_id = submitted_dar(client, cast, clock)
    csrf = login_as(client, cast.office, clock)
    do(client, csrf, app_id, "assign", members=str(cast.sb.id))
    clock.advance(dt.timedelta(weeks=7))
    login_as(client, cast.office, clock)
    office = client.get("/access/office").text
    row = office.split(f">{app_id}</a>")[1].split("</tr>")[0]
    assert "OVERDUE" in row


def test_a_vote_without_reasons_is_refused_and_the_page_says_why(client, cast, clock):
    app_id = assessed_dar(client, cast, clock)
    csrf = login_as(client, cast.dab, clock)
    r = do(client, csrf, app_id, "vote", vote="approve", reasons="")
    assert r.status_code == 403 and "give the reasons" in r.text
    assert state_of(client, app_id) == "board review"


def test_a_returned_request_shows_the_reasons_and_can_be_changed_and_resubmitted(client, cast, clock):
    app_id = assessed_dar(client, cast, clock, opinion="negative")
    csrf = login_as(client, cast.dab, clock)
    do(client, csrf, app_id, "vote", vote="return", reasons="Narrow the cohort.")
    do(client, csrf, app_id, "decide", decision="return", reasons="Narrow the cohort to melanoma.")
    csrf = login_as(client, cast.applicant, clock)
    page = client.get(f"/access/applications/{app_id}").text
    assert "Returned for changes: Narrow the cohort to melanoma." in page and 'id="dar-form"' in page
    assert "Assessed: cohort and design." not in page  # the board's internal working stays internal
    r = post(client, csrf, f"/access/applications/{app_id}/form", {**dar_fields(title="Melanoma only"), "action": "submit"})
    assert r.status_code == 303 and state_of(client, app_id) == "submitted"


def test_licence_signatures_with_totp_activate_the_dar_and_a_wrong_code_is_refused(client, cast, clock):
    app_id = approved_dar(client, cast, clock)
    csrf = login_as(client, cast.office, clock)
    assert do(client, csrf, app_id, "issue_licence", obligations="", amendments="").status_code == 303
    page = client.get(f"/access/applications/{app_id}").text
    pdf = client.get(re.search(r'href="([^"]+)" id="licence-pdf"', page).group(1))
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    csrf = login_as(client, cast.signatory, clock)
    sha = re.search(r'id="licence-sha">([0-9a-f]{64})<', client.get(f"/access/applications/{app_id}").text).group(1)
    r = do(client, csrf, app_id, "sign", party="licensee", sha256=sha, code="000000")
    assert r.status_code == 403 and "not valid" in r.text
    for person, party in ((cast.applicant, "researcher"), (cast.signatory, "licensee"), (cast.office, "foundation")):
        assert sign(client, person, clock, app_id, party).status_code == 303
    assert state_of(client, app_id) == "active"
    assert app_id in client.get("/register").text


def test_the_signatory_adds_a_contact_and_extends_and_the_term_then_expires(client, cast, clock, node):
    app_id = active_dar(client, cast, clock)
    csrf = login_as(client, cast.applicant, clock)
    assert "Add a download contact" not in client.get(f"/access/applications/{app_id}").text  # signatory only
    csrf = login_as(client, cast.signatory, clock)
    assert do(client, csrf, app_id, "request_contact", name="Bo Bio", position="postdoc", email="bo@umcu.nl").status_code == 303
    csrf = login_as(client, cast.office, clock)
    assert "bo@umcu.nl" in client.get("/access/office").text
    assert do(client, csrf, app_id, "confirm_contact", request="1").status_code == 303
    csrf = login_as(client, cast.signatory, clock)
    r = do(client, csrf, app_id, "request_extension", months="6", justification="The validation cohort needs six more months.")
    assert r.status_code == 303 and state_of(client, app_id) == "extension requested"
    csrf = login_as(client, cast.dab, clock)
    assert app_id in client.get("/access/queue").text
    do(client, csrf, app_id, "decide_extension", decision="approve", reasons="Progress report convincing.")
    assert state_of(client, app_id) == "active"
    clock.advance(dt.timedelta(days=20 * 31))
    run_deadlines(node.gov, at=node.now())
    assert state_of(client, app_id) == "expired"


def test_the_dashboard_and_queue_are_for_their_roles_only(client, cast, clock):
    login_as(client, cast.applicant, clock)
    assert client.get("/access/office", headers={"accept": "text/html"}).status_code == 403
    assert client.get("/access/queue", headers={"accept": "text/html"}).status_code == 403
    nav = client.get("/access/mine").text
    assert "My applications" in nav and "Access office" not in nav and "Review queue" not in nav
    login_as(client, cast.office, clock)
    assert 'href="/access/office"' in client.get("/access/mine").text
    login_as(client, cast.dab, clock)
    assert 'href="/access/queue"' in client.get("/access/mine").text


def test_approving_with_every_item_unticked_is_refused_not_taken_as_everything(client, cast, clock):
    app_id = assessed_dar(client, cast, clock)
    csrf = login_as(client, cast.dab, clock)
    do(client, csrf, app_id, "vote", vote="approve", reasons="Proportionate.")
    r = do(client, csrf, app_id, "decide", decision="approve", reasons="ok", items_shown="1")
    assert r.status_code == 400 and "tick at least one data item" in r.text
    assert state_of(client, app_id) == "board review"


def test_a_command_without_the_csrf_token_is_refused(client, cast, clock):
    app_id = submitted_dar(client, cast, clock)
    login_as(client, cast.office, clock)
    r = client.post(f"/access/applications/{app_id}/do/assign", data={"members": str(cast.sb.id)}, follow_redirects=False)
    assert r.status_code == 403
    assert state_of(client, app_id) == "submitted"


def test_the_office_revokes_an_active_dar_with_reasons_and_it_leaves_the_register(client, cast, clock):
    app_id = active_dar(client, cast, clock)
    csrf = login_as(client, cast.office, clock)
    assert do(client, csrf, app_id, "revoke", reasons="").status_code == 403
    assert do(client, csrf, app_id, "revoke", reasons="Data shared outside the licence.").status_code == 303
    assert state_of(client, app_id) == "revoked"
    assert app_id not in client.get("/register").text
