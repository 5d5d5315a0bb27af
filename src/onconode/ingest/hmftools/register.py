"""Registering an oncoanalyser run's samples, so genomic data is analysable the moment it lands.

Cohorts start from the `sample` table (sample → patient). A genomic ingest that wrote no
sample rows left its data invisible until the clinical export arrived. The patient of
each sample comes from the run's sample sheet (oncoanalyser's `subject_id`), else from the
clinical data already stored; a sample with neither is named in a warning. Clinical
sample rows are never overwritten: a later clinical ingest of the patient replaces the
registered row with the full one.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from onconode.ingest.problems import Problems
from onconode.ingest.tsv import open_text
from onconode.ingest.values import to_arrow
from onconode.model.tables import SAMPLE
from onconode.store import Store

SHEET_COLUMNS = ("subject_id", "sample_id")


def find_sample_sheet(root: Path) -> Path | None:
    """A `samplesheet*.csv` directly in the ingested folder (or its pipeline_info/), if exactly one."""
    folder = root if root.is_dir() else root.parent
    found = sorted({*folder.glob("samplesheet*.csv"), *folder.glob("pipeline_info/samplesheet*.csv")})
    return found[0] if len(found) == 1 else None


def read_sample_sheet(path: Path, problems: Problems) -> dict[str, str]:
    """Tumour sample id (lower case) → patient (subject) id from an oncoanalyser sample sheet.

    Normal, donor and RNA rows name the same subject and add nothing; a sample named with
    two subjects is a problem, since its data would belong to two people.
    """
    shown = str(path)
    out: dict[str, str] = {}
    try:
        with open_text(path) as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in SHEET_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                problems.error(shown, 1, ", ".join(missing), f"the sample sheet has no {', '.join(missing)} column",
                               "give oncoanalyser's sample sheet: group_id,subject_id,sample_id,sample_type,sequence_type,filetype,filepath")
                return {}
            for line, row in enumerate(reader, start=2):
                sample, subject = (row.get("sample_id") or "").strip(), (row.get("subject_id") or "").strip()
                if not sample or not subject:
                    continue
                key = sample.lower()
                if out.get(key, subject) != subject:
                    problems.error(shown, line, "subject_id", f"sample {sample} is given to subjects {out[key]} and {subject}",
                                   "each sample belongs to one patient: correct the sample sheet")
                out[key] = subject
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        problems.error(shown, None, None, f"cannot read the sample sheet ({exc})", "give it as a UTF-8 CSV file")
    return out


def register(
    store: Store, tx: Any, samples: list[tuple[str, str]], sheet: dict[str, str], problems: Problems,
) -> tuple[list[str], list[str], list[str]]:
    """Write a sample row for each (stored id, file prefix) not yet in the store.

    Returns (registered, not registered for want of a patient, without clinical data);
    a sample lacks clinical data while its patient has no `patient` row. Loading genomics
    before the clinical export is routine, so the unregistered are a note of the report,
    not a warning.
    """
    version = store.current_version
    ids = [s for s, _ in samples]
    held = dict(store.con.execute(
        f"SELECT sample_id, patient_id FROM ({store.relation_sql('sample', version)}) WHERE sample_id IN (SELECT unnest(?::VARCHAR[]))",
        [ids]).fetchall())
    new_rows, registered, unknown = [], [], []
    for sample_id, prefix in samples:
        patient = sheet.get(sample_id.lower()) or sheet.get(prefix.lower())
        if sample_id in held:
            if patient and patient != held[sample_id]:
                problems.warning(str(sample_id), None, None,
                                 f"the sample sheet gives patient {patient}, the stored clinical data {held[sample_id]}; kept {held[sample_id]}",
                                 "correct whichever is wrong")
            continue
        if patient is None:
            unknown.append(sample_id)
            continue
        new_rows.append({"sample_id": sample_id, "patient_id": patient})
        registered.append(sample_id)
    if new_rows:
        tx.replace("sample", to_arrow(SAMPLE, new_rows))
    patients = {**{s: held[s] for s in held}, **{r["sample_id"]: r["patient_id"] for r in new_rows}}
    known = {r[0] for r in store.con.execute(
        f"SELECT patient_id FROM ({store.relation_sql('patient', version)}) WHERE patient_id IN (SELECT unnest(?::VARCHAR[]))",
        [sorted(set(patients.values()))]).fetchall()}
    without = sorted({s for s in ids if patients.get(s) not in known})
    return registered, unknown, without
