"""The web side of `onconode demo --federation`: every demo node also serves its own portal,
REST API and Beacon (`onconode --home <node> serve`) on a loopback port, a Beacon network
query goes to the three Beacons at once, and the NL node's portal is wired to the demo
coordinator (the [federation.portal] section of `<home>/onconode.toml`) so the federation page works in a browser.

The web servers are separate processes, as they would be at three institutions; the
caller (`federation.demo.LocalFederation`) owns them and stops them with the agents.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from onconode.beacon.network import query as network_query
from onconode.settings import update_file
from onconode.access import open_governance
from onconode.access.demo_accounts import DEMO_PASSWORD, create_demo_accounts

# A driver hotspot the synthetic cohorts plant (docs/synthetic-cohort.md): melanoma and
# colorectal tumours carry BRAF V600E, so each node is likely, not certain, to hold it.
VARIANT_QUERY = {"geneId": "BRAF", "aminoacidChange": "V600E"}
PORTAL_NODE = "NL"
RESEARCHER_EMAIL = "applicant@demo.onconode.org"


def write_beacon_config(home: Path, name: str) -> Path:
    """Give each node's Beacon its own id, so the network answer says which node said what."""
    return update_file(home, "beacon", {"id": f"org.onconode.demo.{name.lower()}", "name": f"onconode demo Beacon ({name})"})


def write_portal_config(home: Path, coordinator_url: str) -> Path:
    """Point the node's federation page at the coordinator (the port changes on each start)."""
    return update_file(home, "federation.portal", {"url": coordinator_url})


def start_web(home: Path, port: int, log: Path) -> subprocess.Popen:
    """`onconode --home <node> serve --port P` on 127.0.0.1, its output in `log`."""
    cmd = [sys.executable, "-m", "onconode", "--home", str(home), "serve", "--host", "127.0.0.1", "--port", str(port)]
    return subprocess.Popen(cmd, stdout=open(log, "wb"), stderr=subprocess.STDOUT)


def wait_ready(url: str, proc: subprocess.Popen, log: Path, deadline: float) -> None:
    """Wait until the node's Beacon answers `/info`; a server that exits or never answers
    is an error that names its log (a port already in use shows there)."""
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"the web server for {url} exited (code {proc.returncode}); see {log}")
        try:
            if httpx.get(f"{url}/beacon/info", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the web server for {url} did not answer in time; see {log}")
        time.sleep(0.2)


def beacon_network(urls: dict[str, str], params: dict[str, str] | None = None) -> dict[str, Any]:
    """One anonymous `/g_variants` query fanned out to every node's Beacon and merged."""
    return network_query([f"{u}/beacon" for u in urls.values()], "g_variants", params=params or VARIANT_QUERY)


def render_beacon(answer: dict[str, Any], params: dict[str, str] | None = None) -> str:
    """Per-node answers and the merged one, in words a new user can read."""
    q = " ".join(f"{k}={v}" for k, v in (params or VARIANT_QUERY).items())
    lines = [f"Beacon network query: g_variants {q} (anonymous, so each Beacon answers yes/no only)"]
    for m in answer["info"]["members"]:
        if m["status"] != "ok":
            lines.append(f"  {m['beaconId']:<26} {m['status']}: {m.get('error', '')}")
            continue
        exists = next((rs["exists"] for rs in answer["response"].get("resultSets", [])
                       if rs.get("beaconId") == m["beaconId"]), False)
        lines.append(f"  {m['beaconId']:<26} {'yes' if exists else 'no':<4} "
                     f"(granularity {m.get('returnedGranularity')}, {m['seconds'] * 1000:.0f} ms)")
    s = answer["responseSummary"]
    lines.append(f"  network: exists = {str(s['exists']).lower()} (the OR of the members; granularity "
                 f"{answer['meta']['returnedGranularity']}: counts and records need a login or a visa)")
    return "\n".join(lines)


def create_researcher_login(home: Path) -> str:
    """The researcher's demo account on the portal node (the other roles are not needed
    for the federation page); returns how the researcher logs in."""
    with open_governance(home) as gov:
        (researcher,) = create_demo_accounts(gov, only=frozenset({RESEARCHER_EMAIL}))
    secret = researcher.totp_secret
    return (f"log in as {RESEARCHER_EMAIL} / {DEMO_PASSWORD} (TOTP secret {secret}; current code: "
            f"onconode --home {home} access user totp {RESEARCHER_EMAIL})")
