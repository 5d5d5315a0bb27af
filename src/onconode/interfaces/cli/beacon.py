"""`onconode beacon ...`: query a network of Beacons from the command line."""

from __future__ import annotations

import json
import sys
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from onconode.access.db import open_governance
from onconode.beacon.jobs import enqueue_positions

beacon_app = typer.Typer(no_args_is_help=True, help="GA4GH Beacon v2: query a network of node Beacons.")
out = Console()
err = Console(stderr=True)


@beacon_app.command("network")
def network(
    nodes: str = typer.Option(..., help="Comma-separated Beacon roots, e.g. http://nl:8000/beacon,http://se:8000/beacon"),
    path: str = typer.Option("g_variants", help="Endpoint under each root: g_variants, individuals, datasets, filtering_terms, ..."),
    param: list[str] = typer.Option([], "--param", "-p", help="Query parameter key=value (repeat), e.g. -p referenceName=17"),
    body: Optional[str] = typer.Option(None, help="A beaconRequestBody as JSON (sent as POST instead of GET)"),
    token: Optional[str] = typer.Option(None, envvar="BEACON_TOKEN", help="Bearer visa/passport forwarded to every node"),
    timeout: float = typer.Option(5.0, help="Seconds each node has to answer"),
    as_json: bool = typer.Option(False, "--json", help="Print the merged Beacon response as JSON"),
) -> None:
    """Send one query to several Beacons at once and merge the answers (ELIXIR Beacon
    Network rules); nodes that fail or time out are listed with the reason."""
    from onconode.beacon.network import query

    members = [n.strip() for n in nodes.split(",") if n.strip()]
    if not members:
        err.print("[red]error:[/red] --nodes lists no Beacon URL")
        raise typer.Exit(2)
    params = {}
    for p in param:
        key, sep, value = p.partition("=")
        if not sep:
            err.print(f"[red]error:[/red] --param {p!r} is not key=value (e.g. -p geneId=TP53)")
            raise typer.Exit(2)
        params[key] = value
    try:
        parsed = json.loads(body) if body else None
    except json.JSONDecodeError as exc:
        err.print(f"[red]error:[/red] --body is not JSON: {exc}")
        raise typer.Exit(2)
    doc = query(members, path, params=params, body=parsed, token=token, timeout=timeout)
    if as_json:
        json.dump(doc, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        s = doc.get("responseSummary", {})
        out.print(f"exists: {s.get('exists')}  total: {s.get('numTotalResults')}  "
                  f"granularity: {doc['meta'].get('returnedGranularity', '-')}")
        t = Table("node", "beaconId", "status", "granularity", "seconds", "error")
        for m in doc["info"]["members"]:
            t.add_row(m["url"], m["beaconId"], m["status"], str(m.get("returnedGranularity", "")),
                      f"{m['seconds']:.3f}", m.get("error", ""))
        out.print(t)
    failed = [m for m in doc["info"]["members"] if m["status"] != "ok"]
    if len(failed) == len(members):
        raise typer.Exit(1)


@beacon_app.command("index")
def index(ctx: typer.Context,
          freeze: Optional[str] = typer.Option(None, help="Freeze to index (default: the latest, which the Beacon serves)"),
          background: bool = typer.Option(False, "--background", help="Queue the build as a job (needs --freeze) and return at once.")) -> None:
    """Build the Beacon's position index of a freeze (fast /g_variants position queries).
    Run it after `onconode freeze create`; restart `onconode serve` to pick it up."""
    import duckdb

    from onconode.beacon.positions import build
    from onconode.config import resolve_home
    from onconode.store.store import StoreError

    home = resolve_home(ctx.find_root().params.get("home"))
    if background:
        if not freeze:
            err.print("[red]error:[/red] --background needs --freeze NAME (the freeze to index)")
            raise typer.Exit(2)
        with open_governance(home) as gov:
            job_id = enqueue_positions(gov.engine, freeze, "cli")
        out.print(f"queued job {job_id}: Beacon index of {freeze}; follow it with `onconode jobs show {job_id}`")
        return
    try:
        name, path, n = build(home, freeze)
    except (ValueError, StoreError, OSError, duckdb.Error) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1)
    out.print(f"indexed {n:,} variants of freeze {name} in {path}")
