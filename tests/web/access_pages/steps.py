"""The browser's requests for each step of the procedure, for TestClient tests: the same
form fields the pages send, so the tests exercise the pages' parsing too."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.access_pages.conftest import Clock, totp
from tests.web.conftest import Person

ITEMS = {
    "item_somatic_variant": "1", "columns_somatic_variant": "sample_id, gene, canonical_effect",
    "justification_somatic_variant": "Driver mutations are the candidate biomarkers we test.",
    "item_patient": "1", "columns_patient": "patient_id, sex, birth_year",
    "justification_patient": "Age and sex are confounders in the response model.",
}


def dar_fields(**over: str) -> dict[str, str]:
    fields = {
        "title": "Biomarkers of immunotherapy response", "lay_summary": "Which tumour DNA changes predict who benefits.",
        "purpose": "HMB", "datasets": "HMF-SYNTH", "freeze": "DR-TEST", "licensee": "umcu",
        "signatory_name": "Dr. Director", "signatory_email": "director@umcu.nl",
        "contacts": "Ann Analyst; bioinformatician; analyst@umcu.nl", "term_months": "12", **ITEMS,
    }
    fields.update(over)
    return fields


def login_as(client: TestClient, person: Person, clock: Clock) -> str:
    """Log in (password, then the TOTP code at the node's time); returns the CSRF token."""
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)
    r = client.post("/api/session", json={"email": person.email, "password": person.password})
    assert r.status_code == 200, r.text
    body = r.json()
    if body["mfa_required"]:
        r = client.post("/api/session/mfa", json={"code": totp(person, clock)})
        assert r.status_code == 200, r.text
        body = r.json()
    return body["csrf"]


def post(client: TestClient, csrf: str, url: str, data: dict | None = None, **kw):
    return client.post(url, data={"csrf": csrf, **(data or {})}, follow_redirects=False, **kw)


def new_application(client: TestClient, csrf: str, kind: str = "dar", **data: str) -> str:
    """A new draft: a DAR gets its number at its first save (here, of its title), a Clinical Request when opened."""
    if kind == "dar":
        r = post(client, csrf, "/access/new/dar", {"title": "A draft", "action": "save", **data})
    else:
        r = post(client, csrf, "/access/new", {"kind": kind, **data})
    assert r.status_code == 303, r.text
    return re.search(r"/access/applications/([^?\s]+)", r.headers["location"]).group(1)


def do(client: TestClient, csrf: str, app_id: str, command: str, **data: str):
    return post(client, csrf, f"/access/applications/{app_id}/do/{command}", data)


def state_of(client: TestClient, app_id: str) -> str:
    r = client.get(f"/access/applications/{app_id}")
    assert r.status_code == 200, r.text
    return re.search(r'id="state">([^<]+)<', r.text).group(1)
