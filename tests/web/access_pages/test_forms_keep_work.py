"""The DAR form keeps work (issue 18, item 4): its number comes with the first save, it
saves as you go, data items come from the data dictionary, and every action ends with a
confirmation of what happens next. The board sees who applies and why; the office's
dashboard offers only actions it can take."""

from __future__ import annotations

import datetime as dt
import re

from onconode.access.workflow import list_applications
from tests.web.access_pages.steps import dar_fields, do, login_as, post, state_of
from tests.web.access_pages.test_board_and_office_pages import active_dar, submitted_dar


def test_opening_an_empty_dar_form_spends_no_number_and_the_first_save_assigns_it(client, cast, clock, node):
    csrf = login_as(client, cast.applicant, clock)
    r = post(client, csrf, "/access/new", {"kind": "dar"})
    assert r.status_code == 303 and r.headers["location"] == "/access/new/dar"
    page = client.get("/access/new/dar")
    assert page.status_code == 200 and 'action="/access/new/dar"' in page.text and 'data-autosave="1"' in page.text
    assert list_applications(node.gov) == []
    # Saving an empty form spends nothing either.
    r = post(client, csrf, "/access/new/dar", {"action": "save"})
    assert r.status_code == 422 and "Nothing to save yet" in r.text and list_applications(node.gov) == []
    # The first save as you type (the page's script: action=autosave) opens the draft and names it.
    r = post(client, csrf, "/access/new/dar", {"title": "Typed first", "action": "autosave"}, headers={"accept": "application/json"})
    assert r.status_code == 200, r.text
    saved = r.json()
    app_id = saved["id"]
    assert re.fullmatch(r"DAR-\d{4}-0001", app_id) and saved["form_url"] == f"/access/applications/{app_id}/form"
    # Later saves go to the draft's own address and keep its number.
    r = post(client, csrf, saved["form_url"], {"title": "Typed first", "lay_summary": "and more", "action": "autosave"})
    assert r.status_code == 200 and r.json()["id"] == app_id
    assert [a.id for a in list_applications(node.gov)] == [app_id]
    assert list_applications(node.gov)[0].form["lay_summary"] == "and more"


def test_data_items_are_chosen_from_the_dictionary_with_their_identifiability_flags(client, cast, clock, node):
    csrf = login_as(client, cast.applicant, clock)
    page = client.get("/access/new/dar").text
    patient = page.split('data-table="patient"')[1].split("</details>")[0]
    birth = patient.split('value="birth_year"')[1].split("</li>")[0]
    assert 'name="columns_patient" type="checkbox"' in patient or 'type="checkbox" name="columns_patient"' in patient
    assert "quasi-identifier" in birth and "quasi-identifier" not in patient.split('value="sex"')[1].split("</li>")[0]
    assert 'id="items-search"' in page
    germline = page.split('data-table="germline_sv_breakend"')[1].split("</summary>")[0]
    assert "identifying" in germline
    # Ticked columns arrive as the page sends them: one field per checkbox.
    r = client.post("/access/new/dar", follow_redirects=False,
                    data={"csrf": csrf, "title": "Items", "action": "save", "item_patient": "1", "columns_patient": ["sex", "birth_year"],
                          "justification_patient": "Age and sex are confounders in the response model."})
    assert r.status_code == 303
    app = list_applications(node.gov)[0]
    assert app.form["items"] == [{"table": "patient", "columns": ["sex", "birth_year"],
                                  "justification": "Age and sex are confounders in the response model."}]
    html = client.get(f"/access/applications/{app.id}").text
    assert re.search(r'value="birth_year" checked', html) and not re.search(r'value="death_date" checked', html)


def test_every_action_ends_with_what_happens_next_and_when(client, cast, clock):
    csrf = login_as(client, cast.applicant, clock)
    r = post(client, csrf, "/access/new/dar", {"title": "Saved once", "action": "save"})
    page = client.get(r.headers["location"]).text
    assert "Draft saved as DAR-" in page.split('id="confirmation">')[1] and "Nothing has been sent yet" in page
    app_id = submitted_dar(client, cast, clock)
    page = client.get(f"/access/applications/{app_id}?done=submit").text
    note = page.split('id="confirmation">')[1].split("</p>")[0]
    due = (clock() + dt.timedelta(weeks=6)).strftime("%d %B %Y")
    assert note.startswith("Submitted.") and "assigns Scientific Board members" in note and due in note
    csrf = login_as(client, cast.office, clock)
    r = do(client, csrf, app_id, "assign", members=str(cast.sb.id))
    assert r.headers["location"].endswith("?done=assign")
    assert "Each gets an email and gives an assessment" in client.get(r.headers["location"]).text


def test_reviewers_see_the_scientific_summary_the_applicant_the_institution_and_the_contacts(client, cast, clock):
    app_id = submitted_dar(client, cast, clock, scientific_summary="We fit a Cox model of response on TMB and drivers.")
    login_as(client, cast.dab, clock)
    page = client.get(f"/access/applications/{app_id}").text
    assert "We fit a Cox model of response on TMB and drivers." in page.split('id="summary-scientific">')[1].split("</dd>")[0]
    assert cast.applicant.email in page.split('id="summary-applicant">')[1].split("</dd>")[0]
    assert "UMC Utrecht, NL" in page.split('id="summary-institution">')[1].split("</dd>")[0]
    assert "Ann Analyst, bioinformatician &lt;analyst@umcu.nl&gt;" in page.split('id="summary-contacts">')[1].split("</dd>")[0]
    history = page.split('id="history"')[1]
    assert "draft saved" in history and "submitted" in history


def test_the_office_dashboard_lists_only_actions_it_can_take_and_confirms_a_contact_there(client, cast, clock):
    app_id = active_dar(client, cast, clock)
    csrf = login_as(client, cast.signatory, clock)
    do(client, csrf, app_id, "request_contact", name="Bo Bio", position="postdoc", email="bo@umcu.nl")
    csrf = login_as(client, cast.office, clock)
    office = client.get("/access/office").text
    row = office.split(f">{app_id}</a>")[1].split("</tr>")[0]
    assert '<a href="#contact-requests">Confirm a download contact</a>' in row
    # Every listed action is a link to its form; none is bare text.
    table = office.split('id="applications"')[1].split("</table>")[0]
    cells = re.findall(r"<td>((?:(?!<td>).)*?)</td></tr>", table, re.S)
    assert cells
    assert all(re.fullmatch(r"(<a href=\"[^\"]+\">[^<]+</a>(<br>)?)*", c.strip()) for c in cells)
    form = office.split('id="contact-requests"')[1]
    action = re.search(r'action="(/access/applications/[^"]+/do/confirm_contact)"', form).group(1)
    request = re.search(r'name="request" value="(\d+)"', form).group(1)
    r = post(client, csrf, action, {"request": request})
    assert r.status_code == 303 and "Contact confirmed" in client.get(r.headers["location"]).text
    assert "No open contact requests" in client.get("/access/office").text
    assert state_of(client, app_id) == "active"


def test_a_submitted_form_has_no_dar_fields_left_to_edit(client, cast, clock):
    app_id = submitted_dar(client, cast, clock)
    page = client.get(f"/access/applications/{app_id}").text
    assert 'id="dar-form"' not in page and 'id="request-summary"' in page


def test_saving_over_a_forged_form_of_someone_else_is_refused(client, cast, clock):
    csrf = login_as(client, cast.applicant, clock)
    r = post(client, csrf, "/access/new/dar", {**dar_fields(), "action": "save"})
    app_id = re.search(r"/access/applications/([^?]+)", r.headers["location"]).group(1)
    csrf = login_as(client, cast.outsider, clock)
    r = post(client, csrf, f"/access/applications/{app_id}/form", {"title": "hijacked", "action": "autosave"})
    assert r.status_code == 403
