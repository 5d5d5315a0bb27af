"""The clinical TSV reader: a folder in the layout of docs/clinical-tsv.md → the clinical tables.

Reading is lenient about form (columns by name, 'Male' or 'M', eCRF response codes 1–8)
and strict about meaning: every value that does not fit its column, every reference that
does not resolve and every impossible date is reported with file, line and column, all at
once, and then nothing loads. Free text is curated (tumour location → location, type and
DOIDs; drug names → canonical drug, type, mechanism, ATC); what the tables do not know
loads as recorded, flagged uncurated, with one warning per distinct term.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from onconode.ingest.clinical_bundle import Bundle, Findings, Record, load_bundle
from onconode.ingest.clinical_checks import check_bundle
from onconode.ingest.curation import DOID, Curation, Unmapped, load_curation
from onconode.ingest.report import IngestReport
from onconode.ingest.tsv import open_text, read_tsv
from onconode.ingest.values import BadValue, coerce, is_missing
from onconode.model import TABLES_BY_NAME, Column, Kind
from onconode.model.codes import RESPONSE_ALIASES, RESPONSES
from onconode.progress import Progress, silent
from onconode.store import Store

DUO_ID = re.compile(r"^DUO:\d{7}$")
ICDO3_MORPHOLOGY = re.compile(r"^\d{4}/\d$")
ISO_DATE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s*$")
SEX_ALIASES = {"m": "male", "man": "male", "f": "female", "woman": "female", "u": "unknown"}


@dataclass(frozen=True)
class FileSpec:
    table: str
    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


FILES: dict[str, FileSpec] = {
    "datasets.tsv": FileSpec("dataset", ("dataset_id", "title"), ("description", "node", "consent_duo", "licence_type")),
    "patients.tsv": FileSpec(
        "patient", ("patient_id", "dataset_id"),
        ("sex", "birth_year", "hospital_code", "registration_date", "diagnosis_date", "death_date", "last_follow_up_date", "informed_consent_date"),
    ),
    "consents.tsv": FileSpec("consent", ("patient_id", "duo_code"), ("modifier", "consent_date")),
    "biopsies.tsv": FileSpec(
        "sample", ("sample_id", "patient_id", "primary_tumor_location"),
        ("sampling_date", "arrival_date", "tissue_source", "biopsy_site", "biopsy_location", "primary_tumor_doids", "pathology_tumor_percentage",
         "normal_tissue_source", "haematological_diagnosis", "haematological_diagnosis_code", "eln_risk"),
    ),
    "treatments.tsv": FileSpec("treatment", ("treatment_id", "patient_id", "start_date", "drugs"), ("sample_id", "line", "end_date", "pre_biopsy")),
    "responses.tsv": FileSpec(
        "treatment_response", ("patient_id", "treatment_id", "response_date", "response"), ("measurement_done", "bone_only_disease"),
    ),
}


# -- value normalisers: the accepted spellings of coded values ------------------------------
def _sex(text: str) -> str:
    low = text.strip().lower()
    return SEX_ALIASES.get(low, low)


def _tissue(text: str) -> str:
    return re.sub(r"[\s-]+", "_", text.strip().lower())


def _response(text: str) -> str:
    stripped = text.strip()
    if stripped.upper() in RESPONSES:
        return stripped.upper()
    return RESPONSE_ALIASES.get(stripped.lower(), stripped)


def _licence(text: str) -> str:
    codes = TABLES_BY_NAME["dataset"].column("licence_type").codes
    return next((c for c in codes if c.lower() == text.strip().lower()), text)


def _duo_list(text: str) -> str:
    ids = [p.strip() for p in text.split(",") if p.strip()]
    bad = [i for i in ids if not DUO_ID.match(i)]
    if bad:
        raise BadValue(f"{', '.join(repr(b) for b in bad)} is not a DUO id; write DUO ids as DUO:0000042")
    return ",".join(ids)


def _duo(text: str) -> str:
    if not DUO_ID.match(text.strip()):
        raise BadValue(f"{text!r} is not a DUO id; write it as DUO:0000042 (seven digits)")
    return text.strip()


def _doids(text: str) -> str:
    parts = [p for p in re.split(r"[,;|\s]+", text) if p]
    bad = [p for p in parts if not DOID.match(p)]
    if bad:
        raise BadValue(f"{', '.join(repr(b) for b in bad)} is not a Disease Ontology id; write DOIDs as 1612 or DOID:1612, comma-separated")
    return ",".join(DOID.match(p).group(1) for p in parts)  # type: ignore[union-attr]


def _icdo3(text: str) -> str:
    if not ICDO3_MORPHOLOGY.match(text.strip()):
        raise BadValue(f"{text!r} is not an ICD-O-3 morphology code; write it as 9861/3 (four digits, slash, behaviour)")
    return text.strip()


def _eln(text: str) -> str:
    low = text.strip().lower()
    return {"favourable": "favorable", "fav": "favorable", "int": "intermediate", "adv": "adverse"}.get(low, low)


NORMALISE: dict[str, Callable[[str], str]] = {
    "normal_tissue_source": _tissue, "haematological_diagnosis_code": _icdo3, "eln_risk": _eln,
    "sex": _sex, "tissue_source": _tissue, "response": _response, "licence_type": _licence,
    "consent_duo": _duo_list, "duo_code": _duo, "primary_tumor_doids": _doids,
}


# -- reading -------------------------------------------------------------------------------
def _iso_date(text: str, column: Column) -> dt.date:
    """The common YYYY-MM-DD case without strptime (6x faster on a national export)."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return coerce(text, column)  # the shared wording for an impossible date


def _header_line(path: Path) -> int:
    try:
        with open_text(path) as fh:
            for number, line in enumerate(fh, 1):
                if line.strip():
                    return number
    except (OSError, UnicodeDecodeError):
        pass
    return 1


def _read_file(path: Path, spec: FileSpec, findings: Findings) -> list[Record]:
    """Typed rows of one file; bad values are reported and left empty."""
    shown = str(path)
    table = TABLES_BY_NAME[spec.table]
    records: list[Record] = []
    date_columns = {c.name for c in table.columns if c.kind is Kind.DATE}
    warned_unknown = False
    for line, row in read_tsv(path, findings, required=spec.required):
        if not warned_unknown:
            warned_unknown = True
            for extra in (c for c in row if c not in spec.columns):
                findings.warning(shown, _header_line(path), extra, "unknown column; it is ignored", f"the columns of {path.name} are: {', '.join(spec.columns)}")
        values: dict[str, Any] = {}
        for name in spec.columns:
            raw = row.get(name)
            if is_missing(raw):
                if name in spec.required:
                    findings.error(shown, line, name, "a value is required here", "fill it in")
                values[name] = None
                continue
            try:
                text = NORMALISE[name](raw) if name in NORMALISE else raw
                if name in date_columns and ISO_DATE.match(text):
                    values[name] = _iso_date(text, table.column(name))
                else:
                    values[name] = coerce(text, table.column(name)) if name in table.column_names else text.strip()
            except BadValue as exc:
                findings.error(shown, line, name, str(exc))
                values[name] = None
        records.append(Record(values, shown, line))
    return records


def _sample_values(r: Record, curation: Curation, unmapped: Unmapped) -> dict[str, Any]:
    v = dict(r.values)
    text = v["primary_tumor_location"]
    override = v.pop("primary_tumor_doids")
    found = curation.tumors.lookup(text) if text else None
    if found is None:
        if text:
            unmapped.add(text, r, "primary_tumor_location")
        v.update(primary_tumor_curated=False, primary_tumor_doids=override)
    else:
        v.update(
            primary_tumor_location=found.location, primary_tumor_sub_location=found.sub_location,
            primary_tumor_type=found.type, primary_tumor_sub_type=found.sub_type,
            primary_tumor_doids=override or found.doid_text, primary_tumor_curated=True,
        )
    return v


def add_treatment(r: Record, curation: Curation, unmapped: Unmapped, bundle: Bundle) -> None:
    v = dict(r.values)
    recorded = v.pop("drugs") or ""
    drugs: dict[str, dict[str, Any]] = {}
    for name, found in curation.drugs.split(recorded):
        if found is None:
            unmapped.add(name, r, "drugs")
            row = {"drug": name, "type": None, "mechanism": None, "atc_code": None, "curated": False}
        else:
            row = {"drug": found.drug, "type": found.type, "mechanism": found.mechanism, "atc_code": found.atc_code, "curated": True}
        drugs.setdefault(row["drug"], row)
    v["regimen"] = "/".join(drugs) or None
    v["type"] = "/".join(dict.fromkeys(d["type"] for d in drugs.values() if d["type"])) or None
    v["mechanism"] = "/".join(dict.fromkeys(d["mechanism"] for d in drugs.values() if d["mechanism"])) or None
    bundle.add("treatment", Record(v, r.file, r.line, {"regimen": "drugs", "type": "drugs", "mechanism": "drugs"}))
    for d in drugs.values():
        values = {"treatment_id": v["treatment_id"], "patient_id": v["patient_id"], **d}
        bundle.add("treatment_drug", Record(values, r.file, r.line, {c: "drugs" for c in ("drug", "type", "mechanism", "atc_code", "curated")}))


def read_clinical_folder(folder: Path, curation: Curation, findings: Findings, progress: Progress = silent) -> Bundle:
    """Read and curate every file of the folder into a Bundle (no store access)."""
    bundle = Bundle("clinical", f"clinical TSVs from {folder}", str(folder / "patients.tsv"))
    if not folder.is_dir():
        findings.error(str(folder), None, None, "not a folder", "point `ingest clinical` at the folder holding patients.tsv and the other clinical TSVs")
        return bundle
    if not (folder / "patients.tsv").is_file():
        findings.error(str(folder / "patients.tsv"), None, None, "patients.tsv is missing; it is the one required file", "see docs/clinical-tsv.md for the layout")
    for other in sorted(folder.glob("*.tsv")):
        if other.name not in FILES:
            findings.warning(str(other), None, None, "not a clinical TSV of the layout; it is ignored", f"the files are: {', '.join(FILES)}")
    tumors = Unmapped("tumour location", curation.tumors.source)
    drugs = Unmapped("drug", curation.drugs.source)
    present = [(name, spec) for name, spec in FILES.items() if (folder / name).is_file()]
    with progress("reading clinical TSVs", len(present)) as advance:
        for name, spec in present:
            records = _read_file(folder / name, spec, findings)
            bundle.sent.add(spec.table)
            for r in records:
                if spec.table == "sample":
                    bundle.add("sample", Record(_sample_values(r, curation, tumors), r.file, r.line))
                elif spec.table == "treatment":
                    add_treatment(r, curation, drugs, bundle)
                else:
                    bundle.add(spec.table, r)
            advance(1)
    if "treatment" in bundle.sent:
        bundle.sent.add("treatment_drug")
    tumors.report(findings)
    drugs.report(findings)
    return bundle


def ingest_clinical(store: Store, path: Path, *, curation: Path | None = None, progress: Progress = silent) -> IngestReport:
    """Load a clinical TSV folder as one store version; raises IngestError listing every
    problem (and loads nothing) if any file is wrong."""
    findings = Findings()
    tables = load_curation(curation, findings)
    bundle = read_clinical_folder(Path(path), tables, findings, progress)
    check_bundle(bundle, store, findings)
    return load_bundle(store, bundle, findings, progress=progress)
