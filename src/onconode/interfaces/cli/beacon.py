"""`onconode beacon ...`: query a network of Beacons from the command line."""

from __future__ import annotations

import json
import sys
from typing import Optional

import duckdb
import typer
from rich.console import Console
from rich.table import Table

from onconode.access.db import open_governance
from onconode.beacon import vrs_alleles
from onconode.beacon.network import query
from onconode.beacon.positions import NAME, build
from onconode.config import resolve_home
from onconode.interfaces.cli.common import INVALID, fail
from onconode.store import derived_jobs
from onconode.store.store import Store, StoreError

beacon_app = typer.Typer(no_args_is_help=True)  # its help: LazyGroups.lazy in main.py
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
    members = [n.strip() for n in nodes.split(",") if n.strip()]
    if not members:
        fail("--nodes lists no Beacon URL; give comma-separated roots, e.g. http://nl:8000/beacon", INVALID)
    params = {}
    for p in param:
        key, sep, value = p.partition("=")
        if not sep:
            fail(f"--param {p!r} is not key=value (e.g. -p geneId=TP53)", INVALID)
        params[key] = value
    try:
        parsed = json.loads(body) if body else None
    except json.JSONDecodeError as exc:
        fail(f"--body is not JSON ({exc}); give a beaconRequestBody object", INVALID)
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
        fail("no Beacon of the network answered; each node's error is in the table above")


@beacon_app.command("index")
def index(ctx: typer.Context,
          freeze: Optional[str] = typer.Option(None, help="Freeze to index (default: the latest, which the Beacon serves)"),
          background: bool = typer.Option(False, "--background", help="Queue the build as a job (needs --freeze) and return at once.")) -> None:
    """Build the Beacon's position index of a freeze (fast /g_variants position queries).
    A job builds it after every freeze and withdrawal already (`onconode jobs list`); a
    running `onconode serve` uses it from the next query."""
    home = resolve_home(ctx.find_root().params.get("home"))
    if background:
        if not freeze:
            fail("--background needs --freeze NAME (the freeze to index)", INVALID)
        try:
            store = Store.open(home, read_only=True)
            version = store.resolve(freeze)
        except StoreError as exc:
            fail(str(exc))
        with store, open_governance(home) as gov:
            job_id = derived_jobs.enqueue(gov.engine, store, NAME, version, "cli")
        out.print(f"queued job {job_id}: Beacon index of {freeze}; follow it with `onconode jobs show {job_id}`")
        return
    try:
        name, path, n = build(home, freeze)
    except (ValueError, StoreError, OSError, duckdb.Error) as exc:
        fail(str(exc))
    out.print(f"indexed {n:,} variants of freeze {name} in {path}")


@beacon_app.command("vrs")
def vrs(ctx: typer.Context,
        freeze: Optional[str] = typer.Option(None, help="Freeze whose variants to identify (default: the latest)")) -> None:
    """Compute the GA4GH VRS 2.0 identifier of every distinct small variant of a freeze
    (offline), print how many got one and why the others did not."""
    home = resolve_home(ctx.find_root().params.get("home"))
    try:
        name, path, outcomes = vrs_alleles.build(home, freeze)
    except (ValueError, StoreError, OSError, duckdb.Error) as exc:
        fail(str(exc))
    t = Table("outcome", "distinct variants", title=f"VRS identifiers of freeze {name}")
    for note, n in outcomes.items():
        t.add_row(note, f"{n:,}")
    out.print(t)
    out.print(f"table: {path}")
