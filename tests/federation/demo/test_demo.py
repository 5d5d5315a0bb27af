"""`onconode demo --federation`, end to end with real processes: three nodes build their
cohorts, the coordinator and agents run the federated biomarker-response regression, each
node's web server answers a Beacon network query, the portal URL is printed, and every
process is gone when the demo returns."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import httpx
import pyotp
import pytest

from onconode.federation.demo import run_demo

pytestmark = pytest.mark.slow


def _federation_page_as_researcher(portal: str, totp_secret: str) -> str:
    """Log in as the printed demo researcher and open the federation page. The session
    cookie is Secure (browsers send it to 127.0.0.1; httpx's jar does not), so it is
    carried by hand."""
    cookie: dict[str, str] = {}

    def send(method: str, path: str, **kw: object) -> httpx.Response:
        r = httpx.request(method, portal + path, headers={"Cookie": cookie.get("c", "")}, timeout=30, **kw)
        if "set-cookie" in r.headers:
            cookie["c"] = r.headers["set-cookie"].split(";")[0]
        return r

    assert send("POST", "/api/session", json={"email": "applicant@demo.onconode.org",
                                              "password": "onconode-demo-password"}).json()["mfa_required"]
    assert send("POST", "/api/session/mfa", json={"code": pyotp.TOTP(totp_secret).now()}).status_code == 200
    page = send("GET", "/federation")
    assert page.status_code == 200, page.text
    return page.text


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One demo run with the smallest cohorts whose regression still passes every node's
    disclosure rules; what it printed, what it returned, and what was live while it ran."""
    home = tmp_path_factory.mktemp("fed-demo")
    lines: list[str] = []
    live: dict[str, int] = {}

    def say(text: str) -> None:
        lines.append(text)
        found = re.search(r"federation page: (http://127\.0\.0\.1:\d+)/federation", text)
        if found:  # the servers are up while the demo prints this
            live["portal"] = found.group(1)
        secret = re.search(r"TOTP secret (\w+)", text)
        if secret and "portal" in live:
            live["page"] = _federation_page_as_researcher(live["portal"], secret.group(1))

    view = run_demo(home, patients=100, serve=False, say=say, median_variants=20)
    return {"home": home, "out": "\n".join(lines), "view": view, "live": live}


def test_the_federated_regression_runs_on_all_three_nodes_and_is_printed(demo_run: dict) -> None:
    view = demo_run["view"]
    assert view["status"] == "done"
    assert {n: s["state"] for n, s in view["nodes"].items()} == {"NL": "done", "SE": "done", "ES": "done"}
    assert "binomial model of responder" in demo_run["out"]
    assert re.search(r"tmb_high\s+-?\d+\.\d+", demo_run["out"])


def test_the_beacon_network_asks_every_node_anonymously_and_merges_to_a_boolean(demo_run: dict) -> None:
    beacon = demo_run["view"]["beacon"]
    members = beacon["info"]["members"]
    assert sorted(m["beaconId"] for m in members) == ["org.onconode.demo.es", "org.onconode.demo.nl", "org.onconode.demo.se"]
    assert all(m["status"] == "ok" and m["returnedGranularity"] == "boolean" for m in members)
    assert beacon["meta"]["returnedGranularity"] == "boolean"
    answers = {rs["beaconId"]: rs["exists"] for rs in beacon["response"]["resultSets"]}
    assert beacon["responseSummary"]["exists"] == any(answers.values())
    out = demo_run["out"]
    assert "Beacon network query: g_variants geneId=BRAF aminoacidChange=V600E" in out
    for node in ("nl", "se", "es"):
        assert re.search(rf"org\.onconode\.demo\.{node}\s+(yes|no)\s", out)
    assert f"network: exists = {str(beacon['responseSummary']['exists']).lower()}" in out


def test_the_portal_url_is_printed_served_and_wired_to_the_demo_coordinator(demo_run: dict) -> None:
    page = demo_run["live"]["page"]  # fetched while the demo was serving, as the printed researcher
    assert "eucancan-demo" in page and "not reachable" not in page  # collaborations come from the coordinator
    coordinator = re.search(r"coordinator: (http://\S+)", demo_run["out"]).group(1)
    settings = Path(demo_run["home"]) / "federation-demo" / "NL" / "onconode.toml"
    assert tomllib.loads(settings.read_text())["federation"]["portal"]["url"] == coordinator
    assert "log in as applicant@demo.onconode.org" in demo_run["out"]


def test_every_process_of_the_demo_is_stopped_when_it_returns(demo_run: dict) -> None:
    urls = re.findall(r"(http://127\.0\.0\.1:\d+)/beacon", demo_run["out"])
    coordinator = re.search(r"coordinator: (http://\S+)", demo_run["out"]).group(1)
    assert len(set(urls)) == 3
    for url in [*set(urls), coordinator]:
        with pytest.raises(httpx.ConnectError):
            httpx.get(url, timeout=2)
