"""Meta files and the study manifest: which data files a study has and what they hold.

A cBioPortal study is a folder of `key: value` meta files, each pointing at a data file
through `data_filename`. The meta file, not the data file's name, says what the data is
(`genetic_alteration_type` + `datatype`), so the manifest is read first and every later
reader is chosen from it. Rules follow cbioportal-core's validator (cbioportal_common.py:
META_FIELD_MAP, get_meta_file_type, validate_types_and_id).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from onconode.ingest.cbioportal.confine import HINT, escape, outside
from onconode.ingest.genome import normalize_ref_genome
from onconode.ingest.problems import Problems
from onconode.ingest.tsv import refuse_nul

# validateData.py picks meta files by this pattern: `meta_study.txt`, `study.meta`,
# `data_meta.txt` are meta files; `metal_test` is not.
META_NAME = re.compile(r"(\b|_)meta(\b|[_0-9])", re.IGNORECASE)

# (genetic_alteration_type, datatype) → kind, as get_meta_file_type() knows them.
KINDS: dict[tuple[str, str], str] = {
    ("CANCER_TYPE", "CANCER_TYPE"): "cancer_type",
    ("CLINICAL", "PATIENT_ATTRIBUTES"): "clinical_patient",
    ("CLINICAL", "SAMPLE_ATTRIBUTES"): "clinical_sample",
    ("CLINICAL", "TIMELINE"): "timeline",
    ("MUTATION_EXTENDED", "MAF"): "mutations",
    ("MUTATION_UNCALLED", "MAF"): "mutations_uncalled",
    ("COPY_NUMBER_ALTERATION", "DISCRETE"): "cna_discrete",
    ("COPY_NUMBER_ALTERATION", "DISCRETE_LONG"): "cna_discrete_long",
    ("COPY_NUMBER_ALTERATION", "CONTINUOUS"): "cna_continuous",
    ("COPY_NUMBER_ALTERATION", "LOG2-VALUE"): "cna_log2",
    ("COPY_NUMBER_ALTERATION", "SEG"): "segments",
    ("STRUCTURAL_VARIANT", "SV"): "structural_variants",
    ("MRNA_EXPRESSION", "CONTINUOUS"): "expression",
    ("MRNA_EXPRESSION", "Z-SCORE"): "expression",
    ("MRNA_EXPRESSION", "DISCRETE"): "expression",
    ("PROTEIN_LEVEL", "LOG2-VALUE"): "protein",
    ("PROTEIN_LEVEL", "Z-SCORE"): "protein",
    ("PROTEIN_LEVEL", "CONTINUOUS"): "protein",
    ("METHYLATION", "CONTINUOUS"): "methylation",
    ("GENE_PANEL_MATRIX", "GENE_PANEL_MATRIX"): "gene_panel_matrix",
    ("GISTIC_GENES_AMP", "Q-VALUE"): "gistic_genes",
    ("GISTIC_GENES_DEL", "Q-VALUE"): "gistic_genes",
    ("MUTSIG", "Q-VALUE"): "mutsig",
    ("GENESET_SCORE", "GSVA-SCORE"): "gsva",
    ("GENESET_SCORE", "P-VALUE"): "gsva",
    ("GENERIC_ASSAY", "LIMIT-VALUE"): "generic_assay",
    ("GENERIC_ASSAY", "BINARY"): "generic_assay",
    ("GENERIC_ASSAY", "CATEGORICAL"): "generic_assay",
}
# Kinds that onconode turns into model rows; the others are validated and reported as skipped.
LOADED = frozenset(
    {"clinical_patient", "clinical_sample", "timeline", "mutations", "cna_discrete", "cna_discrete_long", "structural_variants",
     "gene_panel_matrix"}
)

_PROFILE = ("cancer_study_identifier", "genetic_alteration_type", "datatype", "stable_id",
            "show_profile_in_analysis_tab", "profile_name", "profile_description", "data_filename")
_CLINICAL = ("cancer_study_identifier", "genetic_alteration_type", "datatype", "data_filename")
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "study": ("cancer_study_identifier", "type_of_cancer", "name", "description"),
    "cancer_type": ("genetic_alteration_type", "datatype", "data_filename"),
    "clinical_patient": _CLINICAL,
    "clinical_sample": _CLINICAL,
    "timeline": _CLINICAL,
    "gene_panel_matrix": _CLINICAL,
    "mutations": _PROFILE,
    "cna_discrete": _PROFILE,
    "cna_discrete_long": _PROFILE,
    "structural_variants": _PROFILE,
    "segments": ("cancer_study_identifier", "genetic_alteration_type", "datatype", "reference_genome_id",
                 "data_filename", "description"),
}
# validate_types_and_id(): the stable_id each loaded profile kind may carry.
STABLE_IDS: dict[str, tuple[str, ...]] = {
    "mutations": ("mutations",),
    "cna_discrete": ("gistic", "cna", "cna_rae", "cna_consensus"),
    "cna_discrete_long": ("cna", "gistic"),
    "structural_variants": ("structural_variants",),
}


@dataclass(frozen=True)
class MetaFile:
    """One parsed meta file; `lines` gives the line of each key for error locations."""

    path: Path
    fields: dict[str, str]
    lines: dict[str, int]
    kind: str | None

    def get(self, key: str, default: str = "") -> str:
        return self.fields.get(key, default)

    @property
    def data_path(self) -> Path | None:
        """The data file, or None when none is named or the name leads outside the study folder (confine.escape)."""
        name = self.fields.get("data_filename", "").strip()
        if not name or escape(self.path.parent, name):
            return None
        return self.path.parent / name


@dataclass
class StudyManifest:
    root: Path
    study: MetaFile | None = None
    files: list[MetaFile] = field(default_factory=list)
    ref_genome: str = "GRCh37"
    skipped: list[MetaFile] = field(default_factory=list)

    @property
    def study_id(self) -> str | None:
        return self.study.get("cancer_study_identifier") or None if self.study else None

    @property
    def add_global_case_list(self) -> bool:
        return bool(self.study) and self.study.get("add_global_case_list").strip().lower() == "true"

    def of_kind(self, *kinds: str) -> list[MetaFile]:
        return [m for m in self.files if m.kind in kinds]


def parse_key_values(path: Path, problems: Problems, what: str = "meta") -> tuple[dict[str, str], dict[str, int]] | None:
    """`key: value` lines of a meta or case-list file; None when the file cannot be read."""
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.error(shown, None, None, f"the {what} file is not valid UTF-8 text ({exc.reason})", "save it as UTF-8")
        return None
    except OSError as exc:
        problems.error(shown, None, None, f"cannot open the {what} file ({exc.strerror})", "check the path and permissions")
        return None
    fields: dict[str, str] = {}
    lines: dict[str, int] = {}
    ok = True
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key = line.split(":", 1)[0].strip()
        if not refuse_nul(shown, number, line, problems, [key, key], delimiter=":"):
            ok = False
            continue
        if ":" not in line:
            problems.error(shown, number, None, f"invalid {what} file entry: no ':' found in {line.strip()[:60]!r}",
                           "every line must read `key: value`")
            ok = False
            continue
        key, value = line.split(":", 1)
        key = key.strip()
        if key in fields and fields[key] != value.strip():
            problems.error(shown, number, key, f"field {key!r} is given twice with different values (first on line {lines[key]})",
                           "keep one line for the field: which value is meant cannot be guessed")
            ok = False
            continue
        fields[key] = value.strip()
        lines[key] = number
    return (fields, lines) if ok else None


def _kind(path: Path, fields: dict[str, str], problems: Problems) -> str | None:
    gat, datatype = fields.get("genetic_alteration_type"), fields.get("datatype")
    if gat is not None and datatype is not None:
        kind = KINDS.get((gat, datatype))
        if kind is None:
            why = ("the FUSION format is deprecated; write the data in the structural variant (SV) format"
                   if datatype == "FUSION" else
                   "see the table of genetic_alteration_type and datatype in docs/ingest-cbioportal.md")
            problems.error(str(path), None, "genetic_alteration_type",
                           f"unknown combination genetic_alteration_type: {gat}, datatype: {datatype}", why)
        return kind
    if "cancer_study_identifier" in fields and "type_of_cancer" in fields:
        return "study"
    if "type_of_cancer" in fields:
        return "cancer_type"
    if "resource_type" in fields:
        return "resource"
    problems.error(str(path), None, None, "cannot tell what this meta file describes",
                   "give genetic_alteration_type and datatype (or, for meta_study, cancer_study_identifier and type_of_cancer)")
    return None


def _check_fields(meta: MetaFile, problems: Problems) -> bool:
    shown = str(meta.path)
    ok = True
    for key in REQUIRED_FIELDS.get(meta.kind or "", ()):
        if not meta.fields.get(key, "").strip():
            problems.error(shown, None, key, f"required field '{key}' is missing from the meta file", f"add a line `{key}: ...`")
            ok = False
    allowed = STABLE_IDS.get(meta.kind or "")
    stable_id = meta.fields.get("stable_id")
    if allowed and stable_id is not None and stable_id not in allowed:
        problems.error(shown, meta.lines.get("stable_id"), "stable_id",
                       f"stable_id {stable_id!r} is not valid for {meta.get('genetic_alteration_type')} {meta.get('datatype')}",
                       f"use one of: {', '.join(allowed)}")
        ok = False
    name = meta.fields.get("data_filename", "").strip()
    why = escape(meta.path.parent, name) if name else None
    if why:
        problems.error(shown, meta.lines.get("data_filename"), "data_filename", f"data_filename {why}", HINT)
        return False
    data = meta.data_path
    if data is not None and not data.is_file():
        problems.error(shown, meta.lines.get("data_filename"), "data_filename",
                       f"data_filename points to {data.name!r}, which is not in the study folder",
                       "put the data file next to its meta file or correct the name")
        ok = False
    return ok


def _check_study(meta: MetaFile, manifest: StudyManifest, problems: Problems) -> None:
    shown = str(meta.path)
    raw = meta.get("reference_genome").strip()
    if raw:
        build = normalize_ref_genome(raw)
        if build is None:
            problems.error(shown, meta.lines.get("reference_genome"), "reference_genome",
                           f"reference genome {raw!r} is not a human build onconode holds", "use hg19 or hg38")
        else:
            manifest.ref_genome = build
    flag = meta.get("add_global_case_list").strip().lower()
    if flag not in ("", "true", "false"):
        problems.error(shown, meta.lines.get("add_global_case_list"), "add_global_case_list",
                       f"add_global_case_list must be true or false, not {flag!r}")
    if meta.get("pmid") and not meta.get("citation"):
        problems.warning(shown, meta.lines.get("pmid"), "pmid", "pmid is given without a citation; cBioPortal expects both")


def read_manifest(root: Path, problems: Problems) -> StudyManifest:
    """Find and check every meta file of the study folder `root`."""
    manifest = StudyManifest(root)
    if not root.is_dir():
        problems.error(str(root), None, None, "not a folder", "give the cBioPortal study folder (the one holding meta_study.txt)")
        return manifest
    metas: list[MetaFile] = []
    for path in sorted(root.iterdir()):
        if not path.is_file() or path.name.startswith(".") or path.name.endswith("~") or not META_NAME.search(path.name):
            continue
        why = outside(root, path)
        if why:
            problems.error(str(path), None, None, f"the meta file {why}", HINT)
            continue
        parsed = parse_key_values(path, problems)
        if parsed is None:
            continue
        fields, lines = parsed
        metas.append(MetaFile(path, fields, lines, _kind(path, fields, problems)))
    studies = [m for m in metas if m.kind == "study"]
    if not studies:
        problems.error(str(root / "meta_study.txt"), None, None, "the study has no meta_study file",
                       "add meta_study.txt with cancer_study_identifier, type_of_cancer, name and description")
    elif len(studies) > 1:
        problems.error(str(root), None, None,
                       f"more than one meta_study file: {', '.join(m.path.name for m in studies)}", "keep exactly one")
    if studies:
        manifest.study = studies[0]
        if _check_fields(studies[0], problems):
            _check_study(studies[0], manifest, problems)
    study_id = manifest.study_id
    for meta in metas:
        if meta.kind in (None, "study"):
            continue
        declared = meta.get("cancer_study_identifier")
        if study_id and declared and declared != study_id:
            problems.error(str(meta.path), meta.lines.get("cancer_study_identifier"), "cancer_study_identifier",
                           f"cancer_study_identifier is {declared!r} but meta_study says {study_id!r}",
                           "every meta file of a study must name the same study")
        if not _check_fields(meta, problems):
            continue
        (manifest.files if meta.kind in LOADED else manifest.skipped).append(meta)
    if studies and not any(m.kind == "clinical_sample" for m in metas):
        problems.error(str(root), None, None, "the study has no clinical sample file",
                       "add a meta file with genetic_alteration_type: CLINICAL, datatype: SAMPLE_ATTRIBUTES and its data file")
    return manifest
