"""`onconode federation ...`: keys, the coordinator, the node agent, running an analysis."""

from __future__ import annotations

import json
import secrets
import ssl
import sys
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
import uvicorn

from onconode.access.anchors import AnchorError
from onconode.config import resolve_home
from onconode.federation import keys
from onconode.federation.agent import NodeAgent
from onconode.federation.client import (
    CoordinatorClient,
    FederationClientError,
    render_run,
)
from onconode.federation.coordinator import Coordinator
from onconode.federation.coordinator_app import create_coordinator_app
from onconode.federation.nodelog import LOG_FILE, NodeLog
from onconode.federation.policy import NodePolicy, PolicyError
from onconode.federation.registry import Registry, RegistryError, token_hash
from onconode.interfaces.cli.common import CHECK_FAILED, fail

federation_app = typer.Typer(no_args_is_help=True)  # its help: LazyGroups.lazy in main.py
out = Console()
err = Console(stderr=True)

NODE_KEY = Path("federation") / "node.key"




def _home(ctx: typer.Context) -> Path:
    """The node folder given to `onconode --home` (read from the root command, so this also
    works however the CLI was started)."""
    return resolve_home(ctx.find_root().params.get("home"))


def _verify(cafile: Optional[Path]) -> ssl.SSLContext | bool:
    return ssl.create_default_context(cafile=str(cafile)) if cafile else True




def _json_arg(text: Optional[str], what: str) -> Any:
    if text is None:
        return None
    if text.startswith("@"):
        text = Path(text[1:]).read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"{what} is not valid JSON ({exc}); give JSON text or @file.json")


@federation_app.command()
def keygen(ctx: typer.Context, path: Optional[Path] = typer.Argument(None, help="Private key file (default <home>/federation/node.key).")) -> None:
    """Create an Ed25519 key pair; prints the public key to register with the other side."""
    try:
        key = keys.generate(path or _home(ctx) / NODE_KEY, _home(ctx))
    except keys.KeyError_ as exc:
        fail(str(exc))
    out.print(keys.public_text(key), highlight=False, soft_wrap=True)


@federation_app.command()
def token() -> None:
    """A new bearer token for an approved DAR; put the sha256 line in the registry, give the token to the researcher."""
    t = secrets.token_urlsafe(32)
    out.print(f"token        = {t}\ntoken_sha256 = \"{token_hash(t)}\"", highlight=False, soft_wrap=True)


@federation_app.command()
def coordinator(
    ctx: typer.Context,
    registry: Path = typer.Option(..., "--registry", help="Registry TOML: nodes, collaborations, DARs, visa issuers."),
    key: Path = typer.Option(..., "--key", help="The coordinator's Ed25519 private key (sealed with the at-rest key of --home)."),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8700, "--port", "-p", min=1, max=65535),
    tls_cert: Optional[Path] = typer.Option(None, "--tls-cert", help="PEM certificate (serve HTTPS)."),
    tls_key: Optional[Path] = typer.Option(None, "--tls-key", help="PEM private key of the certificate."),
) -> None:
    """Run the coordinator (holds no data; nodes connect out to it)."""
    if (tls_cert is None) != (tls_key is None):
        fail("give both --tls-cert and --tls-key, or neither")
    try:
        coord = Coordinator(Registry.load(registry), keys.load_private(key, _home(ctx)))
    except (RegistryError, keys.KeyError_) as exc:
        fail(str(exc))
    scheme = "https" if tls_cert else "http"
    err.print(f"coordinator on {scheme}://{host}:{port} with nodes {', '.join(sorted(coord.registry.nodes))}", highlight=False)
    # Nodes hold long polls open (up to 30 s); on shutdown, give them 2 s rather than all of it.
    uvicorn.run(create_coordinator_app(coord), host=host, port=port, log_level="warning", timeout_graceful_shutdown=2,
                ssl_certfile=str(tls_cert) if tls_cert else None, ssl_keyfile=str(tls_key) if tls_key else None)


@federation_app.command()
def node(
    ctx: typer.Context,
    coordinator_url: str = typer.Option(..., "--coordinator", help="Coordinator URL, e.g. https://coordinator.example:8700"),
    config: Optional[Path] = typer.Option(None, "--config", help="Settings file with the [federation] policy (default <home>/onconode.toml)."),
    key: Optional[Path] = typer.Option(None, "--key", help="Node private key (default <home>/federation/node.key)."),
    cafile: Optional[Path] = typer.Option(None, "--cafile", help="CA bundle to trust the coordinator's TLS certificate."),
    wait: float = typer.Option(20.0, "--wait", min=0.1, max=30, help="Long-poll seconds."),
) -> None:
    """Run this node's agent: connects out to the coordinator; no inbound port."""
    home = _home(ctx)
    if not (home / "store.duckdb").exists():
        fail(f"no node store in {home}; pass --home of an initialised node")
    try:
        agent = NodeAgent(home, NodePolicy.load(home, config), keys.load_private(key or home / NODE_KEY, home))
    except (PolicyError, keys.KeyError_) as exc:
        fail(str(exc))
    try:
        agent.serve(coordinator_url, _verify(cafile), wait)
    except KeyboardInterrupt:  # pragma: no cover - interactive stop
        pass


@federation_app.command()
def run(
    coordinator_url: str = typer.Option(..., "--coordinator"),
    collaboration: str = typer.Option(..., "--collaboration", "-c"),
    algorithm: str = typer.Option(..., "--algorithm", "-a"),
    version: Optional[str] = typer.Option(None, "--version", help="Algorithm version (default: the coordinator's)."),
    nodes: Optional[str] = typer.Option(None, "--nodes", help="Comma-separated node names (default: all of the collaboration)."),
    cohort: Optional[str] = typer.Option(None, "--cohort", help="Cohort definition JSON (or @file.json)."),
    params: Optional[str] = typer.Option(None, "--params", help="Algorithm parameters JSON (or @file.json)."),
    dar: Optional[str] = typer.Option(None, "--dar", help="Approved DAR id (with --token)."),
    bearer: Optional[str] = typer.Option(None, "--token", envvar="ONCONODE_FEDERATION_TOKEN", help="Token of the DAR."),
    visa: Optional[str] = typer.Option(None, "--visa", help="A GA4GH ControlledAccessGrants visa (JWT)."),
    timeout: Optional[float] = typer.Option(None, "--timeout", help="Seconds a node may take per round."),
    cafile: Optional[Path] = typer.Option(None, "--cafile"),
    as_json: bool = typer.Option(False, "--json", help="Print the final run as JSON."),
) -> None:
    """Run a federated analysis and print each node's status and the combined result."""
    if (dar is None) == (visa is None):
        fail("authorise the run with exactly one of --dar ID (and --token) or --visa JWT")
    request = {"collaboration": collaboration, "algorithm": algorithm, "version": version, "dar": dar, "visa": visa,
               "nodes": nodes.split(",") if nodes else None, "cohort": _json_arg(cohort, "--cohort"),
               "params": _json_arg(params, "--params") or {}, "timeout_seconds": timeout}
    show = (lambda v: None) if as_json else (lambda v: err.print(
        f"round {v['round']}: " + ", ".join(f"{n} {s['state']}" for n, s in v["nodes"].items()), highlight=False))
    try:
        with CoordinatorClient(coordinator_url, _verify(cafile), bearer) as client:
            final = client.follow(client.submit({k: v for k, v in request.items() if v is not None})["run"], on_change=show)
    except FederationClientError as exc:
        fail(str(exc))
    if as_json:
        sys.stdout.write(json.dumps(final, indent=2) + "\n")
    else:
        out.print(render_run(final), highlight=False, soft_wrap=True)
    if final["status"] != "done":
        fail(f"run {final['run']} ended {final['status']}, without a result; each node's state is shown above", CHECK_FAILED)


@federation_app.command("log")
def log_verify(ctx: typer.Context, anchor: list[Path] = typer.Option(
        [], "--anchor", help="File of checkpoint lines saved from federation/audit-checkpoints.jsonl (repeatable).")) -> None:
    """Verify this node's federation audit log (hash chain and signed checkpoints) and print its entries' types."""
    log = NodeLog(_home(ctx) / LOG_FILE, _home(ctx))
    try:
        v = log.verify(anchor)
    except AnchorError as exc:
        fail(str(exc))
    for e in log.entries():
        p = e["payload"]
        out.print(f"{e['position']:>5} {e['at'][:19]} {e['type']:<14} run {p.get('run')} round {p.get('round')}"
                  + (f" — {reason}" if (reason := p.get("reason") or (p.get("sent") or {}).get("reason")) else ""), highlight=False)
    if not v.ok:
        fail("the log was tampered with:\n" + "\n".join(v.problems), CHECK_FAILED)
    out.print(f"ok: {v.events} entries, head {v.head}", highlight=False, soft_wrap=True)
