"""`onconode serve` warms the analysis tables on a background thread through the node's one
DuckDB connection while requests arrive: every use of that connection must take the node's
store lock (a connection used by two threads at once mixes up their results)."""

from __future__ import annotations

import threading

from onconode.analysis import saved
from onconode.analysis.warm import warm_node_in_background
from tests.web.conftest import FREEZE
from tests.web.portal.conftest import page_csrf


def test_requests_during_the_warm_up_get_correct_answers(client, node) -> None:
    with node.snapshot(None) as snap:
        current = snap.store.current_version
        frozen = snap.store.resolve(FREEZE)
    stop, failures = threading.Event(), []

    def warm_until_stopped() -> None:
        while not stop.is_set():   # the server's warm-up, again and again for the whole test
            warm_node_in_background(node).join(120)

    warmer = threading.Thread(target=warm_until_stopped)
    warmer.start()
    try:
        csrf = page_csrf(client)
        for i in range(40):
            html = client.get("/cohorts").text
            if f'<option value="{FREEZE}">freeze {FREEZE}</option>' not in html:
                failures.append(f"builder page {i} lists no freeze {FREEZE}")
            r = client.post("/cohorts", data={"csrf": csrf, "name": f"c{i}", "tumour_location": "Colorectum",
                                              **({"freeze": FREEZE} if i % 2 else {})}, follow_redirects=False)
            if r.status_code != 303:
                failures.append(f"saving cohort {i}: HTTP {r.status_code}")
                continue
            kept = saved.load(node.store, r.headers["location"].rsplit("/", 1)[1])
            if kept.version != (frozen if i % 2 else current):
                failures.append(f"cohort {i} saved on version {kept.version}")
    finally:
        stop.set()
        warmer.join(120)
    assert not failures, failures[:5]
