"""Consent withdrawal: the one operation that deletes history.

A withdrawn patient's rows disappear from the current store and from every earlier
version, so no freeze, query or release can show them again; the `withdrawal` table
records who, when and how many rows, which is what keeps freezes explainable.
"""

from __future__ import annotations

import datetime as dt

from onconode.model import TABLES
from onconode.store import derived
from onconode.store.store import Store, StoreError


def withdraw_patient(store: Store, patient_id: str, reason: str = "") -> int:
    """Delete every row of a patient from every version; returns the rows removed."""
    con = store.con
    if con.execute("SELECT 1 FROM withdrawal WHERE patient_id = ?", [patient_id]).fetchall():
        raise StoreError(f"patient {patient_id} has already withdrawn consent; nothing to do")
    samples = [r[0] for r in con.execute("SELECT DISTINCT sample_id FROM sample WHERE patient_id = ?", [patient_id]).fetchall()]
    known = con.execute("SELECT 1 FROM patient WHERE patient_id = ? LIMIT 1", [patient_id]).fetchall()
    if not known and not samples:
        raise StoreError(
            f"no patient {patient_id} in the store (check the pseudonym, e.g. with `onconode stats`)"
        )
    con.execute("BEGIN TRANSACTION")
    try:
        version = store.current_version + 1
        removed = 0
        for t in TABLES:
            if "patient_id" in t.column_names:
                cond, params = '"patient_id" = ?', [patient_id]
            elif "sample_id" in t.column_names and samples:
                cond, params = '"sample_id" IN (SELECT unnest(?::VARCHAR[]))', [samples]
            else:
                continue
            removed += int(con.execute(f'SELECT count(*) FROM "{t.name}" WHERE {cond}', params).fetchall()[0][0])
            con.execute(f'DELETE FROM "{t.name}" WHERE {cond}', params)
        now = dt.datetime.now()
        con.execute(
            "INSERT INTO withdrawal VALUES (?, ?, ?, ?, ?, ?)",
            [patient_id, ",".join(samples), now, version, removed, reason],
        )
        con.execute(
            "INSERT INTO store_version VALUES (?, ?, 'withdraw', ?, 0, ?)",
            [version, now, f"consent withdrawal of {patient_id}", removed],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    # Everything derived before (release snapshots, Beacon indexes, analysis and federation
    # tables) is keyed by the old withdrawal sequence, so no reader opens it again; delete it
    # so the patient's rows do not stay on disk in a copy.
    derived.drop_stale(store)
    return removed
