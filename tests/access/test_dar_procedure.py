"""The published DAR procedure, step by step, including the ways it must refuse."""

from __future__ import annotations

import datetime as dt

import pytest

from onconode.access import events as S
from onconode.access.attachments import read_attachment
from onconode.access.deadlines import deadline_report, run_deadlines
from onconode.access.entitlements import can_download, log_access
from onconode.access.organisations import PRIVACY_CONFIRMATIONS
from onconode.access.register import public_register
from onconode.access.workflow import Denied, create, execute, load

from tests.access.conftest import T0, dar_form, make_person
from tests.access.helpers import DAY, dar_in_state, sign_all


def test_an_active_dar_gives_the_contact_only_the_approved_items(world):
    a = dar_in_state(world, S.ACTIVE)
    d = can_download(world.gov, world.contact.id, a, at=T0 + 30 * DAY)
    assert d.allowed, d.reason
    assert [i["table"] for i in d.items] == ["somatic_variant", "patient"]


def test_the_board_can_narrow_the_items_and_only_those_are_released(world):
    g = world.gov
    a = dar_in_state(world, S.BOARD)
    execute(g, a, "vote", world.dab1.id, at=T0 + 20 * DAY, vote="approve", reasons="Birth year is not needed.")
    execute(g, a, "decide", world.dab1.id, at=T0 + 21 * DAY, decision="approve", reasons="Approved without birth year.",
            items=[{"table": "somatic_variant"}, {"table": "patient", "columns": ["patient_id", "sex"]}])
    app = execute(g, a, "issue_licence", world.office.id, at=T0 + 22 * DAY)
    sign_all(world, a, app.licence["sha256"], T0 + 23 * DAY)
    d = can_download(g, world.contact.id, a, at=T0 + 30 * DAY)
    assert {"table": "patient", "columns": ["patient_id", "sex"], "justification": d.items[1]["justification"]} == d.items[1]


def test_a_board_cannot_widen_the_request(world):
    a = dar_in_state(world, S.BOARD)
    execute(world.gov, a, "vote", world.dab1.id, at=T0 + 20 * DAY, vote="approve", reasons="ok")
    with pytest.raises(Denied, match="not requested"):
        execute(world.gov, a, "decide", world.dab1.id, at=T0 + 21 * DAY, decision="approve", reasons="r", items=[{"table": "driver"}])


def test_submission_reports_every_missing_field_together(world):
    app = create(world.gov, "dar", world.applicant.id, at=T0, form={"title": "x"})
    with pytest.raises(Denied) as exc:
        execute(world.gov, app.id, "submit", world.applicant.id, at=T0)
    text = str(exc.value)
    for part in ("lay_summary: missing", "licensee: missing", "datasets", "purpose.primary", "items", "contacts", "term_months"):
        assert part in text


def test_an_item_without_justification_is_refused_with_its_number(world):
    form = dar_form(items=[{"table": "driver", "columns": "all", "justification": "need"}])
    app = create(world.gov, "dar", world.applicant.id, at=T0, form=form)
    with pytest.raises(Denied, match="item 1, justification"):
        execute(world.gov, app.id, "submit", world.applicant.id, at=T0)


def test_non_eea_without_adequacy_needs_all_privacy_confirmations_and_gets_the_non_eea_licence(world):
    g = world.gov
    br = make_person(g, "pi@usp.br", organisation_id="uni-br")
    form = dar_form(licensee="uni-br", signatory_email="pi@usp.br")
    app = create(g, "dar", world.applicant.id, at=T0, form=form)
    with pytest.raises(Denied, match="privacy_confirmations"):
        execute(g, app.id, "submit", world.applicant.id, at=T0)
    execute(g, app.id, "save_draft", world.applicant.id, at=T0, fields={"privacy_confirmations": [True] * len(PRIVACY_CONFIRMATIONS)})
    execute(g, app.id, "submit", world.applicant.id, at=T0 + DAY)
    execute(g, app.id, "assign", world.office.id, at=T0 + DAY, members=[world.sb1.id])
    execute(g, app.id, "assess", world.sb1.id, at=T0 + DAY, opinion="positive", reasons="ok")
    execute(g, app.id, "vote", world.dab1.id, at=T0 + DAY, vote="approve", reasons="ok")
    execute(g, app.id, "decide", world.dab1.id, at=T0 + DAY, decision="approve", reasons="ok")
    issued = execute(g, app.id, "issue_licence", world.office.id, at=T0 + 2 * DAY)
    assert issued.licence["variant"] == "non-EEA"
    with g.engine.connect() as conn:
        pdf = read_attachment(conn, issued.licence["sha256"])
    assert pdf.startswith(b"%PDF")
    assert br.email == issued.signatory


def test_a_changed_licence_voids_earlier_signatures(world):
    g = world.gov
    a = dar_in_state(world, S.PENDING_SIGNATURES)
    first = load_state(g, a).licence["sha256"]
    t = T0 + 23 * DAY
    execute(g, a, "sign", world.applicant.id, at=t, party="researcher", sha256=first, code=world.applicant.code(t))
    changed = execute(g, a, "issue_licence", world.office.id, at=t + DAY, amendments="Clause 6 added: cloud storage in the EU only.")
    assert changed.licence["sha256"] != first
    assert changed.signatures == {} and changed.voided_signatures == 1
    with pytest.raises(Denied, match="changed since you read it"):
        execute(g, a, "sign", world.signatory.id, at=t + 2 * DAY, party="licensee", sha256=first, code=world.signatory.code(t + 2 * DAY))


def test_the_licence_pdf_is_deterministic(world):
    g = world.gov
    a = dar_in_state(world, S.PENDING_SIGNATURES)
    again = execute(g, a, "issue_licence", world.office.id, at=T0 + 40 * DAY)
    assert again.licence["sha256"] == load_state(g, a).licence["sha256"]


def test_signing_needs_a_fresh_mfa_code_and_the_right_party(world):
    g = world.gov
    a = dar_in_state(world, S.PENDING_SIGNATURES)
    sha = load_state(g, a).licence["sha256"]
    t = T0 + 23 * DAY
    with pytest.raises(Denied, match="not valid"):
        execute(g, a, "sign", world.applicant.id, at=t, party="researcher", sha256=sha, code="000000")
    with pytest.raises(Denied, match="cannot sign as the licensee"):
        execute(g, a, "sign", world.applicant.id, at=t, party="licensee", sha256=sha, code=world.applicant.code(t))
    code = world.applicant.code(t)
    execute(g, a, "sign", world.applicant.id, at=t, party="researcher", sha256=sha, code=code)
    with pytest.raises(Denied, match="already signed"):
        execute(g, a, "sign", world.applicant.id, at=t, party="researcher", sha256=sha, code=code)


def test_no_download_before_all_three_signatures(world):
    g = world.gov
    a = dar_in_state(world, S.PENDING_SIGNATURES)
    sha = load_state(g, a).licence["sha256"]
    t = T0 + 23 * DAY
    execute(g, a, "sign", world.applicant.id, at=t, party="researcher", sha256=sha, code=world.applicant.code(t))
    execute(g, a, "sign", world.signatory.id, at=t, party="licensee", sha256=sha, code=world.signatory.code(t))
    d = can_download(g, world.contact.id, a, at=t + DAY)
    assert not d.allowed and "licence_pending_signatures" in d.reason


def test_download_is_denied_to_non_contacts_contacts_without_mfa_and_after_the_term(world):
    g = world.gov
    a = dar_in_state(world, S.ACTIVE)
    assert "not a download contact" in can_download(g, world.applicant.id, a, at=T0 + 30 * DAY).reason
    end = load_state(g, a).term_end
    assert not can_download(g, world.contact.id, a, at=end).allowed
    assert "expired" in can_download(g, world.contact.id, a, at=end + DAY).reason


def test_adding_a_download_contact_only_by_the_signatory_and_access_once_mfa_is_on(world):
    g = world.gov
    a = dar_in_state(world, S.ACTIVE)
    t = T0 + 40 * DAY
    with pytest.raises(Denied, match="licensee_signatory"):
        execute(g, a, "request_contact", world.applicant.id, at=t, name="New Person", position="postdoc", email="new@umcu.nl")
    execute(g, a, "request_contact", world.signatory.id, at=t, name="New Person", position="postdoc", email="new@umcu.nl")
    execute(g, a, "confirm_contact", world.office.id, at=t, request=1)
    newbie = make_person(g, "new@umcu.nl", mfa=False, organisation_id="umcu")
    assert "multi-factor" in can_download(g, newbie.id, a, at=t + DAY).reason
    from onconode.access import identity
    from tests.access.conftest import code_for

    enrol = identity.begin_mfa_enrolment(g, newbie.id, at=t)
    identity.confirm_mfa(g, newbie.id, code_for(enrol.secret, t), at=t)
    assert can_download(g, newbie.id, a, at=t + DAY).allowed
    assert "new@umcu.nl" in world.gov.mailer.to("download contact added")


def test_return_for_changes_then_resubmit_restarts_the_six_week_clock(world):
    g = world.gov
    a = dar_in_state(world, S.RETURNED)
    execute(g, a, "save_draft", world.applicant.id, at=T0 + 30 * DAY, fields={"title": "Revised title"})
    app = execute(g, a, "submit", world.applicant.id, at=T0 + 31 * DAY)
    assert app.state == S.SUBMITTED and app.received_at == T0 + 31 * DAY and app.votes == {}


def test_extension_is_decided_by_the_board_and_moves_the_term_end(world):
    g = world.gov
    a = dar_in_state(world, S.EXTENSION)
    before = load_state(g, a).term_end
    app = execute(g, a, "decide_extension", world.dab2.id, at=T0 + 310 * DAY, decision="approve", reasons="Progress report is convincing.")
    assert app.state == S.ACTIVE and app.term_end == S.add_months(before, 6)
    assert "researcher@umcu.nl" in g.mailer.to("extension approved")


def test_term_end_reminder_once_then_automatic_expiry(world):
    g = world.gov
    a = dar_in_state(world, S.ACTIVE)
    end = load_state(g, a).term_end
    done = run_deadlines(g, at=end - 30 * DAY)
    assert any("term ends" in d for d in done)
    assert run_deadlines(g, at=end - 29 * DAY) == []
    assert "director@umcu.nl" in g.mailer.to("licence term ends")
    run_deadlines(g, at=end + dt.timedelta(minutes=1))
    assert load_state(g, a).state == S.EXPIRED
    assert not can_download(g, world.contact.id, a, at=end - DAY).allowed


def test_six_week_decision_deadline_is_tracked_flagged_and_reminded(world):
    g = world.gov
    a = dar_in_state(world, S.SCIENTIFIC)
    received = load_state(g, a).received_at
    due = received + dt.timedelta(weeks=6)
    [row] = [d for d in deadline_report(g, at=due + DAY) if d.application == a]
    assert row.overdue and row.due == due
    run_deadlines(g, at=due - 3 * DAY)
    assert "sb1@board.org" in g.mailer.to("decision deadline near")
    assert "dab1@board.org" in g.mailer.to("decision deadline near")


def test_public_register_lists_approved_dars_only(world):
    g = world.gov
    approved = dar_in_state(world, S.ACTIVE)
    dar_in_state(world, S.REJECTED)
    dar_in_state(world, S.DRAFT)
    rows = public_register(g)
    assert [r["number"] for r in rows] == [approved]
    assert rows[0]["institution"] == "UMC Utrecht" and rows[0]["lay_summary"].startswith("We study")


def test_views_and_downloads_are_logged_including_denied_attempts(world):
    g = world.gov
    a = dar_in_state(world, S.ACTIVE)
    assert log_access(g, world.contact.id, a, "download", "somatic_variant.parquet", at=T0 + 30 * DAY).allowed
    assert not log_access(g, world.applicant.id, a, "view", "patient", at=T0 + 30 * DAY).allowed
    from onconode.access.audit import stream_events

    with g.engine.connect() as conn:
        types = [e.type for e in stream_events(conn, f"access:{a}")]
    assert types == ["data_download", "data_view_denied"]


def test_attachments_are_stored_by_sha256(world):
    import hashlib

    g = world.gov
    a = create(g, "dar", world.applicant.id, at=T0, form=dar_form()).id
    content = b"%PDF-1.4 ethics approval METC 2026-001"
    app = execute(g, a, "attach", world.applicant.id, at=T0, filename="ethics.pdf", content=content, kind="ethics", media_type="application/pdf")
    assert app.attachments[0]["sha256"] == hashlib.sha256(content).hexdigest()


def test_notifications_for_each_step_reach_the_right_people(world):
    a = dar_in_state(world, S.ACTIVE)
    m = world.gov.mailer
    assert "researcher@umcu.nl" in m.to("] submitted")
    assert "office@foundation.org" in m.to("new application submitted")
    assert "sb1@board.org" in m.to("assigned to you")
    assert "researcher@umcu.nl" in m.to("decision: approve")
    assert {"researcher@umcu.nl", "director@umcu.nl", "office@foundation.org"} <= m.to("signature needed")
    assert "analyst@umcu.nl" in m.to("access activated")
    assert a


def load_state(g, a):
    with g.engine.connect() as conn:
        return load(conn, a)
