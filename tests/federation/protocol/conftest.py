"""A real federation on loopback: a coordinator process (HTTPS, self-signed certificate),
three node agent processes (NL, SE, ES) each with its own small store, and a recording
proxy in front of NL that captures every byte NL sends (and can tamper with or replay
what NL receives, as a man in the middle would)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import signal
import ssl
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import anyio
import httpx
import pyarrow as pa
import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from onconode.federation import keys
from onconode.federation.demo import free_port, write_policy, write_registry
from onconode.federation.registry import token_hash
from onconode.model.tables import TABLES_BY_NAME
from onconode.synth.cohort import DATA_CUTOFF

HERE = Path(__file__).resolve().parent
SEEDS = {"NL": 11, "SE": 22, "ES": 33}
PATIENTS = 150
# Each node's survival after the biopsy, stretched: nodes with different event-time
# distributions (a node of short survivors and two of longer ones), for the survival grid.
SURVIVAL_STRETCH = {"NL": 1.0, "SE": 2.0, "ES": 3.0}
TOKEN, OTHER_TOKEN = "token-of-dar-1", "token-of-dar-2"


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1, made with `cryptography` (the test's own tiny CA)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "cert-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def wait_for(url: str, verify: Any = True, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if httpx.get(url, verify=verify, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up within {timeout} s")


class RecordingProxy:
    """Forwards NL's requests to the coordinator; keeps the bytes NL sent. `mode` changes
    the next task NL receives: "tamper" edits its parameters after signing, "duplicate"
    delivers it twice (a replay)."""

    def __init__(self, upstream: str, cafile: Path) -> None:
        self.sent: list[bytes] = []
        self.mode: str | None = None
        self.upstream = httpx.Client(base_url=upstream, verify=ssl.create_default_context(cafile=str(cafile)), timeout=60)
        self.app = Starlette(routes=[Route("/{path:path}", self.forward, methods=["GET", "POST"])])

    async def forward(self, request: Request) -> Response:
        body = await request.body()
        self.sent.append(body)
        r = await anyio.to_thread.run_sync(lambda: self.upstream.request(
            request.method, "/" + request.path_params["path"], params=dict(request.query_params), content=body,
            headers={"content-type": request.headers.get("content-type", "application/json")}))
        content = r.content
        if request.url.path.endswith("/poll") and r.status_code == 200 and self.mode:
            data = r.json()
            if data["tasks"]:
                if self.mode == "tamper":
                    data["tasks"][0]["body"]["params"]["cohort"] = {"op": "sex", "values": ["male"]}
                elif self.mode == "duplicate":
                    data["tasks"] = data["tasks"] + [data["tasks"][0]]
                self.mode = None
                content = json.dumps(data).encode()
        return Response(content, status_code=r.status_code, media_type="application/json")


@dataclass
class Federation:
    root: Path
    url: str
    cafile: Path
    proxy: RecordingProxy
    homes: dict[str, Path]
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    _ready: list = field(default_factory=list)

    def start_node(self, name: str) -> None:
        url = self.proxy_url if name == "NL" else self.url
        args = [sys.executable, "-m", "onconode", "--home", str(self.homes[name]), "federation", "node",
                "--coordinator", url, "--wait", "5"] + (["--cafile", str(self.cafile)] if name != "NL" else [])
        log_path = self.root / f"{name}.log"
        start = log_path.stat().st_size if log_path.exists() else 0
        log = open(log_path, "ab")
        self.procs[name] = subprocess.Popen(args, stdout=log, stderr=log, env=_env())
        self._ready.append((name, log_path, start))

    def wait_ready(self, timeout: float = 120) -> None:
        """Until every started agent has loaded its algorithms and begun polling."""
        end = time.monotonic() + timeout
        while self._ready:
            name, path, start = self._ready[0]
            with open(path, "rb") as fh:
                fh.seek(start)
                if b"ready; polling" in fh.read():
                    self._ready.pop(0)
                    continue
            if self.procs[name].poll() is not None or time.monotonic() > end:
                raise RuntimeError(f"node {name} did not start: see {path}")
            time.sleep(0.1)

    def kill(self, name: str) -> None:
        self.procs[name].send_signal(signal.SIGKILL)
        self.procs[name].wait()

    proxy_url: str = ""

    def verify(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cafile))

    def run(self, token: str = TOKEN, **request: Any) -> dict[str, Any]:
        """Submit as a researcher and follow the run to its end."""
        from onconode.federation.client import CoordinatorClient

        req = {"collaboration": "eucancan", "dar": "DAR-1" if token == TOKEN else "DAR-2", **request}
        with CoordinatorClient(self.url, self.verify(), token) as c:
            return c.follow(c.submit(req)["run"], timeout=60)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["ONCONODE_FEDERATION_PLUGINS"] = "slow_plugin"
    env["PYTHONPATH"] = os.pathsep.join([str(HERE)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return env


def _policy(home: Path, name: str, coordinator_key: str) -> None:
    algorithms = {"counts": ["1.0"], "glm": ["1.0"], "slow_counts": ["1.0"], "km": ["1.0"]}
    if name != "ES":
        algorithms["frequency"] = ["1.0"]  # ES's operator has not allowed alteration frequencies
    dars = ["DAR-1", "DAR-2"] if name != "SE" else ["DAR-1"]  # SE does not honour DAR-2
    write_policy(home, name, coordinator_key, ["eucancan"], algorithms, dars)


def _build_store(home: Path, seed: int) -> None:
    from onconode.store import Store
    from onconode.synth import load_cohort

    with Store.init(home) as store:
        load_cohort(store, patients=PATIENTS, seed=seed, median_variants=20, workers=1)
        stretch_survival(store, SURVIVAL_STRETCH[home.name])


def stretch_survival(store: Any, factor: float) -> None:
    """Move each death `factor` times as far from the patient's first biopsy, in a new
    store version; a death that would fall after the data cut-off becomes follow-up to the
    cut-off (alive). Deaths only move later, so no treatment ends up after a death."""
    if factor == 1.0:
        return
    snap = store.snapshot()
    patients = snap.table("patient").to_pyarrow().to_pylist()
    first = {}
    for r in snap.table("sample").select("patient_id", "sampling_date").to_pyarrow().to_pylist():
        first[r["patient_id"]] = min(first.get(r["patient_id"], r["sampling_date"]), r["sampling_date"])
    for p in patients:
        if p["death_date"] is not None:
            death = first[p["patient_id"]] + (p["death_date"] - first[p["patient_id"]]) * factor
            alive = death > DATA_CUTOFF
            p["death_date"] = None if alive else death
            p["last_follow_up_date"] = DATA_CUTOFF if alive else death
    with store.transaction("test", f"survival stretched x{factor}") as tx:
        schema = TABLES_BY_NAME["patient"].arrow_schema
        tx.replace("patient", pa.Table.from_pylist([{f.name: p[f.name] for f in schema} for p in patients], schema=schema))


@pytest.fixture(scope="session")
def federation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Federation]:
    root = tmp_path_factory.mktemp("federation")
    cert, cert_key = self_signed(root)
    coord_key = keys.generate(root / "coordinator.key", root)
    homes = {n: root / n for n in SEEDS}
    node_keys = {}
    for n, home in homes.items():  # keys first: the coordinator starts while the stores are built
        node_keys[n] = keys.public_text(keys.generate(home / "federation" / "node.key", home))
        _policy(home, n, keys.public_text(coord_key))
    registry = write_registry(root / "registry.toml", node_keys, {"eucancan": list(SEEDS)}, {
        "DAR-1": {"requester": "alice@uni.example", "token_sha256": token_hash(TOKEN), "collaborations": ["eucancan"]},
        "DAR-2": {"requester": "bob@uni.example", "token_sha256": token_hash(OTHER_TOKEN), "collaborations": ["eucancan"]}})
    port = free_port()
    url = f"https://127.0.0.1:{port}"
    coord = subprocess.Popen([sys.executable, "-m", "onconode", "--home", str(root), "federation", "coordinator", "--registry", str(registry),
                              "--key", str(root / "coordinator.key"), "--port", str(port), "--tls-cert", str(cert),
                              "--tls-key", str(cert_key)], stdout=open(root / "coordinator.log", "wb"),
                             stderr=subprocess.STDOUT, env=_env())
    proxy = RecordingProxy(url, cert)
    proxy_port = free_port()
    server = uvicorn.Server(uvicorn.Config(proxy.app, host="127.0.0.1", port=proxy_port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    fed = Federation(root, url, cert, proxy, homes)
    fed.proxy_url = f"http://127.0.0.1:{proxy_port}"
    try:
        for n in SEEDS:  # each agent loads its libraries while the next store is built
            _build_store(homes[n], SEEDS[n])
            fed.start_node(n)
        wait_for(url + "/api/info", verify=ssl.create_default_context(cafile=str(cert)))
        fed.wait_ready()
        yield fed
    finally:
        for p in list(fed.procs.values()) + [coord]:
            p.terminate()
        for p in list(fed.procs.values()) + [coord]:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
        server.should_exit = True
        thread.join(5)
