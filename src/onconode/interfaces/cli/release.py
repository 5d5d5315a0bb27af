"""`onconode release …`: build, list, verify, trace, and the end-of-term run. Parse, call
the release service, print."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from onconode.access import open_governance
from onconode.access.audit import utc
from onconode.access.db import GovernanceError
from onconode.interfaces.cli.common import CHECK_FAILED, fail, open_store, progress_bar, state
from onconode.release import ReleaseError, builder, snapshot
from onconode.release.auto import build_and_publish, pending
from onconode.release.builder import built_releases
from onconode.release.delivery import downloads
from onconode.release.manifest import verify
from onconode.release.storage import Storage
from onconode.release.term import end_of_term, report_text
from onconode.release.trace import trace
from onconode.release.withdrawn import withdrawn_deliveries

release_app = typer.Typer(no_args_is_help=True)  # its help: LazyGroups.lazy in main.py




def _home() -> Path:
    return state.home


@release_app.command("build")
def build_cmd(app_id: str = typer.Argument(..., help="Application id, e.g. DAR-2026-0001 or CR-2026-0001."),
              formats: list[str] = typer.Option([], "--format", help="Also deliver it as mds, omop, fhir or phenopackets "
                                                "(repeatable; default: the formats the approval names).")) -> None:
    """Build the release of an active DAR (or approved Clinical Request) from its freeze."""
    home = _home()
    with open_governance(home) as gov, open_store(read_only=True) as store:
        try:
            built = builder.build(home, store, gov, app_id, progress=progress_bar, built_by="cli", formats=tuple(formats) or None)
            Storage.for_home(home).publish(built.path, app_id)
        except (ReleaseError, GovernanceError) as exc:
            fail(f"{exc}\nNo release was built.")
    m = built.manifest
    typer.echo(f"built {built.path}: {m['patients']} patients, {m['samples']} samples, {len(m['files'])} files "
               f"(freeze {m['freeze']}; excluded: {m['excluded']['consent_not_covering_purpose']} without matching consent, "
               f"{m['excluded']['withdrawn']} withdrawn)")


@release_app.command("snapshot")
def snapshot_cmd(freeze: Optional[str] = typer.Argument(None, help="Freeze id (default: the latest freeze).")) -> None:
    """(Re)build a freeze's sorted variant snapshot, which release builds read instead of
    sorting the whole variant table (`freeze create` builds it; builds remake it if missing)."""
    with open_store(read_only=True) as store:
        freezes = store.freezes()
        if not freezes:
            fail("no freeze in this store; create one with `onconode freeze create NAME`")
        freeze = freeze or freezes[-1].freeze_id
        if freeze not in {f.freeze_id for f in freezes}:
            fail(f"no freeze {freeze} (freezes: {', '.join(f.freeze_id for f in freezes)})")
        snap = snapshot.build(store, freeze)
    m = snap.meta
    typer.echo(f"release snapshot of {freeze}: {m['rows']:,} variants of {len(m['samples']):,} samples, "
               f"{m['bytes'] / 1e9:.2f} GB in {snap.path}, built in {m['build_seconds']} s")


@release_app.command("pending")
def pending_cmd(dry_run: bool = typer.Option(False, "--dry-run", help="Only list what would be built.")) -> None:
    """Build every release that is due: applications active (or approved Clinical Requests)
    with no release built since they last became releasable, e.g. after an automatic build
    failed. Safe to run from cron: nothing due, nothing done."""
    with open_governance(_home()) as gov:
        now = utc(None)
        due = pending(gov, now)
        if not due:
            typer.echo("no release is due")
        failed = 0
        for app_id in due:
            if dry_run:
                typer.echo(f"due: {app_id}")
                continue
            built = build_and_publish(gov, app_id, now, built_by="cli pending")
            failed += built is None
            typer.echo(f"built {app_id}" if built else f"NOT built {app_id}: see the error in release-builds.jsonl")
    if failed:
        fail(f"{failed} release(s) could not be built; the reasons are in release-builds.jsonl (field error)")


@release_app.command("withdrawn-deliveries")
def withdrawn_deliveries_cmd(as_json: bool = typer.Option(False, "--json", help="One JSON array.")) -> None:
    """Delivered releases that held a patient who has since withdrawn consent, with what
    to tell each licensee (every release holding the patient went off download at once and
    a job rebuilds it without them)."""
    rows = withdrawn_deliveries(_home())
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        typer.echo("no delivered release held a withdrawn patient")
    for r in rows:
        typer.echo(f"{r['application']}\tfreeze {r['freeze']}\twithdrawn {r['withdrawn_at']}\t"
                   f"downloaded by {', '.join(r['downloaded_by'])}\n  tell the licensee: {r['tell_licensee']}")


@release_app.command("list")
def list_cmd(as_json: bool = typer.Option(False, "--json", help="One JSON object per release.")) -> None:
    """Releases built on this node."""
    rows = built_releases(_home())
    if as_json:
        typer.echo(json.dumps([{k: m[k] for k in ("application", "kind", "freeze", "patients", "samples", "tables")} for m in rows], indent=2))
        return
    if not rows:
        typer.echo("no releases yet; build one with `onconode release build DAR-ID`")
    for m in rows:
        size = sum(f["bytes"] for f in m["files"])
        typer.echo(f"{m['application']}\t{m['kind']}\t{m['freeze']}\t{m['patients']} patients\t{m['samples']} samples\t"
                   f"{len(m['files'])} files\t{size} bytes")


@release_app.command("verify")
def verify_cmd(folder: Path = typer.Argument(..., help="A downloaded release folder (holding manifest.json).")) -> None:
    """Check every file against the manifest; names each missing, changed or extra file."""
    try:
        result = verify(folder)
    except ReleaseError as exc:
        fail(str(exc))
    for p in result.problems:
        typer.echo(f"FAILED {p}")
    if not result.ok:
        fail(f"{len(result.problems)} problem(s) in {folder}; download the named files again", CHECK_FAILED)
    typer.echo(f"OK: {result.checked} files match the manifest")


@release_app.command("trace")
def trace_cmd(path: Path = typer.Argument(..., help="A file found outside its licence."),
              show_ids: bool = typer.Option(True, "--ids/--no-ids", help="List pseudonym -> real id.")) -> None:
    """Which release a (leaked) file comes from, and the real ids behind its pseudonyms."""
    with open_store(read_only=True) as store:
        try:
            result = trace(_home(), store, path)
        except ReleaseError as exc:
            fail(str(exc))
    if not result.matches:
        fail(f"no release of this node matches the {result.tokens} pseudonym-like ids in {path}", CHECK_FAILED)
    for m in result.matches:
        typer.echo(f"{m.application}: {len(m.matched)} of {result.tokens} ids")
        if show_ids:
            for pseudo, real in m.matched.items():
                typer.echo(f"  {pseudo}\t{real}")


@release_app.command("end-of-term")
def end_cmd() -> None:
    """Send deletion reminders and download reports for releases whose licence ended (cron)."""
    with open_governance(_home()) as gov:
        for line in end_of_term(gov, _home()) or ["nothing to do"]:
            typer.echo(line)


@release_app.command("downloads")
def downloads_cmd(app_id: str, as_json: Optional[bool] = typer.Option(False, "--json")) -> None:
    """Who downloaded what of a release, and refused attempts (from the audit trail)."""
    with open_governance(_home()) as gov:
        rows = downloads(gov, app_id)
    typer.echo(json.dumps(rows, indent=2) if as_json else report_text(app_id, rows))
