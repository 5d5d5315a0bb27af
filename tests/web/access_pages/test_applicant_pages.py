"""The applicant's pages: routing questions, registration, the DAR form, submission and
the status page with its history."""

from __future__ import annotations

from tests.web.outbox import confirmation_link, mails_to
from tests.web.access_pages.steps import dar_fields, login_as, new_application, post, state_of


def test_routing_questions_send_each_scenario_to_its_procedure(client):
    cases = {("several", "other"): ("Scenario 1", "Data Access Request"), ("own", "other"): ("Scenario 2", "Data Access Request"),
             ("own", "treatment"): ("Scenario 3", "Clinical Request"), ("own", "original_study"): ("Scenario 4", "Clinical Request")}
    for (scope, purpose), (scenario, procedure) in cases.items():
        text = client.get("/access", params={"scope": scope, "purpose": purpose}).text
        assert f"{scenario}: {procedure}" in text
    assert "register with your institutional email" in text


def register_on_the_page(client, email: str, password: str = "a long enough password"):
    csrf = client.get("/account/register").text.split('name="csrf" value="')[1].split('"')[0]
    form = {"csrf": csrf, "name": "Rita", "surname": "Researcher", "email": email, "password": password, "organisation": "umcu"}
    return client.post("/account/register", data=form, follow_redirects=False)


def test_self_registration_asks_to_confirm_the_email_before_the_account_can_log_in(client, node, cast):
    r = register_on_the_page(client, "rita@umcu.nl")
    assert r.status_code == 200 and "Check your email" in r.text
    login = {"email": "rita@umcu.nl", "password": "a long enough password"}
    assert client.post("/api/session", json=login).status_code == 401
    link = confirmation_link(node.home, "rita@umcu.nl")
    page = client.get(link.removeprefix("https://testserver"))
    assert page.status_code == 200 and "Confirm my account" in page.text
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    token = link.split("token=")[1]
    r = client.post("/account/confirm", data={"csrf": csrf, "token": token, "password": login["password"]}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    again = client.post("/account/confirm", data={"csrf": csrf, "token": token, "password": login["password"]})
    assert again.status_code == 400 and "not valid" in again.text
    assert client.post("/api/session", json=login).status_code == 200


def test_the_registration_page_does_not_say_whether_an_address_has_an_account(client, node, cast):
    new, taken = register_on_the_page(client, "new.person@umcu.nl"), register_on_the_page(client, cast.applicant.email)
    assert new.status_code == taken.status_code == 200 and new.text == taken.text
    assert "tried to register" in str(mails_to(node.home, cast.applicant.email)[-1]["Subject"])


def test_registration_explains_a_bad_password_and_keeps_the_fields(client, cast):
    csrf = client.get("/account/register").text.split('name="csrf" value="')[1].split('"')[0]
    r = client.post("/account/register", data={"csrf": csrf, "name": "Rita", "surname": "R", "email": "rita@umcu.nl", "password": "short"})
    assert r.status_code == 400
    assert "at least 12 characters" in r.text and 'value="rita@umcu.nl"' in r.text


def test_registration_without_the_csrf_token_is_refused(client, cast):
    r = client.post("/account/register", data={"name": "R", "surname": "R", "email": "r@umcu.nl", "password": "a long enough password"})
    assert r.status_code == 403


def test_an_incomplete_form_is_saved_and_answered_422_with_each_problem_in_plain_words_beside_its_field(client, cast, clock):
    csrf = login_as(client, cast.applicant, clock)
    app_id = new_application(client, csrf)
    r = post(client, csrf, f"/access/applications/{app_id}/form", {"title": "Only a title", "contacts": "Ann; analyst; not-an-email",
                                                                     "action": "submit"})
    assert r.status_code == 422, r.text
    html = r.text
    # Each problem sits right before its field, tied to it, in the form's words, not field codes.
    lay = html.split('id="lay_summary-error">')[1].split("</p>")[0]
    assert lay == "Write a short summary for the public register."
    assert 'id="lay_summary" name="lay_summary" rows="3" aria-invalid="true" aria-describedby="lay_summary-error"' in html
    assert "Choose the institution that signs the licence." in html.split('id="licensee-error">')[1].split("</p>")[0]
    assert "Request at least one data item" in html.split('id="items-error">')[1].split("</p>")[0]
    assert "&#39;not-an-email&#39; is not an email address" in html.split('id="contacts-error">')[1].split("</p>")[0]
    assert 'href="#term_months">Licence term</a>' in html  # the summary links to each field
    for code in ("lay_summary: missing", "licensee: missing", "term_months:", "purpose.primary"):
        assert code not in html
    assert 'value="Only a title"' in client.get(f"/access/applications/{app_id}").text
    assert state_of(client, app_id) == "draft"


def test_the_api_keeps_its_json_problem_for_an_incomplete_form_with_422(client, cast, clock):
    csrf = login_as(client, cast.applicant, clock)
    client.headers["X-CSRF-Token"] = csrf
    app_id = client.post("/api/applications", json={"own_hospital_only": False, "purpose": "other"}).json()["application"]["id"]
    r = client.post(f"/api/applications/{app_id}/commands/submit", json={})
    assert r.status_code == 422 and "lay_summary: missing" in r.json()["detail"]


def test_a_complete_form_is_submitted_and_the_history_shows_it(client, cast, clock):
    csrf = login_as(client, cast.applicant, clock)
    app_id = new_application(client, csrf)
    r = post(client, csrf, f"/access/applications/{app_id}/form", {**dar_fields(), "action": "submit"})
    assert r.status_code == 303, r.text
    page = client.get(f"/access/applications/{app_id}").text
    assert state_of(client, app_id) == "submitted"
    assert "draft saved" in page and ">submitted<" in page
    assert app_id in client.get("/access/mine").text


def test_a_licensee_without_adequacy_needs_the_privacy_confirmations(client, cast, clock):
    csrf = login_as(client, cast.applicant, clock)
    app_id = new_application(client, csrf)
    r = post(client, csrf, f"/access/applications/{app_id}/form", {**dar_fields(licensee="uni-br"), "action": "submit"})
    assert r.status_code == 422 and "BR is outside the EEA without an EU adequacy decision" in r.text.split('id="privacy_confirmations-error">')[1]
    all_given = {**dar_fields(licensee="uni-br"), "action": "submit"}
    r = client.post(f"/access/applications/{app_id}/form", data={**all_given, "csrf": csrf, "privacy_confirmation": [str(i) for i in range(6)]},
                    follow_redirects=False)
    assert r.status_code == 303, r.text


def test_an_ethics_approval_is_attached_in_the_form_with_the_typed_answers_and_served_by_its_hash(client, cast, clock):
    csrf = login_as(client, cast.applicant, clock)
    app_id = new_application(client, csrf)
    typed = {"title": "Typed before attaching", "lay_summary": "Also typed", "action": "attach"}
    r = post(client, csrf, f"/access/applications/{app_id}/form", typed,
             files={"file": ("ethics.pdf", b"%PDF-1.4 approval", "application/pdf")})
    assert r.status_code == 303 and "done=attach" in r.headers["location"]
    page = client.get(r.headers["location"]).text
    assert "ethics.pdf is attached to" in page and 'value="Typed before attaching"' in page and ">Also typed<" in page
    href = page.split('ethics: <a href="')[1].split('"')[0]
    assert client.get(href).content == b"%PDF-1.4 approval"


def test_someone_not_named_on_an_application_cannot_read_or_change_it(client, cast, clock):
    csrf = login_as(client, cast.applicant, clock)
    app_id = new_application(client, csrf)
    csrf = login_as(client, cast.outsider, clock)
    assert client.get(f"/access/applications/{app_id}", headers={"accept": "text/html"}).status_code == 403
    r = post(client, csrf, f"/access/applications/{app_id}/form", {"title": "hijacked"})
    assert r.status_code == 403
    assert app_id not in client.get("/access/mine").text


def test_the_pages_need_a_login(client):
    assert client.get("/access/mine").status_code == 401
    assert client.get("/access/office").status_code == 401
