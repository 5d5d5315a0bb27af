"""`onconode ingest ...`: load pipeline outputs and clinical data into the store.

A command group of its own, loaded only when it runs (cli/lazy.py). Each command still
imports its reader when it runs: `ingest vcf` starts inflating the file and keeps pandas
out of pyarrow's start-up probe before the libraries load (ingest/arrow_start.py), which
importing every reader here at the top would undo.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

import typer

from onconode.interfaces.cli.common import INVALID, err, fail, open_store, out, progress_bar, warn

ingest_app = typer.Typer(no_args_is_help=True, help="Load pipeline outputs and clinical data into the store.")


def run_ingest(call: Callable[..., object]) -> None:
    """Run a reader, turning validation problems into a clear, complete report."""
    # lazy: DuckDB, pyarrow, Ibis or SQLAlchemy load only for the command that runs (tests/test_cli_startup.py)
    from onconode.ingest.problems import IngestError
    from onconode.store import IntegrityError, StoreError

    with open_store() as store:
        try:
            report = call(store)
        except IngestError as exc:
            fail(str(exc), INVALID)
        except (IntegrityError, StoreError) as exc:
            fail(f"{exc}\nNothing was loaded; the store is unchanged.", INVALID)
    rows = ", ".join(f"{n:,} {t}" for t, n in report.rows.items() if n)
    out.print(f"version {report.version}: {rows or 'no rows'}", highlight=False)
    for line in report.notes():
        out.print(line, highlight=False, markup=False, soft_wrap=True)
    for w in report.warnings:
        warn(w)
    for problem in report.problems:  # already says its severity and where it is
        err.print(str(problem), highlight=False, markup=False, soft_wrap=True)


REF_HELP = "Reference genome (GRCh37 or GRCh38); default: read from the files."


@ingest_app.command("hmftools")
def ingest_hmftools(
    path: Path,
    sample: Optional[str] = typer.Option(None, "--sample", help="Tumour sample id as the files name it (default: found in the folder)."),
    sample_id: Optional[str] = typer.Option(None, "--as", help="Store the sample under this pseudonym."),
    ref_genome: Optional[str] = typer.Option(None, "--ref-genome", help=REF_HELP),
    sample_sheet: Optional[Path] = typer.Option(
        None, "--sample-sheet",
        help="oncoanalyser sample sheet (CSV: group_id, subject_id, sample_id, sample_type ...) naming each sample's "
             "patient; default: a samplesheet*.csv in PATH, else the clinical data already stored."),
    panel: Optional[str] = typer.Option(
        None, "--panel", help="Panel of targeted runs (oncoanalyser's --panel, e.g. tso500); default: the run's "
                              "pipeline_info/params_*.json."),
    gene_panel: list[Path] = typer.Option(
        [], "--gene-panel", help="A panel's gene list as a cBioPortal gene panel file (stable_id, description, gene_list); "
                                 "repeatable. Default: data_gene_panel_*.txt in PATH, else the panels the store holds."),
) -> None:
    """A per-sample hmftools / nf-core/oncoanalyser output folder (or a folder of them)."""
    # lazy: DuckDB, pyarrow, Ibis or SQLAlchemy load only for the command that runs (tests/test_cli_startup.py)
    from onconode.ingest.hmftools import ingest_hmftools as ingest

    run_ingest(lambda s: ingest(s, path, sample=sample, sample_id=sample_id, ref_genome=ref_genome,
                                sample_sheet=sample_sheet, panel=panel, gene_panel_files=gene_panel, progress=progress_bar))


@ingest_app.command("vcf")
def ingest_vcf(
    path: Path,
    sample_id: Optional[str] = typer.Option(None, "--sample-id", help="Store under this sample id (default: the tumour column)."),
    tumor: Optional[str] = typer.Option(None, "--tumor", help="Name of the tumour sample column."),
    ref_genome: Optional[str] = typer.Option(None, "--ref-genome", help=REF_HELP),
) -> None:
    """A somatic VCF from any caller (PURPLE/SAGE annotations are used when present)."""
    # lazy: DuckDB, pyarrow, Ibis or SQLAlchemy load only for the command that runs (tests/test_cli_startup.py)
    from onconode.ingest.vcf.body import prefetch

    with prefetch(path):  # the file inflates while the libraries load and the store opens
        # lazy: DuckDB, pyarrow, Ibis or SQLAlchemy load only for the command that runs (tests/test_cli_startup.py)
        from onconode.ingest.arrow_start import without_pandas_probe

        without_pandas_probe()
        # lazy: DuckDB, pyarrow, Ibis or SQLAlchemy load only for the command that runs (tests/test_cli_startup.py)
        from onconode.ingest.vcf import ingest_vcf as ingest

        run_ingest(lambda s: ingest(s, path, sample_id=sample_id, tumor=tumor, ref_genome=ref_genome, progress=progress_bar))


@ingest_app.command("maf")
def ingest_maf(path: Path, ref_genome: Optional[str] = typer.Option(None, "--ref-genome", help=REF_HELP)) -> None:
    """A MAF file (GDC or cBioPortal columns)."""
    # lazy: DuckDB, pyarrow, Ibis or SQLAlchemy load only for the command that runs (tests/test_cli_startup.py)
    from onconode.ingest.maf import ingest_maf as ingest

    run_ingest(lambda s: ingest(s, path, ref_genome=ref_genome, progress=progress_bar))


@ingest_app.command("cbioportal")
def ingest_cbioportal(path: Path, dataset: Optional[str] = typer.Option(None, "--dataset", help="Dataset id (default: the study id).")) -> None:
    """A cBioPortal study folder (meta files, clinical, MAF, CNA, SV, timeline, case lists)."""
    # lazy: DuckDB, pyarrow, Ibis or SQLAlchemy load only for the command that runs (tests/test_cli_startup.py)
    from onconode.ingest.cbioportal import ingest_cbioportal as ingest

    run_ingest(lambda s: ingest(s, path, dataset=dataset, progress=progress_bar))


@ingest_app.command("clinical")
def ingest_clinical(
    path: Path,
    curation: Optional[Path] = typer.Option(None, "--curation", help="Folder with tumour-location and treatment mapping tables (default: the embedded ones)."),
) -> None:
    """Clinical TSVs (patients, biopsies, treatments, responses, consents) in the documented layout."""
    # lazy: DuckDB, pyarrow, Ibis or SQLAlchemy load only for the command that runs (tests/test_cli_startup.py)
    from onconode.ingest.clinical import ingest_clinical as ingest

    run_ingest(lambda s: ingest(s, path, curation=curation, progress=progress_bar))


@ingest_app.command("ecrf")
def ingest_ecrf(path: Path, dataset: Optional[str] = typer.Option(None, "--dataset", help="Dataset id (default: the study, e.g. CPCT2 or WIDE).")) -> None:
    """eCRF exports (ODM-XML, WIDE CSV, lims.json) with the curation tables in the same folder; re-run after extending them."""
    # lazy: lxml and the ingest modules load only for the command that uses them (tests/test_cli_startup.py)
    from onconode.ingest.ecrf import ingest_ecrf as ingest

    run_ingest(lambda s: ingest(s, path, dataset=dataset, progress=progress_bar))


@ingest_app.command("phenopackets")
def ingest_phenopackets(path: Path, dataset: str = typer.Option("phenopackets", "--dataset", help="Dataset id for the patients.")) -> None:
    """GA4GH Phenopackets v2 JSON (a file or a folder of them)."""
    # lazy: DuckDB, pyarrow, Ibis or SQLAlchemy load only for the command that runs (tests/test_cli_startup.py)
    from onconode.ingest.phenopackets import ingest_phenopackets as ingest

    run_ingest(lambda s: ingest(s, path, dataset=dataset, progress=progress_bar))


@ingest_app.command("fhir")
def ingest_fhir(path: Path, dataset: str = typer.Option("fhir", "--dataset", help="Dataset id for patients whose bundle names none.")) -> None:
    """FHIR R4 mCODE patient bundles (a file or a folder of them, as `onconode export fhir` writes)."""
    # lazy: DuckDB, pyarrow, fhir.resources (pydantic models) load only for the command that runs (tests/test_cli_startup.py)
    from onconode.ingest.fhir import ingest_fhir as ingest

    run_ingest(lambda s: ingest(s, path, dataset=dataset, progress=progress_bar))
