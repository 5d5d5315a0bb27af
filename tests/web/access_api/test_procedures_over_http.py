"""The published procedures driven through the REST API only: a DAR from registration to
an active licence (and the visas it gives), and a Clinical Request for one hospital."""

from __future__ import annotations

import datetime as dt
import hashlib

import pyotp
from joserfc import jwt
from joserfc.jwk import KeySet

from onconode.access import identity
from onconode.access.clinical_request import hospital_patients
from onconode.access.roles import Role
from tests.web.outbox import confirmation_link, mails_to
from tests.web.access_api.conftest import FREEZE, PASSWORD, Person, anonymous, dar_form, make_person

ETHICS = b"%PDF-1.4 ethics committee approval"


def enrolled(gov, account_id: int, clock) -> Person:
    """MFA enrolled as on /account/mfa (the browser flow is the pages' tests)."""
    enrol = identity.begin_mfa_enrolment(gov, account_id, at=clock())
    identity.confirm_mfa(gov, account_id, pyotp.TOTP(enrol.secret).at(clock()), at=clock())
    clock.advance(dt.timedelta(seconds=31))
    with gov.engine.connect() as conn:
        return Person(identity.get_account(conn, account_id), enrol.secret)


def ok(r, status: int = 200) -> dict:
    assert r.status_code == status, r.text
    return r.json()


def test_registration_needs_an_institutional_email(app):
    anon = anonymous(app)
    r = anon.post("/api/accounts", json={"email": "someone@gmail.com", "name": "Some", "surname": "One", "password": PASSWORD})
    assert r.status_code == 400 and "institution" in r.json()["detail"]
    r = anon.post("/api/accounts", json={"email": "short@uni-leiden.nl", "name": "Some", "surname": "One", "password": "short"})
    assert r.status_code == 400 and "12 characters" in r.json()["detail"]


def test_registration_answers_the_same_for_a_new_and_a_taken_address(app, world):
    anon = anonymous(app)
    taken, new = world.applicant.email, "someone.new@umcu.nl"
    answers = [anon.post("/api/accounts", json={"email": e, "name": "Some", "surname": "One", "password": PASSWORD})
               for e in (new, taken)]
    assert answers[0].status_code == answers[1].status_code == 202
    assert answers[0].content == answers[1].content
    assert "tried to register" in str(mails_to(world.gov.home, taken)[-1]["Subject"])
    assert confirmation_link(world.gov.home, new).startswith("https://testserver/account/confirm?token=")


def test_an_unconfirmed_account_is_refused_at_login_like_a_wrong_password(app):
    anon = anonymous(app)
    anon.post("/api/accounts", json={"email": "waiting@umcu.nl", "name": "W", "surname": "Aiting", "password": PASSWORD})
    unconfirmed = anon.post("/api/session", json={"email": "waiting@umcu.nl", "password": PASSWORD})
    wrong = anon.post("/api/session", json={"email": "waiting@umcu.nl", "password": "a wrong long password"})
    assert unconfirmed.status_code == wrong.status_code and unconfirmed.json() == wrong.json()


def test_a_dar_from_registration_to_an_active_licence(app, world, as_, clock):
    anon = anonymous(app)
    ok(anon.post("/api/accounts", json={"email": "new.researcher@umcu.nl", "name": "Nora", "surname": "New",
                                         "password": PASSWORD, "organisation_id": "umcu"}), 202)
    token = confirmation_link(world.gov.home, "new.researcher@umcu.nl").split("token=")[1]
    new = ok(anon.post("/api/accounts/confirm", json={"token": token, "password": PASSWORD}))
    researcher = enrolled(world.gov, new["id"], clock)
    me = as_(researcher)
    created = ok(me.post("/api/applications", json={"own_hospital_only": False, "purpose": "other",
                                                     "form": dar_form(datasets=["HMF-SYNTH"], freeze=FREEZE)}), 201)
    assert created["route"]["procedure"] == "data_access_request" and created["route"]["scenario"] == 1
    a = created["application"]["id"]
    assert created["application"]["allowed_commands"] == ["save_draft", "attach", "submit", "close"]

    doc = ok(me.post(f"/api/applications/{a}/attachments", files={"file": ("ethics.pdf", ETHICS, "application/pdf")}, data={"kind": "ethics"}), 201)
    assert doc["sha256"] == hashlib.sha256(ETHICS).hexdigest()
    r = me.get(f"/api/applications/{a}/attachments/{doc['sha256']}")
    assert r.content == ETHICS and r.headers["X-Content-SHA256"] == doc["sha256"]
    assert ok(me.post(f"/api/applications/{a}/commands/submit", json={}))["state"] == "submitted"
    assert [x["id"] for x in ok(me.get("/api/applications"))] == [a]

    office, sb, dab = as_(world.office), as_(world.sb1), as_(world.dab1)
    r = office.post(f"/api/applications/{a}/commands/vote", json={"vote": "approve", "reasons": "x"})
    assert r.status_code == 403 and "vote may be done only by" in r.json()["detail"]
    ok(office.post(f"/api/applications/{a}/commands/assign", json={"members": [world.sb1.id]}))
    assert [q["id"] for q in ok(sb.get("/api/board/queue"))] == [a]
    review = ok(sb.get(f"/api/applications/{a}/review"))
    assert review["licensee"]["licence"] == "EEA" and review["requester"]["ethics_approval"] is True
    assert review["datasets"][0]["consent"] and review["datasets"][0]["codes"]
    assert {m["table"]: m["quasi_identifiers"] for m in review["minimisation"]}["patient"] == ["birth_year"]
    ok(sb.post(f"/api/applications/{a}/commands/assess", json={"opinion": "positive", "reasons": "Sound design."}))
    ok(dab.post(f"/api/applications/{a}/commands/vote", json={"vote": "approve", "reasons": "Proportionate."}))
    approved = ok(dab.post(f"/api/applications/{a}/commands/decide", json={
        "decision": "approve", "reasons": "Approved without birth year.",
        "items": [{"table": "somatic_variant"}, {"table": "patient", "columns": ["patient_id", "sex"]}]}))
    assert approved["state"] == "approved"
    assert approved["decision"]["items"][1]["columns"] == ["patient_id", "sex"]

    licensed = ok(office.post(f"/api/applications/{a}/commands/issue_licence", json={"obligations": ["PUB: share results"]}))
    pdf = me.get(f"/api/applications/{a}/licence")
    sha = hashlib.sha256(pdf.content).hexdigest()
    assert pdf.content.startswith(b"%PDF") and sha == licensed["licence"]["sha256"] == pdf.headers["X-Content-SHA256"]
    r = me.post(f"/api/applications/{a}/commands/sign", json={"party": "researcher", "sha256": sha, "code": "000000"})
    assert r.status_code == 403 and "code is not valid" in r.json()["detail"]
    ok(me.post(f"/api/applications/{a}/commands/sign", json={"party": "researcher", "sha256": sha, "code": researcher.code(clock())}))
    signatory = as_(world.signatory)
    ok(signatory.post(f"/api/applications/{a}/commands/sign", json={"party": "licensee", "sha256": sha, "code": world.signatory.code(clock())}))
    active = ok(office.post(f"/api/applications/{a}/commands/sign", json={"party": "foundation", "sha256": sha, "code": world.office.code(clock())}))
    assert active["state"] == "active" and active["term_end"]

    contact = as_(world.contact)
    visas = ok(contact.get("/api/passport"))["ga4gh_passport_v1"]
    assert len(visas) == 1
    claims = jwt.decode(visas[0], KeySet.import_key_set(ok(anon.get("/.well-known/jwks.json"))), algorithms=["EdDSA"]).claims
    assert claims["sub"] == world.contact.email and claims["ga4gh_visa_v1"]["value"].endswith("/datasets/HMF-SYNTH")
    assert ok(me.get("/api/passport"))["ga4gh_passport_v1"] == []  # the researcher is not a download contact

    assert [r["number"] for r in ok(anon.get("/api/register"))] == [a]
    assert "votes" not in ok(me.get(f"/api/applications/{a}")) and ok(office.get(f"/api/applications/{a}"))["votes"]
    types = [e["type"] for e in ok(me.get(f"/api/applications/{a}/events"))]
    assert types[-4:] == ["licence_signed", "licence_signed", "licence_signed", "activated"]
    assert ok(as_(world.auditor).get("/api/audit/verify"))["ok"] is True


def test_a_clinical_request_selects_only_its_hospitals_patients(app, node, world, as_):
    physician = make_person(world.gov, "doctor@hosp01.nl", (Role.TREATING_PHYSICIAN,), hospital_code="HOSP01")
    local_pi = make_person(world.gov, "local-pi@hosp01.nl", (Role.LOCAL_PI,), hospital_code="HOSP01")
    with node.snapshot(FREEZE):
        own = sorted(hospital_patients(node.store, "HOSP01", FREEZE))[:3]
        foreign = sorted(hospital_patients(node.store, "HOSP02", FREEZE))[:1]
    doc = as_(physician)
    form = {"title": "Treatment options for three patients", "lay_summary": "Genomic findings to guide their treatment.",
            "scenario": "treatment", "patients": own + foreign, "freeze": FREEZE,
            "items": [{"table": "driver", "justification": "Actionable drivers guide the choice of treatment."}]}
    created = ok(doc.post("/api/applications", json={"own_hospital_only": True, "purpose": "treatment", "form": form}), 201)
    assert created["route"]["scenario"] == 3 and created["application"]["form"]["hospital_code"] == "HOSP01"
    c = created["application"]["id"]
    r = doc.post(f"/api/applications/{c}/commands/submit", json={})
    assert r.status_code == 422 and f"{foreign[0]} is not a patient of hospital HOSP01" in r.json()["detail"]
    ok(doc.post(f"/api/applications/{c}/commands/save_draft", json={"fields": {"patients": own}}))
    assert ok(doc.post(f"/api/applications/{c}/commands/submit", json={}))["state"] == "submitted"

    wrong_pi = as_(world.local_pi)  # local PI of another hospital: does not even see it
    assert wrong_pi.post(f"/api/applications/{c}/commands/approve_purpose", json={}).status_code == 404
    ok(as_(world.central_pi).post(f"/api/applications/{c}/commands/approve_purpose", json={"comment": "fits CPCT-02"}))
    assert ok(as_(local_pi).post(f"/api/applications/{c}/commands/approve_purpose", json={}))["state"] == "approved"
    prepared = ok(as_(world.manager).post(f"/api/applications/{c}/commands/mark_prepared", json={}))
    assert prepared["state"] == "active"
    assert ok(doc.get(f"/api/applications/{c}"))["form"]["patients"] == own
