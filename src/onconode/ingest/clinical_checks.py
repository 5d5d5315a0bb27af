"""Checks across clinical rows, files and the store (docs/clinical-tsv.md, "Checks").

Value-level checks (types, code lists) happen while reading; these are the ones that need
more than one cell: duplicates, dates against each other and against today, references
between files, and conflicts with what the store already holds. Every finding carries
the file, line and column of the value to fix.
"""

from __future__ import annotations

import datetime as dt

from onconode.ingest.clinical_bundle import (
    PATIENT_TABLES,
    Bundle,
    Findings,
    Record,
    current_rows,
)
from onconode.ingest.values import BadValue, coerce
from onconode.model import TABLES_BY_NAME, Kind
from onconode.store import Store


def check_bundle(bundle: Bundle, store: Store, findings: Findings, today: dt.date | None = None) -> None:
    """Add every cross-row problem of `bundle` to `findings`."""
    _duplicates(bundle, findings)
    _patients_known(bundle, findings)
    _datasets(bundle, store, findings)
    _dates(bundle, findings, today or dt.date.today())
    _samples_and_treatments(bundle, store, findings)
    _responses(bundle, store, findings)
    _consents(bundle, store, findings)
    _withdrawn(bundle, store, findings)


def check_values(bundle: Bundle, findings: Findings) -> None:
    """Code lists and ranges of values that did not come through `coerce` (readers of typed
    formats such as JSON build values directly)."""
    for name in ("dataset", *PATIENT_TABLES):
        checked = [c for c in TABLES_BY_NAME[name].columns if c.codes or c.minimum is not None or c.maximum is not None]
        for r in bundle.records[name]:
            for c in checked:
                if r[c.name] is not None:
                    try:
                        coerce(r[c.name], c)
                    except BadValue as exc:
                        _error(findings, r, c.name, str(exc))


def _error(findings: Findings, record: Record, column: str, message: str, hint: str = "") -> None:
    findings.error(*record.where(column), message, hint)


def _warning(findings: Findings, record: Record, column: str, message: str, hint: str = "") -> None:
    findings.warning(*record.where(column), message, hint)


def _at(record: Record, seen_from: Record | None = None) -> str:
    """Where `record` is, as seen from a finding about `seen_from`: its line in the same
    file, its file and line in another (two exports may both hold a patient)."""
    if record.line is None:
        return record.file
    if seen_from is not None and seen_from.file != record.file:
        return f"{record.file}:{record.line}"
    return f"line {record.line}"


def _duplicates(bundle: Bundle, findings: Findings) -> None:
    for name in ("dataset", *PATIENT_TABLES):
        key = TABLES_BY_NAME[name].key
        seen: dict[tuple, Record] = {}
        for r in bundle.records[name]:
            k = tuple(r[c] for c in key)
            if any(v is None for v in k):
                continue  # a missing key value is already reported
            if k in seen:
                shown = ", ".join(f"{c} {v}" for c, v in zip(key, k))
                _error(findings, r, key[-1], f"duplicate row: {shown} already appears on {_at(seen[k], r)}", "keep one row for it")
            else:
                seen[k] = r


def _patients_known(bundle: Bundle, findings: Findings) -> None:
    patients = set(bundle.patient_ids())
    for name in PATIENT_TABLES[1:]:
        for r in bundle.records[name]:
            pid = r["patient_id"]
            if pid is not None and pid not in patients:
                _error(
                    findings, r, "patient_id", f"patient {pid} has no row in {bundle.patients_file}",
                    f"add the patient to {bundle.patients_file}: a patient's record is always sent complete",
                )


def _datasets(bundle: Bundle, store: Store, findings: Findings) -> None:
    sent = {r["dataset_id"] for r in bundle.records["dataset"]}
    patients = [r for r in bundle.records["patient"] if r["patient_id"] and r["dataset_id"]]
    stored_datasets = {row[0] for row in current_rows(store, "dataset", ["dataset_id"], "dataset_id", [r["dataset_id"] for r in patients])}
    stored_patients = dict(current_rows(store, "patient", ["patient_id", "dataset_id"], "patient_id", [r["patient_id"] for r in patients]))
    for r in patients:
        ds = r["dataset_id"]
        if ds not in sent and ds not in stored_datasets:
            _error(findings, r, "dataset_id", f"dataset {ds} is neither in datasets.tsv nor in the store", "add it to datasets.tsv (id and title)")
        before = stored_patients.get(r["patient_id"])
        if before is not None and before != ds:
            _error(
                findings, r, "dataset_id", f"patient {r['patient_id']} is already in dataset {before}; a patient belongs to one dataset",
                "use the patient's dataset, or withdraw and re-register the patient under a new pseudonym",
            )


def _dates(bundle: Bundle, findings: Findings, today: dt.date) -> None:
    birth = {r["patient_id"]: r["birth_year"] for r in bundle.records["patient"] if r["birth_year"] is not None}
    for name in ("patient", *PATIENT_TABLES[1:]):
        date_columns = [c.name for c in TABLES_BY_NAME[name].columns if c.kind is Kind.DATE]
        for r in bundle.records[name]:
            year = birth.get(r["patient_id"])
            for c in date_columns:
                value = r[c]
                if value is None:
                    continue
                if value > today:
                    _error(findings, r, c, f"{value} is in the future", "check the date (YYYY-MM-DD)")
                elif year is not None and value.year < year:
                    _error(findings, r, c, f"{value} is before the patient's birth year {year}", "check the date and the birth year")
    for r in bundle.records["treatment"]:
        if r["start_date"] and r["end_date"] and r["end_date"] < r["start_date"]:
            _error(findings, r, "end_date", f"the treatment ends ({r['end_date']}) before it starts ({r['start_date']})", "check both dates")
    _life_order(bundle, findings)


# What happens to a patient after death, checked against patient.death_date: (table, date column, what it is).
AFTER_DEATH = (
    ("sample", "sampling_date", "the biopsy"), ("treatment", "start_date", "the treatment starts"),
    ("treatment", "end_date", "the treatment ends"), ("treatment_response", "response_date", "the response is assessed"),
)


def _life_order(bundle: Bundle, findings: Findings) -> None:
    """Dates in an order that cannot happen: death or the last follow-up before the diagnosis,
    a follow-up after death, and a biopsy, treatment or response after death. Survival counts
    from these dates, so one such row would give a negative or impossible survival time."""
    patients = {r["patient_id"]: r for r in bundle.records["patient"] if r["patient_id"]}
    for r in patients.values():
        dx, death, seen = r["diagnosis_date"], r["death_date"], r["last_follow_up_date"]
        if dx and death and death < dx:
            _error(findings, r, "death_date", f"the death ({death}) is before the diagnosis ({dx})", "check both dates")
        if dx and seen and seen < dx:
            _error(findings, r, "last_follow_up_date", f"the last follow-up ({seen}) is before the diagnosis ({dx})", "check both dates")
        if death and seen and seen > death:
            _error(findings, r, "last_follow_up_date", f"the last follow-up ({seen}) is after the death ({death})",
                   "check both dates; for a deceased patient the last follow-up is at most the date of death")
    for table, column, what in AFTER_DEATH:
        for r in bundle.records[table]:
            patient = patients.get(r["patient_id"])
            death = patient["death_date"] if patient is not None else None
            if death and r[column] and r[column] > death:
                file, line, where = patient.where("death_date")
                at = f"{file}:{line}" if line is not None else file
                _error(findings, r, column, f"{what} ({r[column]}) after the patient's death ({death}, {at}: {where})",
                       "check this date and the date of death")


def _samples_and_treatments(bundle: Bundle, store: Store, findings: Findings) -> None:
    """Ids unique in the node: a sample or treatment id may not belong to another patient."""
    for table, key in (("sample", "sample_id"), ("treatment", "treatment_id")):
        records = bundle.records[table]
        stored = dict(current_rows(store, table, [key, "patient_id"], key, [r[key] for r in records]))
        for r in records:
            owner = stored.get(r[key])
            if owner is not None and owner != r["patient_id"]:
                _error(findings, r, key, f"{key} {r[key]} already belongs to patient {owner} in the store", "ids are unique in the node; use another id")
    samples = _owners(bundle, store, "sample", "sample_id", [r["sample_id"] for r in bundle.records["treatment"]])
    for r in bundle.records["treatment"]:
        sid = r["sample_id"]
        if sid is None:
            continue
        owner = samples.get(sid)
        if owner is None:
            _warning(findings, r, "sample_id", f"biopsy {sid} is not in biopsies.tsv or the store", "add the biopsy or leave sample_id empty")
        elif owner != r["patient_id"]:
            _error(findings, r, "sample_id", f"biopsy {sid} belongs to patient {owner}, not {r['patient_id']}", "link the treatment to a biopsy of the same patient")


def _owners(bundle: Bundle, store: Store, table: str, key: str, wanted: list[str]) -> dict[str, str]:
    """id → patient for `table`, from the bundle if it speaks for the table, else the store."""
    if table in bundle.sent:
        return {r[key]: r["patient_id"] for r in bundle.records[table] if r[key]}
    return dict(current_rows(store, table, [key, "patient_id"], key, wanted))


def _responses(bundle: Bundle, store: Store, findings: Findings) -> None:
    treatments = {r["treatment_id"]: r for r in bundle.records["treatment"] if r["treatment_id"]}
    stored = {} if "treatment" in bundle.sent else {
        tid: (pid, start) for tid, pid, start in current_rows(
            store, "treatment", ["treatment_id", "patient_id", "start_date"], "treatment_id",
            [r["treatment_id"] for r in bundle.records["treatment_response"]],
        )
    }
    for r in bundle.records["treatment_response"]:
        tid = r["treatment_id"]
        if tid is None:
            continue
        if tid in treatments:
            owner, start = treatments[tid]["patient_id"], treatments[tid]["start_date"]
        elif tid in stored:
            owner, start = stored[tid]
        else:
            where = "treatments.tsv" if "treatment" in bundle.sent else "treatments.tsv or the store"
            _error(findings, r, "treatment_id", f"treatment {tid} is not in {where}", "add the treatment, or correct the treatment_id")
            continue
        if owner != r["patient_id"]:
            _error(findings, r, "treatment_id", f"treatment {tid} belongs to patient {owner}, not {r['patient_id']}", "correct the patient_id or the treatment_id")
        elif start and r["response_date"] and r["response_date"] < start:
            # A response measures a treatment's effect, so it cannot precede it; a baseline scan is not a response.
            _error(findings, r, "response_date", f"the response ({r['response_date']}) is dated before its treatment started ({start})",
                   "check both dates; leave baseline assessments out of the responses")
    if "treatment" in bundle.sent and "treatment_response" not in bundle.sent:
        _orphaned_responses(bundle, store, findings, set(treatments))


def _orphaned_responses(bundle: Bundle, store: Store, findings: Findings, kept: set[str]) -> None:
    """Sending treatments without responses keeps the stored responses, so none of them may
    point at a treatment the new treatments.tsv dropped."""
    rows = current_rows(store, "treatment_response", ["patient_id", "treatment_id"], "patient_id", bundle.patient_ids())
    lost = sorted({tid for _, tid in rows if tid not in kept})
    if lost:
        file = bundle.records["treatment"][0].file if bundle.records["treatment"] else bundle.patients_file
        findings.error(
            file, None, "treatment_id", f"stored responses refer to treatment(s) {', '.join(lost[:10])} that this treatments.tsv no longer has",
            "send responses.tsv together with treatments.tsv",
        )


def _consents(bundle: Bundle, store: Store, findings: Findings) -> None:
    if "consent" in bundle.sent:
        having = {r["patient_id"] for r in bundle.records["consent"]}
    else:
        having = {row[0] for row in current_rows(store, "consent", ["patient_id"], "patient_id", bundle.patient_ids())}
    for r in bundle.records["patient"]:
        if r["patient_id"] and r["patient_id"] not in having:
            _warning(findings, r, "patient_id", f"patient {r['patient_id']} has no consent rows", "record the patient's consent as DUO terms (consents.tsv)")


def _withdrawn(bundle: Bundle, store: Store, findings: Findings) -> None:
    withdrawn = store.withdrawn_patients()
    for r in bundle.records["patient"]:
        if r["patient_id"] in withdrawn:
            _warning(findings, r, "patient_id", f"patient {r['patient_id']} withdrew consent; none of their rows are loaded", "remove the patient from the export")
