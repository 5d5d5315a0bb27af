"""The `onconode` command: parse, call a service, render. No domain logic lives here."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table as RichTable

from onconode import private
from onconode.config import resolve_home
from onconode.interfaces.cli.common import (
    CHECK_FAILED,
    INVALID,
    fail,
    open_store,
    queue_derived_builds,
    out,
    progress_bar,
    state,
)
from onconode.interfaces.cli.lazy import LazyGroups
from onconode.interfaces.root import wire


class Groups(LazyGroups):
    """The command groups kept in modules of their own, each imported only when it runs (cli/lazy.py)."""

    lazy = {
        "access": ("onconode.interfaces.cli.access:access_app", "Data-access governance: accounts, applications, deadlines, register."),
        "audit": ("onconode.interfaces.cli.access:audit_app", "The tamper-evident audit trail of governance events."),
        "secrets": ("onconode.interfaces.cli.access:secrets_app", "The at-rest key that encrypts TOTP secrets and private keys."),
        "cohort": ("onconode.interfaces.cli.analysis:cohort_app", "Saved cohorts: a name and a shareable id for a cohort definition."),
        "analyse": ("onconode.interfaces.cli.analysis:analyse_app", "Analyses of cohorts (disclosure-controlled, like the portal)."),
        "release": ("onconode.interfaces.cli.release:release_app", "Licensed data releases: build, list, verify, trace."),
        "federation": ("onconode.interfaces.cli.federation:federation_app", "Federated analysis: coordinator, node agent, runs."),
        "beacon": ("onconode.interfaces.cli.beacon:beacon_app", "GA4GH Beacon v2: query a network of node Beacons."),
        "ingest": ("onconode.interfaces.cli.ingest:ingest_app", "Load pipeline outputs and clinical data into the store."),
        "jobs": ("onconode.interfaces.cli.jobs:jobs_app", "Background jobs: release builds, snapshots, indexes, exports, mail."),
        "catalogue": ("onconode.interfaces.cli.catalogue:catalogue_app", "The catalogue harvesters read (HealthDCAT-AP, FAIR Data Point): validate, show."),
        "worker": ("onconode.interfaces.cli.jobs:worker_app", "Run jobs from the queue in the node's governance database (on this or another host)."),
    }


app = typer.Typer(cls=Groups, no_args_is_help=True, add_completion=False, pretty_exceptions_show_locals=False,
                  help="A national cancer genomics database node.")
freeze_app = typer.Typer(no_args_is_help=True, help="Data freezes: immutable, named data releases.")
app.add_typer(freeze_app, name="freeze")
settings_app = typer.Typer(no_args_is_help=True, help="The node's settings: one file, <home>/onconode.toml (docs/settings.md).")
app.add_typer(settings_app, name="settings")


@app.callback()
def main(
    home: Optional[Path] = typer.Option(None, "--home", help="Node data folder (default ./onconode-data or $ONCONODE_HOME)."),
) -> None:
    state.home = resolve_home(home)
    private.restrict_umask()  # everything this command creates in the home is owner-only
    wire()


# -- node ----------------------------------------------------------------------------
@app.command()
def init() -> None:
    """Create an empty node store in the home folder, owner-only, with its at-rest key.

    On an existing home it also removes group and other permissions left by an older version."""
    # lazy: DuckDB, pyarrow, Ibis or SQLAlchemy load only for the command that runs (tests/test_cli_startup.py)
    from onconode.access.secretbox import load as load_secrets
    from onconode.store import Store

    private.tighten(private.node_home(state.home))
    box = load_secrets(state.home, create=True)
    with Store.init(state.home) as store:
        out.print(f"initialised store in {state.home} (version {store.current_version})")
    out.print(f"at-rest key {box.path}: back it up apart from the data", highlight=False, soft_wrap=True)


@app.command()
def schema(as_json: bool = typer.Option(False, "--json", help="Print the dictionary as JSON.")) -> None:
    """Print the data dictionary of the harmonized model."""
    # lazy: DuckDB, pyarrow, Ibis or SQLAlchemy load only for the command that runs (tests/test_cli_startup.py)
    from onconode.model.dictionary import data_dictionary_json, data_dictionary_markdown

    if as_json:
        sys.stdout.write(json.dumps(data_dictionary_json(), indent=2) + "\n")
    else:
        sys.stdout.write(data_dictionary_markdown())


@app.command()
def stats(
    freeze: Optional[str] = typer.Option(None, "--freeze", help="Count rows in this freeze instead of now."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Row counts per table."""
    # lazy: DuckDB, pyarrow, Ibis or SQLAlchemy load only for the command that runs (tests/test_cli_startup.py)
    from onconode.store import StoreError

    with open_store(read_only=True) as store:
        try:
            counts = store.counts(freeze)
            version = store.resolve(freeze)
        except StoreError as exc:
            fail(str(exc))
    if as_json:
        sys.stdout.write(json.dumps({"version": version, "freeze": freeze, **counts}) + "\n")
        return
    table = RichTable(title=f"store version {version}" + (f" (freeze {freeze})" if freeze else ""))
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in counts.items():
        table.add_row(name, f"{n:,}")
    out.print(table)


@freeze_app.command("create")
def freeze_create(freeze_id: str, description: str = typer.Option("", "--description", "-d"),
                  background: bool = typer.Option(False, "--background",
                                                  help="Queue the release snapshot and the Beacon index as jobs and return at once.")) -> None:
    """Pin the current version as an immutable data release, e.g. DR-2026-11."""
    # lazy: DuckDB, pyarrow, Ibis or SQLAlchemy load only for the command that runs (tests/test_cli_startup.py)
    import duckdb

    # lazy: DuckDB, pyarrow, Ibis or SQLAlchemy load only for the command that runs (tests/test_cli_startup.py)
    from onconode.release.snapshot import build as build_snapshot
    from onconode.store import StoreError

    with open_store() as store:
        try:
            f = store.create_freeze(freeze_id, description)
        except StoreError as exc:
            fail(str(exc))
    out.print(f"freeze {f.freeze_id} pins store version {f.version}")
    if background:
        # lazy: SQLAlchemy, DuckDB and pyarrow load only for the command that uses them (tests/test_cli_startup.py)
        from onconode.access.db import open_governance
        from onconode.beacon.positions import NAME as POSITIONS
        from onconode.release.snapshot import NAME as SNAPSHOT
        from onconode.store import derived_jobs

        with open_store(read_only=True) as store, open_governance(state.home) as gov:
            ids = [derived_jobs.enqueue(gov.engine, store, name, f.version, "cli") for name in (SNAPSHOT, POSITIONS)]
        out.print(f"queued jobs {ids[0]} (release snapshot) and {ids[1]} (Beacon index); follow them with `onconode jobs list`",
                  highlight=False)
        return
    with open_store(read_only=True) as store:  # ingests may write again while it is built
        try:
            snap = build_snapshot(store, f.freeze_id)  # what release builds read (onconode.release.snapshot)
        except (OSError, duckdb.Error) as exc:
            fail(f"freeze {f.freeze_id} is created, but its release snapshot could not be built ({exc}); "
                 f"free disk space or fix the folder's permissions, then run `onconode release snapshot {f.freeze_id}` "
                 "(release builds also make it when it is missing)")
    out.print(f"release snapshot: {snap.meta['rows']:,} variants, {snap.meta['bytes'] / 1e6:,.1f} MB, "
              f"built in {snap.meta['build_seconds']} s")


@freeze_app.command("list")
def freeze_list() -> None:
    """List freezes and the versions they pin."""
    with open_store(read_only=True) as store:
        freezes = store.freezes()
    table = RichTable()
    for c in ("freeze", "version", "created", "description"):
        table.add_column(c)
    for f in freezes:
        table.add_row(f.freeze_id, str(f.version), f.created_at.strftime("%Y-%m-%d %H:%M"), f.description or "")
    out.print(table)


@app.command()
def withdraw(patient_id: str, reason: str = typer.Option("", "--reason", help="Reference of the withdrawal request.")) -> None:
    """Process a consent withdrawal: delete the patient from the store, every freeze and every
    derived copy; take each release holding them off download and queue its rebuild as a
    job; list delivered releases for the office."""
    # lazy: SQLAlchemy, DuckDB and pyarrow load only for the command that uses them (tests/test_cli_startup.py)
    from onconode.access.db import open_governance
    from onconode.release.builder import built_releases
    from onconode.release.withdrawn import after_withdrawal, rebuild
    from onconode.store import StoreError
    from onconode.store.store import withdrawal_sequence
    from onconode.store.withdraw import withdraw_patient

    done: dict[str, list[str]] = {"withheld": [], "delivered": []}
    with open_store(queue_derived=False) as store:
        try:
            n = withdraw_patient(store, patient_id, reason)
        except StoreError as exc:
            fail(str(exc))
        withdrawals = withdrawal_sequence(store)
        if built_releases(state.home):   # before the store is published (on leaving this block)
            with open_governance(state.home) as gov:
                done = after_withdrawal(state.home, store, gov, patient_id)
    out.print(f"withdrew {patient_id}: {n:,} rows removed from every version; recorded in the withdrawal log")
    if done["withheld"]:
        with open_governance(state.home) as gov:
            queued = rebuild(gov, done["withheld"], withdrawals)
        for app_id, job_id in queued.items():
            out.print(f"release {app_id} held the patient: off download now; job {job_id} rebuilds it without them and "
                      f"makes it available again (`onconode jobs show {job_id}`)", highlight=False)
    queue_derived_builds(state.home)   # after the release builds: a release off download waits on no index
    if done["delivered"]:
        out.print(f"already downloaded: {', '.join(done['delivered'])}; the office must tell the licensees "
                  "(`onconode release withdrawn-deliveries`)")


@app.command("export-parquet")
def export_parquet(
    dest: Path,
    freeze: Optional[str] = typer.Option(None, "--freeze", help="Export this freeze (default: the current version)."),
    background: bool = typer.Option(False, "--background", help="Queue the export as a job and return at once (`onconode jobs show ID`)."),
) -> None:
    """Write a freeze as hive-partitioned Parquet (for Spark or any Parquet reader)."""
    # lazy: DuckDB, pyarrow, Ibis or SQLAlchemy load only for the command that runs (tests/test_cli_startup.py)
    from onconode.store import StoreError
    from onconode.store.parquet import export_parquet as export

    if background:
        # lazy: SQLAlchemy, DuckDB and pyarrow load only for the command that uses them (tests/test_cli_startup.py)
        from onconode.access.db import open_governance
        from onconode.store.jobs import enqueue_export

        with open_governance(state.home) as gov:
            job_id = enqueue_export(gov.engine, dest, freeze, created_by="cli")
        out.print(f"queued job {job_id}: export to {dest}; follow it with `onconode jobs show {job_id}` "
                  "(a worker runs it: `onconode serve` or `onconode worker`)", highlight=False)
        return

    with open_store(read_only=True) as store:
        try:
            written = export(store, dest, freeze, progress=progress_bar)
        except StoreError as exc:
            fail(str(exc))
    out.print(f"wrote {sum(written.values()):,} rows in {len(written)} tables to {dest}")


@app.command("export")
def export_model(
    fmt: str = typer.Argument(..., metavar="FORMAT", help="mds (1+MG / GDI minimal dataset), omop, fhir or phenopackets."),
    out_dir: Path = typer.Argument(..., metavar="OUT", help="A new or empty folder for the files and report.json."),
    freeze: str = typer.Option(..., "--freeze", help="The freeze to export, e.g. DR-2026-11."),
    background: bool = typer.Option(False, "--background", help="Queue the export as a job and return at once (`onconode jobs show ID`)."),
) -> None:
    """Export a freeze in a standard model, patient by patient, with a report of what it could not express (docs/exchange.md)."""
    # lazy: the export formats load protobuf, DuckDB and their schemas only for this command (tests/test_cli_startup.py)
    from onconode.exchange.run import ExportError, check_format, export_freeze
    from onconode.store import StoreError

    try:
        check_format(fmt)
    except ExportError as exc:
        fail(str(exc), INVALID)
    if background:
        # lazy: SQLAlchemy loads only for the command that uses it (tests/test_cli_startup.py)
        from onconode.access.db import open_governance
        from onconode.exchange.jobs import enqueue_export

        with open_governance(state.home) as gov:
            job_id = enqueue_export(gov.engine, fmt, freeze, out_dir, created_by="cli")
        out.print(f"queued job {job_id}: {fmt} export of {freeze} to {out_dir}; follow it with `onconode jobs show {job_id}` "
                  "(a worker runs it: `onconode serve` or `onconode worker`)", highlight=False)
        return
    with open_store(read_only=True) as store:
        try:
            report = export_freeze(store, fmt, freeze, out_dir, progress=progress_bar)
        except (ExportError, StoreError) as exc:
            fail(f"{exc}\nNothing was exported.")
    files = ", ".join(f"{name} ({n:,})" for name, n in sorted(report.files.items()))
    out.print(f"exported {report.patients:,} patients of {freeze} as {fmt} to {out_dir}: {files}; report in {out_dir / 'report.json'}",
              highlight=False, soft_wrap=True)
    if report.not_expressed:
        out.print(f"not expressed in {fmt} ({sum(report.not_expressed.values()):,} values):", highlight=False)
        for what, n in sorted(report.not_expressed.items()):
            out.print(f"  {n:>8,}  {what}", highlight=False, soft_wrap=True)


# -- synthetic data, quality, demo ---------------------------------------------------------
@app.command()
def synth(
    patients: int = typer.Option(..., "--patients", min=1, help="Number of patients."),
    seed: int = typer.Option(1, "--seed", help="Random seed: the same seed gives the same cohort."),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="Write hmftools-format folders and clinical TSVs here."),
    into_store: bool = typer.Option(False, "--into-store", help="Load directly into the store (fast, at scale)."),
    variants: Optional[int] = typer.Option(None, "--variants-per-sample", help="Median somatic variants per sample (default ~20,000)."),
    wigits: str = typer.Option("3.0", "--wigits", help="WiGiTS generation of the written files and tool versions: 3.0 or 2.x."),
) -> None:
    """Generate a realistic synthetic cohort with planted, documented biomarker effects."""
    # lazy: DuckDB, pyarrow, Ibis or SQLAlchemy load only for the command that runs (tests/test_cli_startup.py)
    from onconode.synth import load_cohort, write_cohort
    from onconode.synth.tool_tables import GENERATIONS

    if (out_dir is None) == (not into_store):
        fail("choose exactly one of --out DIR or --into-store")
    if wigits not in GENERATIONS:
        fail(f"--wigits {wigits} is not a generation synth writes: use one of {', '.join(GENERATIONS)}")
    if out_dir is not None:
        summary = write_cohort(out_dir, patients=patients, seed=seed, median_variants=variants, progress=progress_bar,
                               generation=wigits)
        out.print(f"wrote {summary}", highlight=False)
        return
    with open_store() as store:
        report = load_cohort(store, patients=patients, seed=seed, median_variants=variants, progress=progress_bar,
                             generation=wigits)
    out.print(f"version {report.version}: " + ", ".join(f"{n:,} {t}" for t, n in report.rows.items() if n), highlight=False)


@app.command()
def quality(
    freeze: Optional[str] = typer.Option(None, "--freeze"),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Data-quality report: completeness, QC pass rates, curation findings, per hospital and month."""
    # lazy: DuckDB, pyarrow, Ibis or SQLAlchemy load only for the command that runs (tests/test_cli_startup.py)
    from onconode.analysis.quality import quality_report, render_text
    from onconode.exchange.coverage import coverage, render_coverage
    from onconode.exchange.patients import freeze_relations
    from onconode.store import StoreError

    with open_store(read_only=True) as store:
        try:
            report = quality_report(store, freeze)
            report["exports"] = coverage(store.con, freeze_relations(store, store.resolve(freeze)))
        except StoreError as exc:
            fail(str(exc))
    if as_json:
        sys.stdout.write(json.dumps(report, default=str, indent=2) + "\n")
    else:
        out.print(render_text(report), highlight=False, soft_wrap=True)
        out.print("\nRequired content of each export (docs/exchange/)\n" + render_coverage(report["exports"]),
                  highlight=False, soft_wrap=True)


@app.command()
def demo(
    patients: int = typer.Option(2000, "--patients", min=10, help="Synthetic patients in the demo cohort."),
    variants: Optional[int] = typer.Option(None, "--variants-per-sample", min=1, help="Median somatic variants per sample (default ~20,000, as in real WGS)."),
    no_serve: bool = typer.Option(False, "--no-serve", help="Build the demo node and stop (do not start the portal)."),
    federation: bool = typer.Option(False, "--federation", help="Also start a federation of demo nodes."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port of the portal on 127.0.0.1."),
) -> None:
    """Build a demo node (synthetic cohort, the COLO829 sample, a freeze), print a summary, serve the portal."""
    # lazy: DuckDB, pyarrow, Ibis or SQLAlchemy load only for the command that runs (tests/test_cli_startup.py)
    from onconode.demo import build_demo, render_summary

    if federation:
        # lazy: DuckDB, pyarrow, Ibis or SQLAlchemy load only for the command that runs (tests/test_cli_startup.py)
        from onconode.federation.demo import run_demo

        try:
            view = run_demo(state.home, patients=min(patients, 150), serve=not no_serve, web_port=port,
                            say=lambda s: out.print(s, highlight=False, soft_wrap=True))
        except RuntimeError as exc:
            fail(str(exc))
        if view["status"] != "done":
            fail(f"the demo run ended {view['status']}, without a result; each node's state is shown above", CHECK_FAILED)
        return
    # lazy: DuckDB, pyarrow, Ibis or SQLAlchemy load only for the command that runs (tests/test_cli_startup.py)
    from onconode.store import StoreError

    try:
        summary = build_demo(state.home, patients=patients, median_variants=variants, progress=progress_bar)
    except StoreError as exc:
        fail(str(exc))
    out.print(render_summary(summary), highlight=False, soft_wrap=True)
    if not no_serve:
        _serve(state.home, "127.0.0.1", port)


def load_settings(home: Path, file: Optional[Path] = None):
    """The node's settings, or a clear error and exit: checked before anything starts."""
    # lazy: DuckDB, pyarrow, Ibis or SQLAlchemy load only for the command that runs (tests/test_cli_startup.py)
    from onconode.settings import Settings, SettingsError

    try:
        return Settings.load(home, file)
    except SettingsError as exc:
        fail(str(exc), INVALID)


@settings_app.command("check")
def settings_check(file: Optional[Path] = typer.Argument(None, help="The file to check (default <home>/onconode.toml or $ONCONODE_CONFIG).")) -> None:
    """Validate the settings file: exit 0 when the node can start with it, 2 with what to fix."""
    # lazy: DuckDB, pyarrow, Ibis or SQLAlchemy load only for the command that runs (tests/test_cli_startup.py)
    from onconode.settings import config_path

    load_settings(state.home, file)
    out.print(f"{config_path(state.home, file)}: ok", highlight=False)


@settings_app.command("show")
def settings_show() -> None:
    """Print the settings in effect (file, environment and defaults combined) as JSON."""
    print(json.dumps(load_settings(state.home).model_dump(mode="json"), indent=2))


@settings_app.command("docs")
def settings_docs() -> None:
    """Print docs/settings.md: every section and key with its default (generated from the model)."""
    # lazy: DuckDB, pyarrow, Ibis or SQLAlchemy load only for the command that runs (tests/test_cli_startup.py)
    from onconode.settings import settings_markdown

    print(settings_markdown())


def _serve(home: Path, host: str, port: int, workers: int = 1, job_workers: int | None = None) -> None:
    # lazy: SQLAlchemy and the web stack load only for `serve` (tests/test_cli_startup.py)
    from onconode.interfaces import worker as job_worker
    from onconode.interfaces.http.server import serve as run_server

    load_settings(home)
    count = job_worker.worker_count_default() if job_workers is None else job_workers
    out.print(f"\nPortal: http://{host}:{port}/   (API: http://{host}:{port}/api/docs; "
              f"{workers} server worker process{'es' if workers > 1 else ''}, {count} job worker(s); stop with Ctrl-C)",
              highlight=False)
    procs = job_worker.start(home, count)  # children: stopped with the server, their running jobs queued again
    try:
        run_server(home, host, port, workers)
    except KeyboardInterrupt:  # pragma: no cover - interactive stop
        pass
    finally:
        job_worker.stop(procs)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    workers: Optional[int] = typer.Option(None, "--workers", min=1, max=64,
                                          help="Web server processes (default: the number of cores this process may use)."),
    job_workers: Optional[int] = typer.Option(None, "--job-workers", min=0,
                                              help="Job worker processes started beside the server (default: one per two cores; 0 when `onconode worker` runs elsewhere)."),
) -> None:
    """Serve the web portal, the REST API and Beacon for this node."""
    if not (state.home / "store.duckdb").exists():
        fail(f"no node in {state.home}: run `onconode --home {state.home} init` (or `onconode demo`) first")
    # lazy: DuckDB, pyarrow, Ibis or SQLAlchemy load only for the command that runs (tests/test_cli_startup.py)
    from onconode.interfaces.http.server import default_workers

    _serve(state.home, host, port, workers or default_workers(), job_workers)


