"""Curation tables: free-text tumour locations and drug names → the model's vocabulary.

Clinical records say "Mammacarcinoom", "5-FU" or "Keytruda"; analyses need "Breast" with
DOID 1612, "Fluorouracil" (Antimetabolite, L01BC02) and "Pembrolizumab" (Anti-PD-1). As at
Hartwig, the mapping lives in two small tables a node can replace with its own. Both our
layout and Hartwig's (`Input Primary Tumor Location`, `Drug Canonical Name` ...) are read,
told apart by their header. The embedded defaults are also the vocabulary the synthetic
cohort writes, so `default_drug_table()` / `default_tumor_table()` are public.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from onconode.ingest.problems import IngestError, Problems
from onconode.ingest.tsv import open_text, read_tsv
from onconode.model.codes import TREATMENT_TYPES

TUMOR_FILE = "tumor_location_mapping.tsv"
DRUG_FILE = "treatment_mapping.tsv"
BIOPSY_SITE_FILE = "biopsy_site_mapping.tsv"
TUMOR_OVERRIDE_FILE = "tumor_location_overrides.tsv"

OUR_TUMOR_COLUMNS = ("searchTerm", "primaryTumorLocation", "primaryTumorSubLocation", "primaryTumorType", "primaryTumorSubType", "doids")
HMF_TUMOR_COLUMNS = ("Input Primary Tumor Location", "Primary tumor location", "Primary tumor sublocation", "Primary tumor type", "Primary tumor subtype", "DOID")
OUR_DRUG_COLUMNS = ("drug", "synonyms", "type", "mechanism", "atc_code")
HMF_DRUG_COLUMNS = ("Drug Canonical Name", "Treatment Type", "Treatment Mechanism", "Drug Synonyms")

DOID = re.compile(r"^(?:DOID:)?(\d{1,7})$", re.IGNORECASE)
ATC = re.compile(r"^[A-Z]\d{2}[A-Z]{2}\d{2}$")
DRUG_SEPARATORS = re.compile(r"\s*[/+]\s*")
TYPE_ALIASES = {t.lower(): t for t in TREATMENT_TYPES} | {
    "chemo": "Chemotherapy", "immuno": "Immunotherapy", "immunotherapy": "Immunotherapy",
    "targeted": "Targeted therapy", "hormonal": "Hormonal therapy", "hormone therapy": "Hormonal therapy",
    "endocrine therapy": "Hormonal therapy", "radiation": "Radiotherapy", "experimental": "Experimental therapy",
}


def normalize(text: str) -> str:
    """The form a term is looked up by: case, accents, spacing and quotes do not matter."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().replace('"', " ").split())


@dataclass(frozen=True)
class TumorCuration:
    location: str | None
    sub_location: str | None
    type: str | None
    sub_type: str | None
    doids: tuple[str, ...]

    @property
    def doid_text(self) -> str | None:
        return ",".join(self.doids) or None


@dataclass(frozen=True)
class DrugCuration:
    drug: str
    type: str | None
    mechanism: str | None
    atc_code: str | None


class TumorTable:
    """Search term → curated primary tumour."""

    def __init__(self, entries: dict[str, TumorCuration], source: str) -> None:
        self._entries = entries
        self.source = source

    def lookup(self, text: str) -> TumorCuration | None:
        return self._entries.get(normalize(text))

    def terms(self) -> list[str]:
        return sorted(self._entries)

    def curations(self) -> list[TumorCuration]:
        """Distinct curated tumours, in table order."""
        return list(dict.fromkeys(self._entries.values()))

    def __len__(self) -> int:
        return len(self._entries)


class DrugTable:
    """Drug name or synonym (case-insensitive) → canonical drug, type, mechanism, ATC."""

    def __init__(self, entries: dict[str, DrugCuration], source: str) -> None:
        self._entries = entries
        self.source = source

    def lookup(self, name: str) -> DrugCuration | None:
        return self._entries.get(normalize(name))

    def split(self, recorded: str) -> list[tuple[str, DrugCuration | None]]:
        """The drugs of a recorded regimen: 'FOLFOX' stays whole if the table knows it,
        'Dabrafenib + trametinib' becomes two. A name the table knows as a whole (such as
        'Trifluridine/tipiracil') is never split."""
        whole = recorded.strip()
        if not whole:
            return []
        found = self.lookup(whole)
        if found is not None:
            return [(whole, found)]
        parts = [p.strip() for p in DRUG_SEPARATORS.split(whole) if p.strip()]
        return [(p, self.lookup(p)) for p in parts]

    def drugs(self) -> list[DrugCuration]:
        """Distinct canonical drugs, in table order."""
        return list(dict.fromkeys(self._entries.values()))

    def __len__(self) -> int:
        return len(self._entries)


class BiopsySiteTable:
    """Hartwig's biopsy-site curation: (primary tumour location, cancer subtype, eCRF biopsy
    site, eCRF biopsy location) → curated biopsy type. 'NULL' in the table matches an empty value."""

    def __init__(self, entries: dict[tuple[str, str, str, str], str], source: str) -> None:
        self._entries = entries
        self.source = source

    def lookup(self, location: str | None, sub_type: str | None, site: str | None, site_location: str | None) -> str | None:
        return self._entries.get(tuple(normalize(v or "") for v in (location, sub_type, site, site_location)))  # type: ignore[arg-type]

    def __len__(self) -> int:
        return len(self._entries)


@dataclass(frozen=True)
class Curation:
    tumors: TumorTable
    drugs: DrugTable
    biopsy_sites: BiopsySiteTable | None = None
    tumor_overrides: dict[str, str] = field(default_factory=dict)


class Unmapped:
    """Terms a curation table does not know, counted, so a term recorded 300 times is one
    warning (where it first appears, and how often), not 300."""

    def __init__(self, what: str, table_source: str, hint: str = "") -> None:
        self.what = what
        self.table_source = table_source
        self.hint = hint or f"add it to {Path(table_source).name} (or --curation DIR) and ingest again"
        self.first: dict[str, tuple[object, str, str]] = {}
        self.count: dict[str, int] = {}

    def add(self, term: str, record: object, column: str) -> None:
        """`record` is anything with `.where(column)` → (file, line, column or field)."""
        key = normalize(term)
        self.first.setdefault(key, (record, column, term))
        self.count[key] = self.count.get(key, 0) + 1

    def report(self, problems: Problems) -> None:
        for key, (record, column, term) in self.first.items():
            n = self.count[key]
            times = f" ({n} rows; first here)" if n > 1 else ""
            problems.warning(
                *record.where(column), f"{self.what} {term!r} is not in the curation table{times}; loaded uncurated",  # type: ignore[attr-defined]
                self.hint,
            )


# -- reading tables ------------------------------------------------------------------------
def _header(path: Path) -> list[str]:
    try:
        with open_text(path) as fh:
            for line in fh:
                if line.strip():
                    return [h.strip() for h in line.rstrip("\r\n").split("\t")]
    except (OSError, EOFError, UnicodeDecodeError):
        return []  # read_tsv reports why the file cannot be read
    return []


def _cell(row: dict[str, str], column: str) -> str | None:
    value = (row.get(column) or "").strip()
    return value or None


def read_tumor_table(path: Path, problems: Problems) -> TumorTable:
    """Our `tumor_location_mapping.tsv` or Hartwig's (told apart by the header)."""
    shown = str(path)
    columns = HMF_TUMOR_COLUMNS if HMF_TUMOR_COLUMNS[0] in _header(path) else OUR_TUMOR_COLUMNS
    entries: dict[str, TumorCuration] = {}
    first_line: dict[str, int] = {}
    for line, row in read_tsv(path, problems, required=(columns[0], columns[1])):
        term = _cell(row, columns[0])
        if term is None:
            problems.error(shown, line, columns[0], "the search term is empty", "fill it in or delete the row")
            continue
        doids: list[str] = []
        for part in re.split(r"[,;|\s]+", row.get(columns[5]) or ""):
            if not part:
                continue
            m = DOID.match(part)
            if m is None:
                problems.error(shown, line, columns[5], f"{part!r} is not a Disease Ontology id", "write DOIDs as digits (e.g. 1612) or DOID:1612, separated by commas")
            else:
                doids.append(m.group(1))
        key = normalize(term)
        if key in entries:
            problems.error(shown, line, columns[0], f"search term {term!r} is already mapped on line {first_line[key]}", "keep one row per search term")
            continue
        first_line[key] = line
        entries[key] = TumorCuration(
            _cell(row, columns[1]), _cell(row, columns[2]), _cell(row, columns[3]), _cell(row, columns[4]), tuple(doids)
        )
    return TumorTable(entries, shown)


def read_drug_table(path: Path, problems: Problems) -> DrugTable:
    """Our `treatment_mapping.tsv` (synonyms split on '|', with ATC codes) or Hartwig's
    (synonyms split on ','; no ATC). A type outside the model's list becomes 'Other'."""
    shown = str(path)
    hmf = HMF_DRUG_COLUMNS[0] in _header(path)
    name_col, type_col, mech_col, syn_col = HMF_DRUG_COLUMNS if hmf else ("drug", "type", "mechanism", "synonyms")
    atc_col = None if hmf else "atc_code"
    entries: dict[str, DrugCuration] = {}
    first_line: dict[str, int] = {}
    for line, row in read_tsv(path, problems, required=(name_col, type_col)):
        name = _cell(row, name_col)
        if name is None:
            problems.error(shown, line, name_col, "the drug name is empty", "fill it in or delete the row")
            continue
        raw_type = _cell(row, type_col)
        drug_type = TYPE_ALIASES.get(raw_type.lower()) if raw_type else None
        if raw_type and drug_type is None:
            drug_type = "Other"
            problems.warning(
                shown, line, type_col, f"treatment type {raw_type!r} is not one of {', '.join(TREATMENT_TYPES)}; loaded as Other",
                "use one of the model's treatment types",
            )
        atc = _cell(row, atc_col) if atc_col else None
        if atc is not None and not ATC.match(atc.upper()):
            problems.error(shown, line, atc_col, f"{atc!r} is not a WHO ATC code", "write the 7-character code, e.g. L01FE01, or leave it empty")
            atc = None
        drug = DrugCuration(name, drug_type, _cell(row, mech_col), atc.upper() if atc else None)
        synonyms = re.split(r"[,]" if hmf else r"[|]", row.get(syn_col) or "")
        for term in [name, *synonyms]:
            key = normalize(term)
            if not key:
                continue
            if key in entries and entries[key].drug != name:
                problems.error(
                    shown, line, syn_col if term != name else name_col,
                    f"{term.strip()!r} already names {entries[key].drug} on line {first_line[key]}",
                    "a name or synonym may map to one drug only",
                )
                continue
            first_line.setdefault(key, line)
            entries[key] = drug
    return DrugTable(entries, shown)


def read_biopsy_site_table(path: Path, problems: Problems) -> BiopsySiteTable:
    """Hartwig's `biopsy_site_mapping.tsv`."""
    shown = str(path)
    columns = ("Primary Tumor Location", "Cancer Sub Type", "eCRF Biopsy Site", "eCRF Biopsy Location", "Curated Biopsy Type")
    entries: dict[tuple[str, str, str, str], str] = {}
    for line, row in read_tsv(path, problems, required=columns):
        key = tuple(normalize("" if (row.get(c) or "").strip().upper() == "NULL" else row.get(c) or "") for c in columns[:4])
        curated = _cell(row, columns[4])
        if curated is None:
            problems.error(shown, line, columns[4], "the curated biopsy type is empty", "fill it in or delete the row")
        elif key in entries and entries[key] != curated:
            problems.error(shown, line, columns[2], f"this site is already curated as {entries[key]!r}", "keep one row per tumour, site and location")
        else:
            entries[key] = curated  # type: ignore[index]
    return BiopsySiteTable(entries, shown)


def read_tumor_overrides(path: Path, problems: Problems) -> dict[str, str]:
    """Hartwig's `tumor_location_overrides.tsv`: patient → the tumour term to curate instead of the eCRF's."""
    shown = str(path)
    overrides: dict[str, str] = {}
    for line, row in read_tsv(path, problems, required=("Patient", "Input Primary Tumor Location")):
        patient, term = _cell(row, "Patient"), _cell(row, "Input Primary Tumor Location")
        if patient is None or term is None:
            problems.error(shown, line, "Patient" if patient is None else "Input Primary Tumor Location", "a value is required here", "fill it in or delete the row")
        elif patient in overrides:
            problems.error(shown, line, "Patient", f"patient {patient} is already overridden", "keep one row per patient")
        else:
            overrides[patient] = term
    return overrides


# -- which tables to use --------------------------------------------------------------------
def _find(folder: Path, suffix: str, problems: Problems) -> Path | None:
    matches = sorted(p for p in folder.iterdir() if p.is_file() and p.name.endswith(suffix))
    if len(matches) > 1:
        problems.error(str(folder), None, None, f"more than one *{suffix}: {', '.join(p.name for p in matches)}", "keep one table of each kind in the curation folder")
        return None
    return matches[0] if matches else None


def load_curation(folder: Path | None, problems: Problems) -> Curation:
    """The node's tables from `folder` (`*tumor_location_mapping.tsv`,
    `*treatment_mapping.tsv`); a table the folder lacks falls back to the embedded one."""
    if folder is None:
        return Curation(default_tumor_table(), default_drug_table())
    folder = Path(folder)
    if not folder.is_dir():
        problems.error(str(folder), None, None, "the curation path is not a folder", f"point --curation at a folder holding {TUMOR_FILE} and/or {DRUG_FILE}")
        return Curation(default_tumor_table(), default_drug_table())
    tumor_path = _find(folder, TUMOR_FILE, problems)
    drug_path = _find(folder, DRUG_FILE, problems)
    if tumor_path is None and drug_path is None and not problems.errors:
        problems.error(str(folder), None, None, f"no {TUMOR_FILE} or {DRUG_FILE} in the curation folder", "name the tables like the embedded ones (see docs/clinical-tsv.md)")
    tumors = read_tumor_table(tumor_path, problems) if tumor_path else default_tumor_table()
    drugs = read_drug_table(drug_path, problems) if drug_path else default_drug_table()
    sites_path = _find(folder, BIOPSY_SITE_FILE, problems)
    overrides_path = _find(folder, TUMOR_OVERRIDE_FILE, problems)
    return Curation(
        tumors, drugs, read_biopsy_site_table(sites_path, problems) if sites_path else None,
        read_tumor_overrides(overrides_path, problems) if overrides_path else {},
    )


def _embedded(name: str) -> Path:
    return Path(str(resources.files("onconode") / "data" / "curation" / name))


@lru_cache(maxsize=1)
def default_tumor_table() -> TumorTable:
    """The embedded tumour-location table (common metastatic and haematological cancers)."""
    problems = Problems()
    table = read_tumor_table(_embedded(TUMOR_FILE), problems)
    if problems.items:  # a packaging bug, never the user's input
        raise IngestError(problems.items)
    return table


@lru_cache(maxsize=1)
def default_drug_table() -> DrugTable:
    """The embedded drug table: canonical names, synonyms, type, mechanism, ATC."""
    problems = Problems()
    table = read_drug_table(_embedded(DRUG_FILE), problems)
    if problems.items:
        raise IngestError(problems.items)
    return table
