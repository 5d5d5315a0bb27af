"""Who and what a release holds: exactly the approved cohort and data items, minus
patients whose consent does not cover the purpose and minus withdrawn patients.

The selection is decided here, from the application's folded state (access.workflow) and
the store at the application's freeze; the builder only writes what it is given. A
release that cannot be made correctly is refused with the reason, never made partly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from onconode.access import events as S
from onconode.access.events import Application
from onconode.analysis import germline
from onconode.model import TABLES_BY_NAME
from onconode.model.tables import GERMLINE_TABLES
from onconode.release import ReleaseError
from onconode.store.store import Store, StoreError, StoreSnapshot
from onconode.access.clinical_request import hospital_patients
from onconode.analysis import cohort as cohorts, saved
from onconode.access.duo import Requester, Purpose, excluded_patients
from onconode.access.organisations import get_organisation

RELEASABLE = {"dar": {S.ACTIVE, S.EXTENSION}, "clinical": {S.APPROVED, S.ACTIVE}}


@dataclass(frozen=True)
class Selection:
    app_id: str
    kind: str
    freeze: str
    version: int
    freeze_created: dt.datetime
    items: dict[str, list[str]]  # table -> approved columns, in model order
    patients: frozenset[str]
    samples: frozenset[str]
    excluded_consent: dict[str, list[str]] = field(default_factory=dict)
    excluded_withdrawn: frozenset[str] = frozenset()
    hospital_code: str | None = None
    # samples whose germline tables may be released: the germline items are approved by name
    # and the patient consented to germline use (analysis/germline.py); empty otherwise
    germline_samples: frozenset[str] = frozenset()
    excluded_germline: frozenset[str] = frozenset()   # released patients whose germline rows are withheld


def approved_items(app: Application) -> dict[str, list[str]]:
    """Table -> columns from the approving decision (DAR) or the approved form (Clinical
    Request), checked against the data model; columns in the model's order."""
    raw = (app.decision or {}).get("items") if app.kind == "dar" else app.form.get("items")
    if not raw:
        raise ReleaseError(f"{app.id} approves no data items; nothing can be released")
    out: dict[str, list[str]] = {}
    for item in raw:
        name = item.get("table")
        table = TABLES_BY_NAME.get(name)
        if table is None:
            raise ReleaseError(f"{app.id} approves table {name!r}, which is not in this node's data model; "
                               "the office must correct the decision before a release can be built")
        wanted = table.column_names if item.get("columns") in (None, "all") else list(item["columns"])
        missing = [c for c in wanted if c not in table.column_names]
        if missing:
            raise ReleaseError(f"{app.id} approves columns {', '.join(missing)} of {name}, which the table does not have "
                               f"(it has {', '.join(table.column_names)})")
        out[name] = [c for c in table.column_names if c in wanted]
    return out


def _freeze_of(store: Store, app: Application) -> tuple[str, int, dt.datetime]:
    freeze = app.form.get("freeze")
    freezes = {f.freeze_id: f for f in store.freezes()}
    if not freeze and app.kind == "clinical" and freezes:
        freeze = max(freezes.values(), key=lambda f: (f.created_at, f.freeze_id)).freeze_id
    if not freeze:
        raise ReleaseError(f"{app.id} names no data freeze; a release is always built from a freeze "
                           "(set the form's freeze before approval, e.g. DR-2026-11)")
    if freeze not in freezes:
        known = ", ".join(sorted(freezes)) or "none"
        raise ReleaseError(f"freeze {freeze} of {app.id} does not exist in this store (freezes: {known}); "
                           f"create it with `onconode freeze create {freeze}` or correct the application")
    return freeze, freezes[freeze].version, freezes[freeze].created_at


def _ids(store: Store, table: str, column: str, version: int) -> set[str]:
    sql = f'SELECT DISTINCT "{column}" FROM ({store.relation_sql(table, version)}) WHERE "{column}" IS NOT NULL'
    return {r[0] for r in store.con.execute(sql).fetchall()}


def _cohort(store: Store, app: Application, freeze: str, version: int) -> tuple[set[str], set[str] | None, str | None]:
    """Patients (and samples, if the cohort is sample-level) before consent and withdrawal."""
    if app.kind == "clinical":
        hospital = app.form.get("hospital_code")
        if not hospital:
            raise ReleaseError(f"{app.id} has no hospital; a Clinical Request releases only its hospital's patients")
        own = hospital_patients(store, hospital, freeze=freeze)
        return set(app.form.get("patients") or ()) & own, None, hospital
    cohort_id = app.form.get("cohort")
    if cohort_id:
        definition = saved.load(store, cohort_id).definition
        c = cohorts.evaluate(StoreSnapshot(store, version, freeze), definition)
        return set(c.patient_ids), set(c.sample_ids), None
    datasets = list(app.form.get("datasets") or [])
    rows = store.con.execute(
        f'SELECT patient_id FROM ({store.relation_sql("patient", version)}) WHERE dataset_id IN (SELECT unnest(?::VARCHAR[]))',
        [datasets]).fetchall()
    return {r[0] for r in rows}, None, None


def _requester(gov: Any, app: Application) -> Any:
    if app.kind == "clinical" or not app.form.get("licensee"):
        return Requester(non_profit=True, country="", term_end=app.term_end.date() if app.term_end else None, ethics_approval=True)
    with gov.engine.connect() as conn:
        org = get_organisation(conn, app.form["licensee"])
    ethics = any(a.get("kind") == "ethics" for a in app.attachments)
    return Requester(org.sector != "commercial", org.country, app.term_end.date() if app.term_end else None, ethics)


def select(store: Store, gov: Any, app: Application, at: dt.datetime) -> Selection:
    """The release of `app` as of `at`, or ReleaseError saying why there can be none."""
    state = app.state_at(at)
    if state not in RELEASABLE.get(app.kind, set()):
        need = " or ".join(sorted(RELEASABLE.get(app.kind, set())))
        raise ReleaseError(f"{app.id} is {state}: a release is built only while it is {need}")
    items = approved_items(app)
    try:
        freeze, version, created = _freeze_of(store, app)
    except StoreError as exc:
        raise ReleaseError(str(exc)) from exc
    patients, cohort_samples, hospital = _cohort(store, app, freeze, version)
    purpose = Purpose.from_form(app.form.get("purpose") or {"primary": "GRU"})
    excluded = excluded_patients(store, purpose, _requester(gov, app), freeze=freeze, patients=patients)
    withdrawn = frozenset(patients & store.withdrawn_patients())
    keep = patients - set(excluded) - withdrawn
    all_samples = {}
    for sid, pid in store.con.execute(f'SELECT sample_id, patient_id FROM ({store.relation_sql("sample", version)})').fetchall():
        all_samples[sid] = pid
    samples = {s for s, p in all_samples.items() if p in keep and (cohort_samples is None or s in cohort_samples)}
    if not keep:
        raise ReleaseError(f"no patient of {app.id}'s cohort in freeze {freeze} may be released "
                           f"({len(patients)} in the cohort, {len(excluded)} without matching consent, {len(withdrawn)} withdrawn)")
    germline_samples: frozenset[str] = frozenset()
    no_germline: frozenset[str] = frozenset()
    if any(t in GERMLINE_TABLES for t in items):
        consented = set(germline.consented_patients(StoreSnapshot(store, version, freeze)).to_pyarrow()["patient_id"].to_pylist())
        germline_samples = frozenset(s for s in samples if all_samples[s] in consented)
        no_germline = frozenset(keep - consented)
    return Selection(app.id, app.kind, freeze, version, created, items, frozenset(keep), frozenset(samples),
                     dict(sorted(excluded.items())), withdrawn, hospital, germline_samples, no_germline)
