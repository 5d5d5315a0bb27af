"""Reading one tumour sample's hmftools files into rows of the model.

Folder files come first; ORANGE fills what the folder lacks (a sample with only an ORANGE
record still gets its profile, drivers, reportable variants and fusions). Nothing here
writes to the store: the caller loads every sample in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from onconode.ingest.hmftools import (
    chord, layouts, linx, linx_clusters, orange, orange_tools, purple, purple_germline, sv_vcf, targeted, tools, versions)
from onconode.ingest.hmftools.discover import SampleFiles
from onconode.ingest.problems import Problems
from onconode.progress import Progress, silent
from onconode.ingest.genes import is_known_gene

Row = dict[str, Any]
# sample_gene_panel: a whole genome has no panel, so (re-)ingesting one clears any panel an
# earlier import gave it (it covers every gene); a targeted run gets its panel (gene_panels.py).
GENOMIC_TABLES = (
    "tumor_profile", "somatic_variant", "copy_number_segment", "gene_copy_number",
    "structural_variant", "sv_breakend", "fusion", "driver", "sample_gene_panel",
    "germline_amp_del", "chromosome_arm_copy_number", "sv_driver", "sv_cluster", "sv_link", "tool_version",
) + tools.TABLES


@dataclass
class SampleData:
    files: SampleFiles
    sample_id: str
    ref_genome: str
    profile: Row = field(default_factory=dict)
    tables: dict[str, list[Row]] = field(default_factory=dict)
    somatic_vcf: Path | None = None
    tumor_column: str | None = None
    # file → {column: reason} for columns read but not stored; file → versions its layout matches
    not_stored: dict[str, dict[str, str]] = field(default_factory=dict)
    layouts: dict[str, list[str]] = field(default_factory=dict)


KIND_LAYOUTS: dict[str, tuple[layouts.Layout, ...]] = {**layouts.LAYOUTS, **tools.LAYOUTS, targeted.KIND: targeted.LAYOUTS}


def check_layouts(files: SampleFiles, problems: Problems) -> dict[str, tuple[list[str], list[layouts.Layout]]]:
    """File kind -> (header, the layouts it fits) for each file whose header was read;
    a header no layout fits is an error (and an empty list of layouts)."""
    checked = {}
    for kind, path in files.files.items():
        known = KIND_LAYOUTS.get(kind.split("@")[0])
        header = layouts.read_header(path) if known else None
        if header is not None:
            checked[kind] = (header, layouts.check(path, header, known, problems))
    return checked


def unread_columns(data: "SampleData", checked: dict[str, tuple[list[str], list[layouts.Layout]]], problems: Problems) -> None:
    """Per file, the columns not stored (layouts.not_stored) with the reason for each."""
    for kind, (header, fits) in checked.items():
        path = data.files.get(kind)
        skipped = layouts.not_stored(fits[0], header, problems.columns_read.get(str(path)))
        if skipped:
            data.not_stored[str(path)] = skipped


def _pipeline_text(rows: list[Row]) -> str:
    """'hmftools: purple 4.1, linx 1.25, ...' from the sample's tool_version rows."""
    named = [f"{r['tool']} {r['version']}" for r in rows if r["tool"] != "wigits"]
    return "hmftools: " + ", ".join(named) if named else "hmftools"


def _tumor_column(files: SampleFiles, header: sv_vcf.VcfHeader | None, problems: Problems, path: Path) -> str | None:
    """The somatic VCF's tumour sample column (sv_vcf.tumour_column); failing that the VCF
    loader decides (and says so when it cannot)."""
    if header is None or not header.samples:
        return None
    name, guessed = sv_vcf.tumour_column(header.samples, files.prefix)
    if guessed and not all(s.endswith("R") for s in header.samples if s != name):
        return None   # more than a tumour/normal pair: the loader's own rules decide
    if guessed:
        problems.warning(
            str(path), None, None,
            f"no sample column is named {files.prefix}; took {name} as the tumour (Hartwig …T / …R naming)",
            "rename the column or ingest the VCF with `onconode ingest vcf --tumor NAME` if this is wrong",
        )
    return name


def read_sample(
    root: Path,
    files: SampleFiles,
    sample_id: str,
    ref_genome: str,
    headers: dict[str, sv_vcf.VcfHeader],
    problems: Problems,
    progress: Progress = silent,
) -> SampleData:
    """Every table's rows for one sample (somatic VCF variants are loaded later, in the transaction)."""
    checked = check_layouts(files, problems)
    # A file of an unknown layout is left unread: its one error says it all, reading would repeat it per row.
    files = SampleFiles(files.prefix, {k: v for k, v in files.files.items() if k not in checked or checked[k][1]}, files.unread)
    checked = {k: v for k, v in checked.items() if v[1]}
    matched = {str(files.get(k)): [layout.versions for layout in fits] for k, (_, fits) in checked.items()}
    data = SampleData(files, sample_id, ref_genome, layouts=matched)
    get = files.get
    with progress(f"reading {files.prefix}", total=len(files.files)) as advance:
        profile: Row = {}
        if get("purple_purity"):
            profile |= purple.read_purity(get("purple_purity"), problems)
            advance(1)
        if get("purple_qc"):
            profile |= purple.read_qc(get("purple_qc"), problems)
            advance(1)
        if get("chord"):
            profile |= chord.read_chord(get("chord"), problems)
            advance(1)
        record = orange.read_orange(get("orange"), problems, ref_genome) if get("orange") else None
        if record:
            for key, value in record.profile.items():
                if profile.get(key) is None:
                    profile[key] = value
            advance(1)
        ploidy = profile.get("ploidy")
        tables: dict[str, list[Row]] = {}

        if get("purple_cnv_somatic"):
            tables["copy_number_segment"] = purple.read_segments(get("purple_cnv_somatic"), problems, ref_genome)
            advance(1)
        if get("purple_cnv_gene"):
            tables["gene_copy_number"] = purple.read_gene_copy_numbers(get("purple_cnv_gene"), problems, ref_genome, ploidy)
            advance(1)

        catalogs = []
        if get("purple_germline_amp_del"):
            tables["germline_amp_del"] = purple_germline.read_germline_amp_del(get("purple_germline_amp_del"), problems, ref_genome)
            advance(1)
        if get("purple_chromosome_arm"):
            tables["chromosome_arm_copy_number"] = purple_germline.read_chromosome_arms(get("purple_chromosome_arm"), problems, ref_genome)
            advance(1)
        if get("linx_drivers"):
            tables["sv_driver"] = linx_clusters.read_sv_drivers(get("linx_drivers"), problems)
            advance(1)
        if get("linx_clusters"):
            tables["sv_cluster"] = linx_clusters.read_clusters(get("linx_clusters"), problems)
            advance(1)
        if get("linx_links"):
            tables["sv_link"] = linx_clusters.read_links(get("linx_links"), problems, ref_genome)
            advance(1)

        for kind, germline in (("purple_driver_somatic", False), ("purple_driver_germline", True),
                               ("linx_driver_catalog", False), ("linx_germline_driver_catalog", True)):
            if get(kind):
                catalogs.append((get(kind), purple.read_driver_catalog(get(kind), problems, ref_genome, germline)))
                advance(1)
        if catalogs:
            tables["driver"] = purple.merge_drivers(problems, catalogs)

        breakend_genes: dict[int, str] = {}
        if get("linx_breakend"):
            tables["sv_breakend"] = linx.read_breakends(get("linx_breakend"), problems)
            breakend_genes = {r["breakend_id"]: r["gene"] for r in tables["sv_breakend"] if r.get("breakend_id") is not None}
            advance(1)
        if get("linx_fusion"):
            tables["fusion"] = linx.read_fusions(get("linx_fusion"), problems, breakend_genes)
            advance(1)

        breakends = None
        if get("purple_sv_vcf") and "purple_sv_vcf" in headers:
            breakends = sv_vcf.read_breakends(get("purple_sv_vcf"), problems, headers["purple_sv_vcf"], ref_genome)
            advance(1)
        if get("linx_svs"):
            svs = linx.read_svs(get("linx_svs"), problems, ref_genome)
            if breakends is not None:
                sv_vcf.enrich_from_vcf(get("linx_svs"), get("purple_sv_vcf"), svs, breakends, problems)
            linx.fill_breakends_from_svs(tables.get("sv_breakend", []), svs)
            tables["structural_variant"] = [{k: v for k, v in r.items() if not k.startswith("_")} for r in svs]
            advance(1)
        elif breakends is not None:
            tables["structural_variant"] = sv_vcf.pair_svs(get("purple_sv_vcf"), problems, breakends)
        if tables.get("fusion"):
            linx_clusters.rebuild_fusion_junction_copy_numbers(
                tables["fusion"], tables.get("sv_breakend", []), tables.get("structural_variant", []))
            linx.fill_fusion_transcripts(tables["fusion"], tables.get("sv_breakend", []))

        if get("purple_somatic_vcf"):
            data.somatic_vcf = get("purple_somatic_vcf")
            data.tumor_column = _tumor_column(files, headers.get("purple_somatic_vcf"), problems, data.somatic_vcf)

        if record:
            for name, rows in record.tables.items():
                if name == "somatic_variant" and data.somatic_vcf:
                    continue
                tables.setdefault(name, rows)
            if not get("purple_cnv_gene"):
                for row in tables.get("gene_copy_number", []):
                    row["cna_call"] = purple.cna_call(row.get("min_copy_number"), ploidy)

    tables.update(tools.read_tool_files(files, ref_genome, problems))
    if record:   # ORANGE fills the tool tables the folder has no file for
        for name, rows in orange_tools.read(record, problems).items():
            tables.setdefault(name, rows)
    profile["ref_genome"] = ref_genome
    tables["tool_version"] = versions.read_versions(root, files, headers, record.pipeline_version if record else None, problems)
    profile["pipeline"] = record.pipeline if record and not get("purple_purity") and record.pipeline else _pipeline_text(tables["tool_version"])
    data.profile = profile
    data.tables = tables
    unread_columns(data, checked, problems)
    _check_genes(data, problems)
    return data


def _check_genes(data: SampleData, problems: Problems) -> None:
    """One warning per file naming gene symbols the gene reference does not know.

    Only drivers and fusion partners are checked: PURPLE's gene copy-number file lists
    every Ensembl gene, non-coding ones included, which the protein-coding reference
    rightly does not hold.
    """
    checks = (
        ("driver", ("gene",), data.files.get("linx_driver_catalog") or data.files.get("purple_driver_somatic")),
        ("fusion", ("five_prime_gene", "three_prime_gene"), data.files.get("linx_fusion")),
    )
    for table, columns, path in checks:
        unknown = sorted({r[c] for r in data.tables.get(table, []) for c in columns if r.get(c) and not is_known_gene(r[c])})
        if unknown:
            shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
            problems.warning(
                str(path or data.files.get("orange") or data.files.prefix), None, None,
                f"{len(unknown)} gene symbol(s) not in the protein-coding gene reference: {shown}",
                "check for typos or outdated symbols; the rows were loaded as written",
            )
