"""`onconode ingest cbioportal STUDY_DIR`: one study folder, one store version, all or nothing.

Everything is read and checked before anything is written, and the whole study is one
transaction: a problem in any file — the MAF included — reports every problem found and
loads nothing. Re-ingesting a study replaces its patients' and samples' rows.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from onconode.ingest.cbioportal.case_lists import PROFILE_SUFFIX, CaseLists, check_samples, read_case_lists
from onconode.ingest.cbioportal.clinical import ClinicalFile, read_clinical
from onconode.ingest.cbioportal.cna import CnaCalls, read_cna_long, read_cna_matrix
from onconode.ingest.cbioportal.harmonize import Harmonized, harmonize
from onconode.ingest.cbioportal.meta import StudyManifest, read_manifest
from onconode.ingest.cbioportal.panels import PanelMatrix, read_gene_panels, read_panel_matrix
from onconode.ingest.cbioportal.sv import SvLoad, read_sv
from onconode.ingest.cbioportal.timeline import TimelineLoad, read_timelines
from onconode.ingest.problems import Problems
from onconode.ingest.report import IngestReport
from onconode.ingest.values import to_arrow
from onconode.model import TABLES_BY_NAME
from onconode.progress import Progress, silent
from onconode.store import Store
from onconode.ingest.maf import load_maf

SOURCE = "cbioportal"


def _clinical(manifest: StudyManifest, kind: str, level: str, problems: Problems) -> ClinicalFile | None:
    metas = manifest.of_kind(kind)
    if len(metas) > 1:
        problems.error(str(manifest.root), None, None,
                       f"more than one clinical {level} file: {', '.join(m.path.name for m in metas)}", f"merge them into one {level} file")
    return read_clinical(metas[0].data_path, level, problems) if metas else None


def _profiled(manifest: StudyManifest, case_lists: CaseLists, data: dict[str, set[str]], all_samples: list[str],
              problems: Problems) -> dict[str, set[str]]:
    """Samples profiled per data type: the type's case list, or (no list) the samples with data."""
    study_id = manifest.study_id or ""
    out: dict[str, set[str]] = {}
    for kind, samples in data.items():
        listed = case_lists.by_suffix(study_id, PROFILE_SUFFIX[kind])
        if listed is not None:
            out[kind] = set(listed.samples)
            outside = sorted(samples - out[kind])
            if outside:
                problems.warning(str(listed.path), listed.line, "case_list_ids",
                                 f"{len(outside)} sample(s) have {kind} data but are not in this list, so they do not count as "
                                 f"profiled (as in cBioPortal): {', '.join(outside[:5])}{' ...' if len(outside) > 5 else ''}")
            continue
        if kind in ("mutations", "cna"):
            problems.error(str(manifest.root / "case_lists"), None, None,
                           f"the study has {kind} data but no {study_id}{PROFILE_SUFFIX[kind]} case list",
                           f"add case_lists/cases{PROFILE_SUFFIX[kind]}.txt listing the samples profiled for {kind}")
        out[kind] = set(samples)
    if all_samples and case_lists.by_suffix(study_id, "_all") is None and not manifest.add_global_case_list:
        problems.warning(str(manifest.root / "case_lists"), None, None,
                         f"there is no {study_id}_all case list and add_global_case_list is not true; cBioPortal would show no 'All samples' list")
    return out


def _profiles(h: Harmonized, profiled: dict[str, set[str]], data: dict[str, set[str]], ref_genome: str, study_id: str) -> pa.Table:
    """One row per sequenced sample: profiled for a type, or with rows in a genomic file."""
    sequenced = sorted(set().union(*profiled.values(), *data.values()))
    rows = []
    for sid in sequenced:
        types = [kind for kind in ("mutations", "cna", "structural_variants") if sid in profiled.get(kind, ())]
        # "none": sequenced but profiled for no type (NA in the gene panel matrix); empty would mean a whole genome
        row = {"sample_id": sid, "ref_genome": ref_genome, "pipeline": f"cBioPortal study {study_id}",
               "profiled": ",".join(types) or "none"}
        row.update(h.profiles.get(sid, {}))
        rows.append(row)
    return to_arrow(TABLES_BY_NAME["tumor_profile"], rows)


def _sample_panels(manifest: StudyManifest, profiled: dict[str, set[str]], matrix: PanelMatrix, panels: dict,
                   problems: Problems) -> list[dict]:
    """sample_gene_panel rows: each profiled sample's panel per data type, from the matrix,
    else from its profile meta file's `gene_panel`; none (every gene) otherwise."""
    default: dict[str, str] = {}
    for kind, data_type in (("mutations", "mutations"), ("cna_discrete", "cna"), ("cna_discrete_long", "cna"),
                            ("structural_variants", "structural_variants")):
        for meta in manifest.of_kind(kind):
            panel = meta.get("gene_panel").strip()
            if panel and panel not in panels:
                problems.error(str(meta.path), meta.lines.get("gene_panel"), "gene_panel",
                               f"gene panel {panel!r} has no gene panel file in the study folder",
                               f"add data_gene_panel_{panel.lower()}.txt with stable_id: {panel} and its gene_list")
            elif panel:
                default[data_type] = panel
    rows = []
    for data_type, samples in sorted(profiled.items()):
        named = matrix.panel.get(data_type, {})
        for sample in sorted(samples):
            panel = named.get(sample) or default.get(data_type)
            if panel:
                rows.append({"sample_id": sample, "profile": data_type, "panel_id": panel})
    return rows


def ingest_cbioportal(store: Store, path: Path, *, dataset: str | None = None, progress: Progress = silent) -> IngestReport:
    """Load a cBioPortal study folder into the store as one new version."""
    path = Path(path)
    problems = Problems()
    manifest = read_manifest(path, problems)
    study_id = manifest.study_id or path.name
    dataset_id = dataset or study_id
    patients_file = _clinical(manifest, "clinical_patient", "patient", problems)
    samples_file = _clinical(manifest, "clinical_sample", "sample", problems)
    if samples_file is None or manifest.study is None:
        problems.raise_if_errors()
        raise AssertionError("a study without meta_study or sample file always has a problem")  # pragma: no cover
    h = harmonize(patients_file, samples_file, dataset_id, problems)
    known_samples = set(h.patient_of)
    known_patients = {p["patient_id"] for p in h.patients}
    case_lists = read_case_lists(path, manifest.study_id, problems)
    check_samples(case_lists, known_samples, problems)
    panels = read_gene_panels(path, problems)
    matrix = PanelMatrix()
    for meta in manifest.of_kind("gene_panel_matrix"):
        for data_type, per_sample in read_panel_matrix(meta.data_path, known_samples, panels, problems).panel.items():
            matrix.panel.setdefault(data_type, {}).update(per_sample)

    cna = CnaCalls()
    for meta in manifest.of_kind("cna_discrete", "cna_discrete_long"):
        reader = read_cna_matrix if meta.kind == "cna_discrete" else read_cna_long
        part = reader(meta.data_path, known_samples, problems, progress)
        cna.sample_id += part.sample_id
        cna.gene += part.gene
        cna.cna_call += part.cna_call
        cna.samples |= part.samples
        if part.entrez_only:
            problems.warning(str(meta.data_path), None, "Hugo_Symbol",
                             f"{part.entrez_only} row(s) give only an Entrez_Gene_Id and are skipped: onconode stores genes by symbol")
    sv = SvLoad()
    for meta in manifest.of_kind("structural_variants"):
        part_sv = read_sv(meta.data_path, known_samples, manifest.ref_genome, problems, progress)
        sv.variants += part_sv.variants
        sv.fusions += part_sv.fusions
        sv.samples |= part_sv.samples
        if part_sv.germline:
            problems.warning(str(meta.data_path), None, "SV_Status",
                             f"{part_sv.germline} GERMLINE structural variant(s) are not loaded: the store holds somatic SVs")
    deaths = {p["patient_id"]: p["death_date"] for p in h.patients if p.get("death_date")}
    timeline = read_timelines([m.data_path for m in manifest.of_kind("timeline")], known_patients, problems, progress, deaths)
    if timeline.other_events:
        shown = ", ".join(f"{n} {t}" for t, n in sorted(timeline.other_events.items()))
        problems.warning(str(path), None, "EVENT_TYPE", f"timeline events other than TREATMENT are not loaded ({shown})")
    if timeline.unmapped:
        shown = ", ".join(sorted(timeline.unmapped)[:10]) + (" ..." if len(timeline.unmapped) > 10 else "")
        problems.warning(str(path), None, "AGENT",
                         f"{len(timeline.unmapped)} agent name(s) are not in the drug curation table and load uncurated: {shown}")
    for meta in manifest.skipped:
        problems.warning(str(meta.path), None, "genetic_alteration_type",
                         f"{meta.get('genetic_alteration_type')} {meta.get('datatype')} data is valid but not loaded: the model has no table for it")

    report = IngestReport(source=SOURCE, samples=sorted(known_samples), patients=sorted(known_patients))
    description = f"cBioPortal study {study_id} from {path}"
    with store.transaction(SOURCE, description) as tx:
        data: dict[str, set[str]] = {}
        mutations = manifest.of_kind("mutations")
        if mutations:
            data["mutations"] = set()
            for meta in mutations:
                loaded = load_maf(tx, meta.data_path, ref_genome=manifest.ref_genome, problems=problems,
                                  progress=progress, sample_ids=known_samples)
                data["mutations"] |= set(loaded.samples)
                report.rows["somatic_variant"] = report.rows.get("somatic_variant", 0) + loaded.rows
        if manifest.of_kind("cna_discrete", "cna_discrete_long"):
            data["cna"] = cna.samples
        if manifest.of_kind("structural_variants"):
            data["structural_variants"] = sv.samples
        profiled = _profiled(manifest, case_lists, data, sorted(known_samples), problems)
        for kind in profiled:   # NA in the gene panel matrix: not profiled for that data type
            profiled[kind] -= matrix.not_profiled(kind)
        sample_panels = _sample_panels(manifest, profiled, matrix, panels, problems)
        _check_existing(store, dataset_id, known_patients, str(patients_file.path if patients_file else samples_file.path), problems)
        problems.raise_if_errors()

        study = manifest.study
        dataset_row = {"dataset_id": dataset_id, "title": study.get("name"), "description": study.get("description") or None}
        patients = sorted(known_patients)
        samples = sorted(known_samples)
        writes = [
            ("dataset", to_arrow(TABLES_BY_NAME["dataset"], [dataset_row]), [dataset_id]),
            ("patient", to_arrow(TABLES_BY_NAME["patient"], h.patients), patients),
            ("sample", to_arrow(TABLES_BY_NAME["sample"], h.samples), patients),
            ("survival_endpoint", to_arrow(TABLES_BY_NAME["survival_endpoint"], h.endpoints), patients),
            ("sample_gene_panel", to_arrow(TABLES_BY_NAME["sample_gene_panel"], sample_panels), samples),
            ("tumor_profile", _profiles(h, profiled, data, manifest.ref_genome, study_id), samples),
            ("treatment", to_arrow(TABLES_BY_NAME["treatment"], timeline.treatments), patients),
            ("treatment_drug", to_arrow(TABLES_BY_NAME["treatment_drug"], timeline.drugs), patients),
        ]
        used = sorted({r["panel_id"] for r in sample_panels})
        if used:
            rows = [{"panel_id": p, "gene": g, "description": panels[p].description or None} for p in used for g in panels[p].genes]
            writes.append(("gene_panel", to_arrow(TABLES_BY_NAME["gene_panel"], rows), used))
        if "cna" in data:
            writes.append(("gene_copy_number", cna.to_arrow(), sorted(profiled["cna"])))
        if "structural_variants" in data:
            svs = sorted(profiled["structural_variants"])
            writes.append(("structural_variant", to_arrow(TABLES_BY_NAME["structural_variant"], sv.variants), svs))
            writes.append(("fusion", to_arrow(TABLES_BY_NAME["fusion"], sv.fusions), svs))
        if "mutations" in data:
            # Samples profiled for mutations but absent from the MAF lose variants of an earlier ingest.
            tx.replace("somatic_variant", None, owners=sorted(profiled["mutations"]))
        with progress("writing", len(writes)) as advance:
            for table, rows, owners in writes:
                report.rows[table] = tx.replace(table, rows, owners=owners)
                advance(1)
    report.version = tx.version
    report.warnings += tx.warnings
    report.problems = problems.warnings
    return report


def _check_existing(store: Store, dataset_id: str, patients: set[str], file: str, problems: Problems) -> None:
    """A patient already in the store under another dataset is refused, not silently moved."""
    rows = store.con.execute(
        'SELECT patient_id, dataset_id FROM "patient" WHERE "_removed" IS NULL AND dataset_id <> ? '
        "AND patient_id IN (SELECT unnest(?::VARCHAR[]))",
        [dataset_id, sorted(patients)],
    ).fetchall()
    for patient_id, other in rows[:20]:
        problems.error(file, None, "PATIENT_ID",
                       f"patient {patient_id} is already in the store in dataset {other}",
                       f"ingest this study with --dataset {other}, or give the patients of the two studies distinct ids")
