"""`onconode demo --federation`: a coordinator and three nodes (NL, SE, ES) on loopback.

Each node gets its own synthetic cohort (a different seed) and, where the harmonization
layer allows, its own code system: NL codes tumours as Disease Ontology ids, SE as ICD-10
with local drug names, ES as ICD-O-3. Keys, policies and the registry are written the way
an operator would (docs/federation.md); then the coordinator and the node agents start as
separate processes and a federated biomarker-response analysis runs across them. Each node
also serves its own portal and Beacon (demo_web.py); a Beacon network query goes to all
three, and the NL portal's federation page talks to the demo coordinator.
"""

from __future__ import annotations

import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import tomli_w

from onconode.federation import demo_web, keys
from onconode.federation.registry import token_hash
from onconode.settings import CONFIG_FILE, update_file
from onconode.store.purpose import mark_demo
from onconode.store import Store
from onconode.synth import load_cohort
from onconode.federation.harmonization import localize
from onconode.federation.client import CoordinatorClient, render_run

NODES = {"NL": (101, "DOID"), "SE": (202, "ICD-10"), "ES": (303, "ICD-O-3")}
ALGORITHMS = {"counts": ["1.0"], "frequency": ["1.0"], "contingency": ["1.0"], "glm": ["1.0"], "cox": ["1.0"], "km": ["1.0"]}
COLLABORATION = "eucancan-demo"
DAR = "DAR-DEMO-1"
REQUESTER = "researcher@demo.example"

# Does a high tumour mutational burden change the response to anti-PD-1? (a planted effect,
# docs/synthetic-cohort.md; MSI is too rare for every node to hold 5 MSI patients so treated)
BIOMARKER_RESPONSE = {
    "family": "binomial", "outcome": "responder", "covariates": ["tmb_high"],
    "treatment": {"mechanism": "Anti-PD-1"}, "indicators": {"tmb_high": {"op": "tmb", "status": "HIGH"}},
}


def write_policy(home: Path, node: str, coordinator_key: str, collaborations: list[str],
                 algorithms: dict[str, list[str]], dars: list[str], disclosure: dict[str, Any] | None = None) -> Path:
    """A node's policy (the [federation] section of its settings, format: policy.py), as an operator would write it."""
    update_file(home, "federation", {"node": node, "coordinator_key": coordinator_key, "collaborations": collaborations,
                                     "algorithms": algorithms, "requesters": {"dars": dars}})
    return update_file(home, "disclosure", disclosure) if disclosure else home / CONFIG_FILE


def write_registry(path: Path, node_keys: dict[str, str], collaborations: dict[str, list[str]],
                   dars: dict[str, dict[str, Any]], task_timeout_seconds: float = 120,
                   visa_datasets: dict[str, list[str]] | None = None, visa_issuers: dict[str, str] | None = None) -> Path:
    """The coordinator's registry (format: registry.py); `visa_datasets` per collaboration."""
    registry: dict[str, Any] = {"name": "coordinator", "task_timeout_seconds": task_timeout_seconds, "nodes": node_keys,
                                "collaborations": {name: {"nodes": nodes, **({"visa_datasets": (visa_datasets or {})[name]}
                                                                            if (visa_datasets or {}).get(name) else {})}
                                                   for name, nodes in collaborations.items()},
                                "dars": dars}
    if visa_issuers:
        registry["visa_issuers"] = visa_issuers
    path.write_text(tomli_w.dumps(registry), encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LocalFederation:
    """Processes of a federation on this machine; `stop()` ends exactly these."""
    root: Path
    url: str
    token: str
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    web: dict[str, str] = field(default_factory=dict)  # node -> base URL of its portal and Beacon

    def stop(self) -> None:
        """Nodes first, the coordinator last: it waits for the agents' open long polls
        before it exits, and those end as soon as the agents are gone."""
        last = [p for name, p in self.procs.items() if name == "coordinator"]
        for group in ([p for p in self.procs.values() if p not in last], last):
            for p in group:
                p.terminate()
            for p in group:
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


def _build_node(home: Path, seed: int, system: str, patients: int, median_variants: int) -> None:
    with Store.init(home) as store:
        mark_demo(store)
        load_cohort(store, patients=patients, seed=seed, median_variants=median_variants, workers=1)
        if system != "DOID":
            localize(store, tumour_system=system, drug_names=system == "ICD-10")


def build(root: Path, patients: int, progress: Callable[[str], None] = lambda s: None, median_variants: int = 50) -> str:
    """Write three node homes, keys, policies, Beacon ids, the portal node's demo accounts and
    the registry under `root`; returns the DAR token."""
    root.mkdir(parents=True, exist_ok=True)
    coord_key = keys.generate(root / "coordinator.key", root)
    node_keys = {}
    for name, (seed, system) in NODES.items():
        progress(f"node {name}: {patients} synthetic patients, tumours coded as {system}")
        _build_node(root / name, seed, system, patients, median_variants)
        demo_web.write_beacon_config(root / name, name)
        node_keys[name] = keys.public_text(keys.generate(root / name / "federation" / "node.key", root / name))
        write_policy(root / name, name, keys.public_text(coord_key), [COLLABORATION], ALGORITHMS, [DAR])
    token = secrets.token_urlsafe(24)
    write_registry(root / "registry.toml", node_keys, {COLLABORATION: list(NODES)},
                   {DAR: {"requester": REQUESTER, "token_sha256": token_hash(token), "collaborations": [COLLABORATION]}})
    (root / "researcher-token.txt").write_text(token + "\n", encoding="utf-8")
    (root / "portal-login.txt").write_text(demo_web.create_researcher_login(root / demo_web.PORTAL_NODE) + "\n",
                                           encoding="utf-8")
    return token


def start(root: Path, port: int | None = None, ready_timeout: float = 180, web_port: int | None = None) -> LocalFederation:
    """Start the coordinator, the three node agents and the nodes' web servers as processes
    (the portal node's on `web_port`, the others on free ports); wait until all are ready."""
    port = port or free_port()
    fed = LocalFederation(root, f"http://127.0.0.1:{port}", (root / "researcher-token.txt").read_text().strip())
    demo_web.write_portal_config(root / demo_web.PORTAL_NODE, fed.url)
    cli = [sys.executable, "-m", "onconode"]
    fed.procs["coordinator"] = subprocess.Popen(
        cli + ["--home", str(root), "federation", "coordinator", "--registry", str(root / "registry.toml"), "--key", str(root / "coordinator.key"),
               "--port", str(port)], stdout=open(root / "coordinator.log", "wb"), stderr=subprocess.STDOUT)
    for name in NODES:
        fed.procs[name] = subprocess.Popen(cli + ["--home", str(root / name), "federation", "node", "--coordinator", fed.url],
                                           stdout=open(root / f"{name}.log", "wb"), stderr=subprocess.STDOUT)
    for name in NODES:
        p = (web_port if name == demo_web.PORTAL_NODE and web_port else None) or free_port()
        fed.web[name] = f"http://127.0.0.1:{p}"
        demo_web.write_beacon_config(root / name, name)
        fed.procs[f"{name}-web"] = demo_web.start_web(root / name, p, root / f"{name}-web.log")
    end = time.monotonic() + ready_timeout
    for name in NODES:
        while b"ready; polling" not in (root / f"{name}.log").read_bytes():
            if fed.procs[name].poll() is not None or time.monotonic() > end:
                fed.stop()
                raise RuntimeError(f"node {name} did not start; see {root / f'{name}.log'}")
            time.sleep(0.2)
    try:
        for name, url in fed.web.items():
            demo_web.wait_ready(url, fed.procs[f"{name}-web"], root / f"{name}-web.log", end)
    except RuntimeError:
        fed.stop()
        raise
    return fed


def run_analysis(fed: LocalFederation) -> dict[str, Any]:
    with CoordinatorClient(fed.url, token=fed.token) as c:
        run = c.submit({"collaboration": COLLABORATION, "dar": DAR, "algorithm": "glm", "params": BIOMARKER_RESPONSE})
        return c.follow(run["run"], timeout=600)


def run_demo(home: Path, patients: int, serve: bool, say: Callable[[str], None], web_port: int | None = None,
             median_variants: int = 50) -> dict[str, Any]:
    """Build (once) and start the demo federation under `<home>/federation-demo`, run the
    biomarker-response analysis and a Beacon network query, print both and the portal URL;
    with `serve`, keep running until Ctrl-C. Every process started here is stopped on exit.
    Returns the run view, with the merged Beacon answer under "beacon"."""
    root = Path(home) / "federation-demo"
    if not (root / "registry.toml").exists():
        if root.exists() and any(root.iterdir()):
            raise RuntimeError(f"{root} holds an unfinished demo federation; remove it and run again")
        build(root, patients, say, median_variants)
    say("starting the coordinator, the node agents and the nodes' web servers (NL, SE, ES) on 127.0.0.1 ...")
    fed = start(root, web_port=web_port)
    try:
        say(f"coordinator: {fed.url}   (nodes connect out to it; their logs: {root}/*.log)")
        say("analysis: does a high TMB change the response to anti-PD-1? (logistic regression over 3 nodes, equal to the pooled fit)")
        view = run_analysis(fed)
        say(render_run(view))
        beacon = demo_web.beacon_network(fed.web)
        say("\n" + demo_web.render_beacon(beacon))
        view = {**view, "beacon": beacon}
        portal = fed.web[demo_web.PORTAL_NODE]
        login = root / "portal-login.txt"
        say(f"\nportal of node {demo_web.PORTAL_NODE}, federation page: {portal}/federation")
        if login.exists():
            say(f"  {login.read_text(encoding='utf-8').strip()};\n  the DAR is {DAR}, its token in {root}/researcher-token.txt")
        say("Beacons: " + "  ".join(f"{n} {u}/beacon" for n, u in fed.web.items()))
        say("\nrun another analysis yourself:\n"
            f"  onconode federation run --coordinator {fed.url} -c {COLLABORATION} --dar {DAR} "
            f"--token $(cat {root}/researcher-token.txt) --algorithm counts --params '{{\"by\": [\"msi_status\"]}}'")
        if serve:
            say("\nthe federation and the portals keep running; stop them with Ctrl-C")
            try:
                while all(p.poll() is None for p in fed.procs.values()):
                    time.sleep(1)
            except KeyboardInterrupt:  # pragma: no cover - interactive stop
                pass
        return view
    finally:
        fed.stop()
