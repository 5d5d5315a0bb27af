"""Accounts and MFA, DUO matching, scenario routing, Clinical Requests, visas, SMTP, CLI."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from onconode.access import duo, identity
from onconode.access import events as S
from onconode.access.clinical_request import Procedure, Purpose, route
from onconode.access.db import GovernanceError
from onconode.access.visas import decode_visa, jwks, passport
from onconode.access.workflow import Denied, create, execute

from tests.access.conftest import PASSWORD, T0, code_for, make_person
from tests.access.helpers import DAY, dar_in_state


def test_login_errors_do_not_reveal_whether_the_email_exists(world):
    with pytest.raises(identity.AuthenticationError) as unknown:
        identity.authenticate(world.gov, "nobody@x.org", PASSWORD)
    with pytest.raises(identity.AuthenticationError) as wrong:
        identity.authenticate(world.gov, "researcher@umcu.nl", "wrong password!!")
    assert str(unknown.value) == str(wrong.value)
    assert identity.authenticate(world.gov, "Researcher@UMCU.nl", PASSWORD).email == "researcher@umcu.nl"


def test_totp_codes_cannot_be_replayed_and_recovery_codes_work_once(gov):
    acc = identity.register(gov, "x@y.org", "X", "Y", PASSWORD, at=T0)
    enrol = identity.begin_mfa_enrolment(gov, acc.id, at=T0)
    assert enrol.uri.startswith("otpauth://totp/") and enrol.qr_png.startswith(b"\x89PNG") and "<svg" in enrol.qr_svg
    codes = identity.confirm_mfa(gov, acc.id, code_for(enrol.secret, T0), at=T0)
    with gov.engine.begin() as conn:
        with pytest.raises(identity.AuthenticationError):
            identity.verify_mfa(conn, acc.id, code_for(enrol.secret, T0), T0)
    with gov.engine.begin() as conn:
        assert identity.verify_mfa(conn, acc.id, codes[0], T0) == "recovery-code"
    with gov.engine.begin() as conn:
        with pytest.raises(identity.AuthenticationError):
            identity.verify_mfa(conn, acc.id, codes[0], T0)


def test_application_roles_cannot_be_granted_globally(gov):
    with pytest.raises(GovernanceError, match="named on an application"):
        identity.register(gov, "s@y.org", "S", "Y", PASSWORD, roles=("licensee_signatory",))


REQ = duo.Requester(non_profit=True, country="NL", term_end=dt.date(2027, 1, 1), ethics_approval=False)


@pytest.mark.parametrize("consent, purpose, outcome, reason", [
    ("GRU", duo.Purpose("POA"), duo.MATCH, "general research use"),
    ("HMB", duo.Purpose("DS", ("DOID:1612",)), duo.MATCH, "health"),
    ("HMB", duo.Purpose("POA"), duo.NO_MATCH, "health/medical research only"),
    ("DUO:0000007=DOID:162", duo.Purpose("DS", ("DOID:3908",)), duo.MATCH, "within consented DOID:162"),
    ("DUO:0000007=DOID:1324", duo.Purpose("DS", ("DOID:162",)), duo.NO_MATCH, "not within"),
    ("DUO:0000007=DOID:1324", duo.Purpose("HMB"), duo.NO_MATCH, "broader"),
    ("GRU,NPU", duo.Purpose("HMB"), duo.MATCH, "not-for-profit"),
    ("GRU,NCU", duo.Purpose("HMB", commercial_use=True), duo.NO_MATCH, "non-commercial"),
    ("GRU,GS=EEA", duo.Purpose("HMB"), duo.MATCH, "within EEA"),
    ("GRU,GS=NL", duo.Purpose("HMB"), duo.MATCH, "within NL"),
    ("GRU,TS=2026-06-30", duo.Purpose("HMB"), duo.NO_MATCH, "until 2026-06-30"),
    ("GRU,IRB", duo.Purpose("HMB"), duo.NO_MATCH, "attach the approval"),
    ("GRU,NMDS", duo.Purpose("HMB", methods_development=True), duo.NO_MATCH, "methods development"),
    ("GRU,US", duo.Purpose("HMB"), duo.REVIEW, "by hand"),
    ("PUB", duo.Purpose("HMB"), duo.NO_MATCH, "names no permission"),
])
def test_duo_matching_gives_a_reason_per_code(consent, purpose, outcome, reason):
    result = duo.match(duo.parse_consent_list(consent), purpose, REQ)
    assert result.outcome == outcome
    assert any(reason in c.reason for c in result.codes), [c.reason for c in result.codes]


def test_duo_obligations_do_not_block_and_are_listed_for_the_licence():
    result = duo.match(duo.parse_consent_list("GRU,PUB,COL,RTN,MOR=2027-01-01"), duo.Purpose("HMB"), REQ)
    assert result.outcome == duo.MATCH
    assert len(result.obligations) == 4 and any("2027-01-01" in o for o in result.obligations)


def test_geographic_and_not_for_profit_restrictions_use_the_organisation():
    commercial_us = duo.Requester(non_profit=False, country="US", term_end=None, ethics_approval=True)
    result = duo.match(duo.parse_consent_list("GRU,NPU,GS=EEA"), duo.Purpose("HMB"), commercial_us)
    assert [c.outcome for c in result.codes] == [duo.MATCH, duo.NO_MATCH, duo.NO_MATCH]


@pytest.mark.parametrize("own, purpose, procedure, scenario", [
    (False, Purpose.OTHER, Procedure.DAR, 1),
    (False, Purpose.TREATMENT, Procedure.DAR, 1),
    (True, Purpose.OTHER, Procedure.DAR, 2),
    (True, Purpose.TREATMENT, Procedure.CLINICAL, 3),
    (True, Purpose.ORIGINAL_STUDY, Procedure.CLINICAL, 4),
])
def test_the_four_scenarios_route_to_the_right_procedure(own, purpose, procedure, scenario):
    r = route(own_hospital_only=own, purpose=purpose)
    assert (r.procedure, r.scenario) == (procedure, scenario)


def _clinical(world, patients):
    form = {"title": "Treatment options for a patient", "lay_summary": "Find matching trials.", "scenario": "treatment",
            "patients": patients, "items": [{"table": "driver", "columns": "all", "justification": "Drivers decide the targeted therapy options."}]}
    return create(world.gov, "clinical", world.physician.id, at=T0, form=form).id


def test_a_clinical_request_can_only_select_the_physicians_hospital_patients(world):
    hospital = {"HOSP-A": {"HMF001", "HMF002"}, "HOSP-B": {"HMF900"}}
    a = _clinical(world, ["HMF001", "HMF900"])
    with pytest.raises(Denied, match="HMF900 is not a patient of hospital HOSP-A"):
        execute(world.gov, a, "submit", world.physician.id, at=T0, patients_of=hospital.__getitem__)
    with pytest.raises(Denied, match="cannot be changed"):
        execute(world.gov, a, "save_draft", world.physician.id, at=T0, fields={"hospital_code": "HOSP-B"})


def test_a_clinical_request_needs_central_and_local_pi_then_data_within_a_week(world):
    g = world.gov
    a = _clinical(world, ["HMF001"])
    execute(g, a, "submit", world.physician.id, at=T0, patients_of=lambda h: {"HMF001"})
    with pytest.raises(Denied, match="local_pi"):
        execute(g, a, "approve_purpose", world.local_pi_b.id, at=T0)  # other hospital's local PI
    execute(g, a, "approve_purpose", world.central_pi.id, at=T0 + DAY)
    app = execute(g, a, "approve_purpose", world.local_pi.id, at=T0 + DAY)
    assert app.state == S.APPROVED
    from onconode.access.deadlines import deadline_report
    from onconode.access.entitlements import can_download

    [d] = [d for d in deadline_report(g, at=T0 + 9 * DAY) if d.application == a]
    assert d.overdue and "one week" in d.what
    execute(g, a, "mark_prepared", world.manager.id, at=T0 + 5 * DAY)
    got = can_download(g, world.physician.id, a, at=T0 + 6 * DAY)
    assert got.allowed and got.patients == ["HMF001"]
    assert not can_download(g, world.applicant.id, a, at=T0 + 6 * DAY).allowed


def test_hospital_patients_and_consent_exclusions_are_read_from_the_store(store):
    import pyarrow as pa

    from onconode.access.clinical_request import hospital_patients
    from onconode.ingest.values import to_arrow
    from onconode.model import table

    with store.transaction("test", "patients") as tx:
        tx.replace("dataset", to_arrow(table("dataset"), [{"dataset_id": "D1", "title": "t", "consent_duo": "DUO:0000042"}]), owners=["D1"])
        tx.replace("patient", to_arrow(table("patient"), [
            {"patient_id": "P1", "dataset_id": "D1", "hospital_code": "HOSP-A"},
            {"patient_id": "P2", "dataset_id": "D1", "hospital_code": "HOSP-A"},
            {"patient_id": "P3", "dataset_id": "D1", "hospital_code": "HOSP-B"}]), owners=["P1", "P2", "P3"])
        tx.replace("consent", to_arrow(table("consent"), [
            {"patient_id": "P2", "duo_code": "DUO:0000007", "modifier": "DOID:1324"},
            {"patient_id": "P3", "duo_code": "DUO:0000042"}, {"patient_id": "P3", "duo_code": "DUO:0000045"}]), owners=["P2", "P3"])
    assert hospital_patients(store, "HOSP-A") == {"P1", "P2"}
    commercial = duo.Requester(non_profit=False, country="NL", term_end=None, ethics_approval=False)
    excluded = duo.excluded_patients(store, duo.Purpose("DS", ("DOID:1612",)), commercial)
    assert set(excluded) == {"P2", "P3"}
    assert "not within consented DOID:1324" in excluded["P2"][0] and "not-for-profit" in excluded["P3"][0]
    assert pa


def test_visas_are_signed_short_lived_and_stop_with_revocation(world):
    g = world.gov
    a = dar_in_state(world, S.ACTIVE)
    at = T0 + 30 * DAY
    [token] = passport(g, world.contact.id, at=at)["ga4gh_passport_v1"]
    claims = decode_visa(g, token, at=at)
    assert claims["ga4gh_visa_v1"]["type"] == "ControlledAccessGrants" and claims["ga4gh_visa_v1"]["by"] == "dac"
    assert claims["exp"] - claims["iat"] <= 3600 and jwks(g)["keys"][0]["crv"] == "Ed25519"
    with pytest.raises(Exception):
        decode_visa(g, token, at=at + dt.timedelta(hours=2))
    assert passport(g, world.applicant.id, at=at)["ga4gh_passport_v1"] == []
    execute(g, a, "revoke", world.office.id, at=at, reasons="Licence breach reported.")
    assert passport(g, world.contact.id, at=at + DAY)["ga4gh_passport_v1"] == []


def test_notifications_go_through_a_real_smtp_server(world):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    from onconode.access.notify import SmtpMailer

    received = []

    class Keep(Message):
        def handle_message(self, message):
            received.append(message)

    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        world.gov.mailer = SmtpMailer("127.0.0.1", port)
        dar_in_state(world, S.SUBMITTED)
    finally:
        controller.stop()
    subjects = [m["Subject"] for m in received]
    assert any("submitted" in s for s in subjects) and any("new application" in s for s in subjects)


def test_the_default_outbox_writes_eml_files(tmp_path, world):
    from onconode.access.notify import OutboxMailer

    world.gov.mailer = OutboxMailer(tmp_path / "outbox")
    dar_in_state(world, S.SUBMITTED)
    assert any(p.suffix == ".eml" for p in (tmp_path / "outbox").iterdir())


def test_cli_audit_verify_fails_on_an_edited_event(tmp_path, monkeypatch):
    import sqlalchemy as sa

    from onconode.access import open_governance
    from onconode.access.schema import event
    from onconode.interfaces.cli.main import app

    home = tmp_path / "node"
    runner = CliRunner()
    assert runner.invoke(app, ["--home", str(home), "access", "org", "add", "umcu", "--name", "UMC", "--country", "NL"]).exit_code == 0
    ok = runner.invoke(app, ["--home", str(home), "audit", "verify"])
    assert ok.exit_code == 0 and "intact" in ok.output
    with open_governance(home) as g, g.engine.begin() as conn:
        conn.execute(event.update().values(payload=json.dumps({"name": "Evil"})))
    bad = runner.invoke(app, ["--home", str(home), "audit", "verify"])
    assert bad.exit_code == 3 and "edited" in bad.output
    assert sa
