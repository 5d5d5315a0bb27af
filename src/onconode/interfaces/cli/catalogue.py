"""`onconode catalogue …`: the catalogue a GDI or HealthData@EU harvester reads, checked
and written on the node's command line (docs/catalogue.md). Parse, call
`onconode.exchange.catalogue_rdf` / `catalogue_shacl`, render."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from onconode.analysis.catalogue import choose_freeze
from onconode.analysis.disclosure import Gate
from onconode.exchange import catalogue_rdf, catalogue_shacl
from onconode.interfaces.cli.common import CHECK_FAILED, INVALID, fail, open_store, out, state
from onconode.settings import Settings, SettingsError
from onconode.store import StoreError

catalogue_app = typer.Typer(no_args_is_help=True)  # its help: LazyGroups.lazy in main.py
HARVESTER = "public:catalogue"   # the gate's user harvesters are: the same figures the node publishes
LOCAL = "http://localhost:8000"


def _graph(freeze: Optional[str], base_url: Optional[str]):
    try:
        settings = Settings.load(state.home)
    except SettingsError as exc:
        fail(str(exc), INVALID)
    base = (base_url or settings.node.public_url or LOCAL).rstrip("/")
    with open_store(read_only=True) as store:
        try:
            snap = store.snapshot(choose_freeze(store, freeze))
        except StoreError as exc:
            fail(f"{exc} (see `onconode freeze list`)", INVALID)
        graph = catalogue_rdf.catalogue_graph(Gate.for_home(state.home), HARVESTER, snap, base, settings.node.name, settings.catalogue)
    return catalogue_rdf.repository(graph, base, settings.node.name)


@catalogue_app.command("validate")
def validate(
    freeze: Optional[str] = typer.Option(None, "--freeze", help="Data freeze (default: the newest)."),
    profile: list[str] = typer.Option(list(catalogue_shacl.PROFILES), "--profile",
                                      help="healthdcat-ap (HealthDCAT-AP Release 8, RESTRICTED) and/or gdi (GDI v1.1 Dataset shape, per FDP dataset)."),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="The node's public address (default [node] public_url, else http://localhost:8000)."),
) -> None:
    """Check the published catalogue against the vendored SHACL shapes and print each violation in plain words."""
    for p in profile:
        if p not in catalogue_shacl.PROFILES:
            fail(f"--profile {p}: choose one of {', '.join(catalogue_shacl.PROFILES)}", INVALID)
    graph = _graph(freeze, base_url)
    problems = []
    for p in profile:
        if p == "gdi":   # the GDI shapes describe one FAIR Data Point dataset document each
            stop = catalogue_rdf.fdp_resources(graph)
            for ds in sorted(graph.subjects(catalogue_rdf.RDF.type, catalogue_rdf.DCAT.Dataset)):
                problems += catalogue_shacl.validate(catalogue_rdf.description(graph, ds, stop), p)
        else:
            problems += catalogue_shacl.validate(graph, p)
    for problem in problems:
        out.print(problem.plain(), highlight=False, markup=False, soft_wrap=True)
    if problems:
        out.print(f"{len(problems)} violation(s); docs/catalogue.md says which setting sets what.", highlight=False)
        raise typer.Exit(CHECK_FAILED)
    out.print(f"The catalogue conforms to: {', '.join(profile)}.", highlight=False)


@catalogue_app.command("show")
def show(
    freeze: Optional[str] = typer.Option(None, "--freeze", help="Data freeze (default: the newest)."),
    fmt: str = typer.Option("turtle", "--format", help="turtle or json-ld."),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="The node's public address (default [node] public_url, else http://localhost:8000)."),
    output: Optional[Path] = typer.Option(None, "--out", help="Write to this file instead of the terminal."),
) -> None:
    """Print the catalogue graph (what /catalog.jsonld and /fdp serve), e.g. to give a harvester's validator."""
    if fmt not in ("turtle", "json-ld"):
        fail(f"--format {fmt}: choose turtle or json-ld", INVALID)
    graph = _graph(freeze, base_url)
    text = graph.serialize(format=fmt, **({"context": catalogue_rdf.jsonld_context(), "auto_compact": True} if fmt == "json-ld" else {}))
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        typer.echo(text)
