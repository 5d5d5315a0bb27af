"""`onconode ingest hmftools PATH`: one or more samples' hmftools outputs, all or nothing.

The order matters: find the files, settle each sample's reference genome (so every
coordinate can be checked), read and validate everything, and only then open the one
transaction that writes every sample. A problem anywhere means nothing is loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from onconode.ingest.genome import normalize_ref_genome
from onconode.ingest.hmftools import gene_panels, orange, register, sv_vcf
from onconode.ingest.hmftools.discover import SampleFiles, discover
from onconode.ingest.hmftools.sample import GENOMIC_TABLES, SampleData, read_sample
from onconode.ingest.problems import Problems
from onconode.ingest.report import IngestReport
from onconode.ingest.values import to_arrow
from onconode.model import TABLES_BY_NAME
from onconode.progress import Progress, silent
from onconode.store import Store
from onconode.ingest.vcf import load_somatic_vcf

SOURCE = "hmftools"
VCF_KINDS = ("purple_somatic_vcf", "purple_sv_vcf")


def _ref_genome(
    files: SampleFiles, option: str | None, problems: Problems
) -> tuple[str | None, dict[str, sv_vcf.VcfHeader]]:
    """The sample's build: ORANGE refGenomeVersion, else the VCF headers, else --ref-genome.

    Sources that disagree with each other, or with --ref-genome, are a problem: a sample's
    coordinates are on one build, and mixing builds silently corrupts every query.
    """
    found: list[tuple[str, str]] = []
    errors_before = len(problems.errors)
    if files.get("orange"):
        build = orange.read_ref_genome(files.get("orange"), problems)
        if build:
            found.append((f"{files.get('orange').name} (refGenomeVersion)", build))
    headers: dict[str, sv_vcf.VcfHeader] = {}
    for kind in VCF_KINDS:
        path = files.get(kind)
        if path is None:
            continue
        header = sv_vcf.read_header(path, problems)
        if header is None:
            continue
        headers[kind] = header
        if header.ref_genome:
            found.append((f"{path.name} (header)", header.ref_genome))
    chosen = None
    if option is not None:
        chosen = normalize_ref_genome(option)
        if chosen is None:
            problems.error("--ref-genome", None, None, f"{option!r} is not a reference genome onconode knows", "use GRCh37 or GRCh38")
            return None, headers
    builds = {b for _, b in found}
    if len(builds) > 1 or (chosen and builds and chosen not in builds):
        said = "; ".join(f"{src} says {b}" for src, b in found) + (f"; --ref-genome says {chosen}" if chosen else "")
        problems.error(
            files.prefix, None, None, f"sample {files.prefix}: the reference genome is inconsistent ({said})",
            "all files of a sample must be on one build; check which run each file comes from",
        )
        return None, headers
    if builds:
        return builds.pop(), headers
    if chosen:
        return chosen, headers
    if len(problems.errors) > errors_before:
        return None, headers  # an unreadable ORANGE record or VCF header is the problem to report
    problems.error(
        files.prefix, None, None,
        f"sample {files.prefix}: cannot tell the reference genome (no ORANGE record, and no VCF header names it)",
        "give it with --ref-genome GRCh37 or --ref-genome GRCh38",
    )
    return None, headers


def _check_store_builds(store: Store, samples: list[SampleData], problems: Problems) -> None:
    """Refuse to put a sample on a build other than the one the store already holds it on."""
    ids = [s.sample_id for s in samples]
    sql = f"SELECT sample_id, ref_genome FROM ({store.relation_sql('tumor_profile', store.current_version)}) WHERE sample_id IN (SELECT unnest(?::VARCHAR[]))"
    held = dict(store.con.execute(sql, [ids]).fetchall())
    for s in samples:
        if held.get(s.sample_id) and held[s.sample_id] != s.ref_genome:
            problems.error(
                s.files.prefix, None, None,
                f"the store holds sample {s.sample_id} on {held[s.sample_id]}, these files are on {s.ref_genome}",
                "builds are never mixed: store this run under another sample id (--as), or withdraw the old one first",
            )


def ingest_hmftools(
    store: Store,
    path: Path,
    *,
    sample: str | None = None,
    sample_id: str | None = None,
    ref_genome: str | None = None,
    sample_sheet: Path | None = None,
    panel: str | None = None,
    gene_panel_files: Sequence[Path] = (),
    progress: Progress = silent,
) -> IngestReport:
    """Load the hmftools / oncoanalyser outputs under `path` (or one ORANGE JSON) into `store`.

    Every sample found (or only `sample`) is loaded in one transaction, each under its file
    prefix or `sample_id`; re-ingesting a sample replaces all its rows in every genomic
    table this reader writes. Samples not yet in the store are registered (a `sample` row
    with the patient from `sample_sheet`, a samplesheet*.csv in `path`, or the stored
    clinical data). A targeted (panel) run gets its panel's genes (gene_panels.py): `panel`
    names it where the run's pipeline_info does not, `gene_panel_files` give definitions
    (cBioPortal gene panel files). Raises IngestError listing every problem, loading nothing.
    """
    path = Path(path)
    problems = Problems()
    sheet_path = Path(sample_sheet) if sample_sheet is not None else register.find_sample_sheet(path)
    sheet = register.read_sample_sheet(sheet_path, problems) if sheet_path is not None else {}
    found = discover(path, problems, sample)
    problems.raise_if_errors()
    if sample_id is not None and len(found) > 1:
        problems.error(
            str(path), None, None,
            f"--as names one sample but {len(found)} were found ({', '.join(f.prefix for f in found)})",
            "pick one with --sample",
        )
        problems.raise_if_errors()

    samples: list[SampleData] = []
    for files in found:
        build, headers = _ref_genome(files, ref_genome, problems)
        if build is None:
            continue
        samples.append(read_sample(path if path.is_dir() else path.parent, files, sample_id or files.prefix, build, headers, problems, progress))
    seen: dict[str, str] = {}
    for s in samples:
        if s.sample_id in seen:
            problems.error(str(path), None, None, f"two samples would be stored as {s.sample_id} ({seen[s.sample_id]} and {s.files.prefix})", "ingest them separately with --sample and --as")
        seen[s.sample_id] = s.files.prefix
    root = path if path.is_dir() else path.parent
    panel_rows = gene_panels.assign(store, samples, root, panel, gene_panel_files, problems)
    problems.raise_if_errors()
    _check_store_builds(store, samples, problems)
    problems.raise_if_errors()

    report = IngestReport(SOURCE, samples=[s.sample_id for s in samples])
    for s in samples:
        report.files_not_read.extend(str(f) for f in s.files.unread)
        report.layouts.update(s.layouts)
        for file, columns in s.not_stored.items():
            report.not_stored.extend({"file": file, "column": c, "reason": r} for c, r in columns.items())
    owners = [s.sample_id for s in samples]
    description = f"{path} ({', '.join(owners)})"
    with store.transaction(SOURCE, description) as tx:
        tx.replace("somatic_variant", None, owners=owners)
        variants = 0
        for s in samples:
            if s.somatic_vcf is not None:
                load = load_somatic_vcf(
                    tx, s.somatic_vcf, sample_id=s.sample_id, tumor=s.tumor_column,
                    ref_genome=s.ref_genome, problems=problems, progress=progress,
                )
                variants += load.rows
        problems.raise_if_errors()
        for name in GENOMIC_TABLES:
            table = TABLES_BY_NAME[name]
            rows = []
            for s in samples:
                source = [s.profile] if name == "tumor_profile" else s.tables.get(name, [])
                if name == "somatic_variant" and s.somatic_vcf is not None:
                    continue
                rows.extend({**row, "sample_id": s.sample_id} for row in source)
            inserted = tx.replace(name, to_arrow(table, rows), owners=owners) if rows else tx.replace(name, None, owners=owners)
            report.rows[name] = inserted + (variants if name == "somatic_variant" else 0)
        if panel_rows:
            panels = sorted({r["panel_id"] for r in panel_rows})
            report.rows["gene_panel"] = tx.replace("gene_panel", to_arrow(TABLES_BY_NAME["gene_panel"], panel_rows), owners=panels)
        report.registered, report.unregistered, report.without_clinical = register.register(
            store, tx, [(s.sample_id, s.files.prefix) for s in samples], sheet, problems)
        if report.registered:
            report.rows["sample"] = len(report.registered)
    report.version = tx.version
    report.warnings = list(tx.warnings)
    report.problems = problems.warnings
    return report
