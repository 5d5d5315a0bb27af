"""Clinical Request pages: the physician's form limited to their hospital's patients, the
two PI approvals, the data manager's one-week preparation and the office's tracking."""

from __future__ import annotations

import re

from tests.web.access_pages.steps import ITEMS, do, login_as, new_application, post, state_of


def clinical_form(client, csrf, app_id: str, patients: list[str], action: str = "submit"):
    data = {"csrf": csrf, "title": "Treatment options for two patients", "lay_summary": "Actionable variants for the tumour board.",
            "scenario": "treatment", "freeze": "DR-TEST", "patients": patients, "action": action, **ITEMS}
    return client.post(f"/access/applications/{app_id}/form", data=data, follow_redirects=False)


def own_patients(client, app_id: str) -> list[str]:
    return re.findall(r'name="patients" value="([^"]+)"', client.get(f"/access/applications/{app_id}").text)


def test_the_form_offers_only_the_physicians_hospital_and_refuses_other_patients(client, cast, clock, node):
    csrf = login_as(client, cast.physician, clock)
    app_id = new_application(client, csrf, "clinical")
    mine = own_patients(client, app_id)
    assert mine and "Hospital HOSP01" in client.get(f"/access/applications/{app_id}").text
    with node.snapshot(None) as snap:
        t = snap.table("patient")
        foreign = t.filter(t.hospital_code != "HOSP01").select("patient_id").limit(1).to_pyarrow().to_pylist()[0]["patient_id"]
    r = clinical_form(client, csrf, app_id, [mine[0], foreign])
    assert r.status_code == 422 and f"{foreign} is not a patient of hospital HOSP01" in r.text
    assert state_of(client, app_id) == "draft"


def test_a_clinical_request_is_approved_by_both_pis_and_prepared_within_the_week(client, cast, clock):
    csrf = login_as(client, cast.physician, clock)
    app_id = new_application(client, csrf, "clinical")
    assert clinical_form(client, csrf, app_id, own_patients(client, app_id)[:2]).status_code == 303
    for pi in (cast.central_pi, cast.local_pi):
        csrf = login_as(client, pi, clock)
        assert app_id in client.get("/access/queue").text
        assert do(client, csrf, app_id, "approve_purpose", comment="fine").status_code == 303
    assert state_of(client, app_id) == "approved"
    csrf = login_as(client, cast.office, clock)
    tracking = client.get("/access/office").text.split('id="clinical"')[1]
    assert app_id in tracking and "not yet" in tracking
    csrf = login_as(client, cast.manager, clock)
    assert do(client, csrf, app_id, "mark_prepared").status_code == 303
    assert state_of(client, app_id) == "active"


def test_a_local_pi_of_another_hospital_cannot_approve(client, cast, clock, node):
    from tests.web.conftest import make_person

    other_pi = make_person(node, "local-pi@hosp02.nl", "local_pi", hospital_code="HOSP02")
    csrf = login_as(client, cast.physician, clock)
    app_id = new_application(client, csrf, "clinical")
    clinical_form(client, csrf, app_id, own_patients(client, app_id)[:1])
    csrf = login_as(client, other_pi, clock)
    assert app_id not in client.get("/access/queue").text
    assert do(client, csrf, app_id, "approve_purpose").status_code == 403


def test_a_researcher_opens_a_clinical_request_on_behalf_of_a_named_physician(client, cast, clock):
    csrf = login_as(client, cast.applicant, clock)
    app_id = new_application(client, csrf, "clinical", physician_email=cast.physician.email)
    page = client.get(f"/access/applications/{app_id}").text
    assert "Hospital HOSP01" in page and cast.physician.email in page
    r = post(client, csrf, "/access/new", {"kind": "clinical", "physician_email": cast.outsider.email})
    assert r.status_code == 403 and "treating physician" in r.text
