"""Clinical Requests release only the requesting hospital's patients, and the one-week
preparation target is tracked (access.deadlines, shown on the office dashboard)."""

from __future__ import annotations

import dataclasses

import pyarrow.parquet as pq

from onconode.access import events as S
from onconode.access.clinical_request import hospital_patients
from onconode.access.deadlines import deadlines_of
from onconode.access.entitlements import can_download
from onconode.access.roles import Role
from onconode.access.workflow import create, execute, load
from onconode.release.builder import build
from onconode.release.selection import select

from tests.access.conftest import T0, make_person
from tests.release.conftest import DAY, FREEZE, Env
from tests.release.test_builder import real_ids


def test_a_clinical_request_releases_only_the_chosen_patients_of_the_physicians_hospital(env: Env):
    store, gov, w = env.store, env.gov, env.world
    hospital = store.con.execute("SELECT hospital_code FROM patient GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchall()[0][0]
    own = sorted(hospital_patients(store, hospital, freeze=FREEZE))
    gru = {r[0] for r in store.con.execute("SELECT patient_id FROM consent WHERE duo_code = 'DUO:0000042'").fetchall()}
    chosen = [p for p in own if p in gru][:3]
    assert len(chosen) >= 2
    doctor = make_person(gov, "oncologist@hospital.nl", (Role.TREATING_PHYSICIAN,), hospital_code=hospital)
    local_pi = make_person(gov, "local-pi@hospital.nl", (Role.LOCAL_PI,), hospital_code=hospital)
    form = {"title": "Treatment decision for three patients", "lay_summary": "Genomic data to choose the next line.",
            "scenario": "treatment", "patients": chosen, "term_months": 3, "freeze": FREEZE,
            "items": [{"table": "somatic_variant", "columns": "all", "justification": "Actionable mutations for treatment choice."},
                      {"table": "sample", "columns": ["sample_id", "patient_id"], "justification": "Which biopsy each variant is from."}]}
    cr = create(gov, "clinical", doctor.id, at=T0, form=form).id
    execute(gov, cr, "submit", doctor.id, at=T0 + DAY, patients_of=lambda h: hospital_patients(store, h, freeze=FREEZE))
    execute(gov, cr, "approve_purpose", w.central_pi.id, at=T0 + 2 * DAY)
    execute(gov, cr, "approve_purpose", local_pi.id, at=T0 + 3 * DAY)
    with gov.engine.connect() as conn:
        app = load(conn, cr)
    assert app.state == S.APPROVED
    target = [d for d in deadlines_of(app, T0 + 11 * DAY) if d.kind == "clinical"][0]
    assert target.what.startswith("data prepared (one week") and target.overdue

    built = build(env.home, store, gov, cr, at=T0 + 4 * DAY)
    released = pq.read_table(built.path / "tables" / "sample.parquet").column("patient_id").to_pylist()
    assert real_ids(env, cr, "patient", released) == set(chosen)
    assert built.manifest["hospital_code"] == hospital

    # Even a form that named another hospital's patient could not widen the release.
    foreign = store.con.execute("SELECT patient_id FROM patient WHERE hospital_code <> ? LIMIT 1", [hospital]).fetchall()[0][0]
    widened = dataclasses.replace(app, form={**app.form, "patients": chosen + [foreign]})
    assert foreign not in select(store, gov, widened, T0 + 4 * DAY).patients

    execute(gov, cr, "mark_prepared", w.manager.id, at=T0 + 5 * DAY)
    assert can_download(gov, doctor.id, cr, T0 + 6 * DAY)
    assert not can_download(gov, w.contact.id, cr, T0 + 6 * DAY)
