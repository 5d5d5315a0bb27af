"""`onconode jobs list|show|cancel|retry` and `onconode worker`: the job queue seen from
the command line. Parse, call the queue, print (one table)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from onconode.access.db import open_governance
from onconode.config import resolve_home
from onconode.db import jobs
from onconode.interfaces import worker as workers

jobs_app = typer.Typer(no_args_is_help=True, help="Background jobs: release builds, snapshots, indexes, exports, mail, checks.")
out = Console()
err = Console(stderr=True)


def _home(ctx: typer.Context) -> Path:
    return resolve_home(ctx.find_root().params.get("home"))


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {message}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(code)


def _when(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _table(rows: list[jobs.Job]) -> Table:
    table = Table()
    for c in ("id", "kind", "state", "progress", "attempts", "created", "finished", "message"):
        table.add_column(c)
    for j in rows:
        text = j.error if j.state == jobs.FAILED and j.error else j.message
        table.add_row(str(j.id), j.kind, j.state, f"{j.progress:.0%}", f"{j.attempts}/{j.max_attempts}", _when(j.created_at),
                      _when(j.finished_at), text)
    return table


@jobs_app.command("list")
def list_cmd(ctx: typer.Context,
             state: Optional[list[str]] = typer.Option(None, "--state", help=f"Only jobs in this state ({', '.join(jobs.STATES)}); repeatable."),
             kind: Optional[str] = typer.Option(None, "--kind", help="Only jobs of this kind, e.g. release-build."),
             limit: int = typer.Option(50, "--limit", min=1, help="At most this many, newest first."),
             as_json: bool = typer.Option(False, "--json", help="Print a JSON list.")) -> None:
    """The newest jobs with their state, progress and last message (or error)."""
    unknown = sorted(set(state or []) - set(jobs.STATES))
    if unknown:
        _fail(f"unknown state {', '.join(unknown)}; choose from {', '.join(jobs.STATES)}", 2)
    with open_governance(_home(ctx)) as gov:
        rows = jobs.list_jobs(gov.engine, state, kind, limit)
    if as_json:
        print(json.dumps([j.as_dict() for j in rows], indent=2, default=str))
    else:
        out.print(_table(rows))


def _one(ctx: typer.Context, job_id: int, action) -> jobs.Job:
    with open_governance(_home(ctx)) as gov:
        try:
            return action(gov.engine, job_id)
        except jobs.JobError as exc:
            _fail(str(exc))


@jobs_app.command("show")
def show_cmd(ctx: typer.Context, job_id: int, as_json: bool = typer.Option(False, "--json", help="Print the job as JSON.")) -> None:
    """One job in full: parameters, attempts, worker, lease, error and result."""
    j = _one(ctx, job_id, jobs.get)
    if as_json:
        print(json.dumps(j.as_dict(), indent=2, default=str))
        return
    out.print(_table([j]))
    for name in ("params", "worker", "started_at", "lease_until", "error", "result"):
        value = getattr(j, name)
        if value not in (None, "", {}):
            out.print(f"{name}: {json.dumps(value, default=str) if isinstance(value, (dict, list)) else value}", highlight=False,
                      soft_wrap=True)


@jobs_app.command("cancel")
def cancel_cmd(ctx: typer.Context, job_id: int) -> None:
    """Cancel a queued job, or ask a running one to stop (it publishes nothing)."""
    j = _one(ctx, job_id, jobs.cancel)
    out.print(f"job {j.id} ({j.kind}): {j.state}{' (cancel requested)' if j.cancel_requested else ''}", highlight=False)


@jobs_app.command("retry")
def retry_cmd(ctx: typer.Context, job_id: int) -> None:
    """Queue a failed or cancelled job again, with fresh attempts."""
    j = _one(ctx, job_id, jobs.retry)
    out.print(f"job {j.id} ({j.kind}): queued again", highlight=False)


def worker_cmd(ctx: typer.Context,
               count: int = typer.Option(1, "--count", min=1, help="Worker processes to run on this host."),
               lease: float = typer.Option(jobs.LEASE_SECONDS, "--lease", min=1.0,
                                           help="Seconds a job stays claimed without a heartbeat; a killed worker's job runs again after it."),
               until_idle: bool = typer.Option(False, "--until-idle", help="Run the due jobs, then stop (for cron or a one-off drain).")) -> None:
    """Run jobs from the queue in the node's governance database (on this or another host)."""
    home = _home(ctx)
    if until_idle:
        ran = workers.run(home, lease_seconds=lease, until_idle=True, schedule=False)
        out.print(f"ran {ran} job(s); none is due now", highlight=False)
        return
    if count == 1:
        workers.run_process(home, lease_seconds=lease)
        return
    procs = workers.start(home, count, lease)
    try:
        for p in procs:
            p.wait()
    except KeyboardInterrupt:  # pragma: no cover - interactive stop
        pass
    finally:
        workers.stop(procs)


# `onconode worker` is a command; as a group with only a callback it loads lazily like the others (cli/lazy.py)
worker_app = typer.Typer(add_completion=False)
worker_app.callback(invoke_without_command=True)(worker_cmd)
