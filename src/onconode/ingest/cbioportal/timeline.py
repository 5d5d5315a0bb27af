"""Timeline files → treatment and treatment_drug (TREATMENT events; other events are counted).

Timeline dates are whole days relative to the patient's day 0 (diagnosis), placed on the
anchor date. Rows of one patient with the same START_DATE and STOP_DATE are one regimen
(a combination is written as one row per agent); the regimen's drugs are its AGENTs,
curated through the same drug table as the clinical TSV reader (canonical name, type,
mechanism, ATC code). An agent the table does not know keeps its recorded name, the
type its SUBTYPE says and AGENT_CLASS as mechanism, with curated = false.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from onconode.ingest.cbioportal.common import ANCHOR_DATE, days_after_anchor, is_null
from onconode.ingest.curation import DrugCuration, default_drug_table
from onconode.ingest.problems import Problems
from onconode.ingest.tsv import read_tsv
from onconode.progress import Progress, silent

REQUIRED = ("PATIENT_ID", "START_DATE", "STOP_DATE", "EVENT_TYPE")
# cBioPortal SUBTYPE / TREATMENT_TYPE words → the model's drug types (codes.TREATMENT_TYPES).
DRUG_TYPES = {
    "chemo": "Chemotherapy", "chemotherapy": "Chemotherapy",
    "hormone": "Hormonal therapy", "hormonal": "Hormonal therapy", "hormone therapy": "Hormonal therapy",
    "hormonal therapy": "Hormonal therapy", "endocrine": "Hormonal therapy",
    "targeted": "Targeted therapy", "targeted therapy": "Targeted therapy",
    "immuno": "Immunotherapy", "immunotherapy": "Immunotherapy", "immune checkpoint inhibitor": "Immunotherapy",
    "radiation therapy": "Radiotherapy", "radiation": "Radiotherapy", "radiotherapy": "Radiotherapy",
    "wprt": "Radiotherapy", "ivrt": "Radiotherapy", "imrt": "Radiotherapy", "sbrt": "Radiotherapy",
    "surgery": "Surgery", "investigational": "Experimental therapy", "experimental": "Experimental therapy",
}
AGENT_LIST = re.compile(r"\s*,\s*")  # "Carboplatin, Paclitaxel"; '+' and '/' are split by the drug table
DAYS = re.compile(r"^-?[0-9]+$")


@dataclass
class TimelineLoad:
    treatments: list[dict] = field(default_factory=list)
    drugs: list[dict] = field(default_factory=list)
    other_events: Counter = field(default_factory=Counter)
    unmapped: Counter = field(default_factory=Counter)


@dataclass
class _Event:
    patient: str
    start: int
    stop: int | None
    agents: list[tuple[str, DrugCuration | None]]
    drug_type: str | None
    mechanism: str | None


def _cell(row: dict[str, str], name: str) -> str | None:
    raw = row.get(name)
    return None if raw is None or is_null(raw) else raw.strip()


def _drug_type(row: dict[str, str]) -> str | None:
    for name in ("SUBTYPE", "TREATMENT_TYPE"):
        value = _cell(row, name)
        if value and value.lower() in DRUG_TYPES:
            return DRUG_TYPES[value.lower()]
    return "Other" if _cell(row, "SUBTYPE") or _cell(row, "TREATMENT_TYPE") else None


# OS_MONTHS is months with two decimals or fewer, so a death date derived from it is known to
# within about half a month; an event later than that after it is reported, not guessed away.
AFTER_DEATH_SLACK_DAYS = 16


def _after_death(shown: str, line: int, column: str, day: int, death: dt.date | None, problems: Problems) -> None:
    """Warn when an event's day (after diagnosis) falls after the death that OS_MONTHS records."""
    if death is not None and days_after_anchor(day) > death + dt.timedelta(days=AFTER_DEATH_SLACK_DAYS):
        problems.warning(shown, line, column, f"day {day} is after the patient's death (OS_MONTHS puts it at day {(death - ANCHOR_DATE).days})",
                         "check the event's days and the patient's OS_MONTHS")


def _read_events(path: Path, known: set[str] | None, problems: Problems, load: TimelineLoad, advance,
                 deaths: Mapping[str, dt.date] | None = None) -> list[_Event]:
    shown = str(path)
    events: list[_Event] = []
    header_ok = True
    for line, row in read_tsv(path, problems, required=REQUIRED, comment="#"):
        if header_ok and list(row)[:4] != list(REQUIRED):
            problems.error(shown, line - 1, None, f"the first columns are {', '.join(list(row)[:4])}",
                           f"a timeline file starts with {', '.join(REQUIRED)} in this order")
            return events
        header_ok = False
        if problems.full:
            break
        advance(1)
        patient = row["PATIENT_ID"].strip()
        if known is not None and patient not in known:
            problems.error(shown, line, "PATIENT_ID", f"patient {patient} is not in the clinical files",
                           "add the patient to the clinical patient or sample file, or remove the events")
            continue
        start_raw, stop_raw = row["START_DATE"].strip(), row["STOP_DATE"].strip()
        if not DAYS.match(start_raw):
            problems.error(shown, line, "START_DATE", f"{start_raw!r} is not a whole number of days", "write days relative to diagnosis, e.g. 35 or -10")
            continue
        if stop_raw and not DAYS.match(stop_raw):
            problems.error(shown, line, "STOP_DATE", f"{stop_raw!r} is not a whole number of days", "leave it empty for a point event")
            continue
        start, stop = int(start_raw), int(stop_raw) if stop_raw else None
        if stop is not None and stop < start:
            problems.error(shown, line, "STOP_DATE", f"the event stops (day {stop}) before it starts (day {start})")
            continue
        death = (deaths or {}).get(patient)
        _after_death(shown, line, "START_DATE", start, death, problems)
        if stop is not None and stop != start:
            _after_death(shown, line, "STOP_DATE", stop, death, problems)
        event_type = row["EVENT_TYPE"].strip().upper()
        if event_type != "TREATMENT":
            load.other_events[event_type or "(empty)"] += 1
            continue
        agent = _cell(row, "AGENT") or _cell(row, "SUBTYPE") or _cell(row, "TREATMENT_TYPE")
        if agent is None:
            problems.error(shown, line, "AGENT", "the treatment names no AGENT, SUBTYPE or TREATMENT_TYPE", "say what was given")
            continue
        table = default_drug_table()
        agents = [found for part in AGENT_LIST.split(agent) if part for found in table.split(part)]
        for recorded, curated in agents:
            if curated is None:
                load.unmapped[recorded] += 1
        events.append(_Event(patient, start, stop, agents, _drug_type(row), _cell(row, "AGENT_CLASS")))
    return events


def read_timelines(paths: list[Path], known: set[str] | None, problems: Problems, progress: Progress = silent,
                   deaths: Mapping[str, dt.date] | None = None) -> TimelineLoad:
    """Treatments of every timeline file; treatment ids are `<patient>-treatment-<n>` by start day.

    `deaths` (patient → date of death from OS_MONTHS) lets an event after death be reported at its line.
    """
    load = TimelineLoad()
    events: list[_Event] = []
    with progress("timeline", None) as advance:
        for path in paths:
            events.extend(_read_events(path, known, problems, load, advance, deaths))
    regimens: dict[tuple[str, int, int | None], list[_Event]] = {}
    for event in sorted(events, key=lambda e: (e.patient, e.start, e.stop if e.stop is not None else e.start)):
        regimens.setdefault((event.patient, event.start, event.stop), []).append(event)
    numbers: Counter = Counter()
    for (patient, start, stop), parts in regimens.items():
        numbers[patient] += 1
        treatment_id = f"{patient}-treatment-{numbers[patient]}"
        drugs: dict[str, dict] = {}
        for part in parts:
            for recorded, curated in part.agents:
                name = curated.drug if curated else recorded
                drugs.setdefault(name, {
                    "treatment_id": treatment_id, "patient_id": patient, "drug": name,
                    "type": curated.type if curated else part.drug_type,
                    "mechanism": curated.mechanism if curated else part.mechanism,
                    "atc_code": curated.atc_code if curated else None, "curated": curated is not None,
                })
        types = sorted({d["type"] for d in drugs.values() if d["type"]})
        mechanisms = sorted({d["mechanism"] for d in drugs.values() if d["mechanism"]})
        load.treatments.append({
            "treatment_id": treatment_id, "patient_id": patient,
            "start_date": days_after_anchor(start), "end_date": days_after_anchor(stop) if stop is not None else None,
            "regimen": "/".join(drugs), "type": "/".join(types) or None, "mechanism": "/".join(mechanisms) or None,
        })
        load.drugs.extend(drugs.values())
    return load
