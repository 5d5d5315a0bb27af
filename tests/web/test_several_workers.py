"""`onconode serve --workers 2`, as real processes: every limit and every session holds
whichever worker answers (DESIGN.md: shared state lives in the governance database, never
in process memory). Each answer names its worker (X-Onconode-Worker), and every test
checks that both workers took part, so a state kept per process would show."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Iterator

import httpx
import pytest

from onconode.interfaces.http.node import Node
from onconode.interfaces.http.server import WORKER_HEADER
from tests.web.conftest import FAST_ARGON2, PASSWORD, make_person, own_home
from tests.web.oidc.conftest import CLIENT_ID, CLIENT_SECRET, sign_in_at_provider, start_provider, stop_provider

BUDGET = 12


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def home(web_home: Path, tmp_path: Path) -> Path:
    """The shared 300-patient store, a governance database of this test's own, a small Beacon budget."""
    home = own_home(web_home, tmp_path)
    (home / "onconode.toml").write_text(f"[beacon.budget]\nlimit = {BUDGET}\nwindow_seconds = 600\n")
    return home


def make_people(home: Path, *emails: str) -> None:
    node = Node(home, governance_options=FAST_ARGON2)
    try:
        for email in emails:
            make_person(node, email, mfa=False)
    finally:
        node.close()


class Served:
    """`onconode serve --workers 2` on a free loopback port."""

    def __init__(self, home: Path, env: dict[str, str] | None = None, port: int | None = None) -> None:
        self.port = port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = home / f"serve-{self.port}.log"
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "onconode", "--home", str(home), "serve", "--port", str(self.port), "--workers", "2"],
                env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while True:
            assert self.proc.poll() is None, f"serve exited with {self.proc.returncode}: {self.log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"serve --workers 2 did not answer within 120 s: {self.log.read_text()[-3000:]}"
            try:
                if httpx.get(self.url + "/api/session", timeout=2).status_code == 401:
                    break
            except httpx.TransportError:
                time.sleep(0.2)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def serve() -> Iterator[Callable[..., Served]]:
    started: list[Served] = []

    def start(home: Path, env: dict[str, str] | None = None, port: int | None = None) -> Served:
        started.append(Served(home, env, port))
        return started[-1]

    yield start
    for s in started:
        s.stop()


def burst(send: Callable[[int], httpx.Response], n: int, parallel: int = 6) -> list[httpx.Response]:
    """`n` requests, `parallel` at a time, each on a new connection (so either worker may take it)."""
    with ThreadPoolExecutor(parallel) as pool:
        return list(pool.map(send, range(n)))


def on_both_workers(send: Callable[[int], httpx.Response], check: Callable[[httpx.Response], bool]) -> set[str]:
    """Send until both workers have answered; every answer must pass `check`. Returns the workers."""
    workers: set[str] = set()
    deadline = time.monotonic() + 60
    while len(workers) < 2:
        assert time.monotonic() < deadline, f"only worker(s) {workers} answered in 60 s"
        for r in burst(send, 6):
            assert check(r), (r.status_code, r.text[:300])
            workers.add(r.headers[WORKER_HEADER])
    return workers


def session_cookie(r: httpx.Response) -> str:
    """The session cookie to send back (it is Secure, so a cookie jar would not send it over http://)."""
    for header in r.headers.get_list("set-cookie"):
        if header.startswith("onconode_session="):
            return header.split(";", 1)[0]
    raise AssertionError(f"no session cookie in {r.headers}")


def test_the_beacon_budget_gives_exactly_its_queries_across_both_workers(home, serve):
    node = serve(home)
    answers = burst(lambda _: httpx.get(node.url + "/beacon/individuals", timeout=60), 3 * BUDGET)
    codes = [r.status_code for r in answers]
    assert codes.count(200) == BUDGET and codes.count(429) == 2 * BUDGET, codes
    assert len({r.headers[WORKER_HEADER] for r in answers if r.status_code == 200}) == 2  # both workers answered


def test_a_locked_account_stays_locked_whichever_worker_answers(home, serve):
    make_people(home, "lena.locked@example.org")
    node = serve(home)

    def attempt(password: str) -> Callable[[int], httpx.Response]:
        return lambda _: httpx.post(node.url + "/api/session", json={"email": "lena.locked@example.org", "password": password}, timeout=60)

    failures = burst(attempt("wrong guess"), 5)
    assert [r.status_code for r in failures] == [401] * 5
    on_both_workers(attempt(PASSWORD), lambda r: r.status_code == 429 and int(r.headers["retry-after"]) > 0)


def test_guesses_sent_all_at_once_to_both_workers_get_five_tries_at_the_password(home, serve):
    """The lock counts an attempt before the password is checked: a burst of guesses arriving
    together (each worker runs many requests at once) cannot all pass before the first failure is counted."""
    make_people(home, *(f"gus{round}@example.org" for round in range(6)))
    node = serve(home)
    for round in range(6):  # a burst per account, until one is shared by both workers
        answers = burst(lambda i: httpx.post(node.url + "/api/session", json={"email": f"gus{round}@example.org",
                                                                              "password": f"guess {i}"}, timeout=60), 20, parallel=20)
        codes = [r.status_code for r in answers]
        assert codes.count(401) == 5 and codes.count(429) == 15, codes
        if len({r.headers[WORKER_HEADER] for r in answers}) == 2:
            return
    pytest.fail("in 6 bursts of 20 guesses, one worker answered every guess of each burst")


def test_a_session_ended_on_one_worker_is_refused_by_the_other(home, serve):
    make_people(home, "sam.session@example.org")
    node = serve(home)
    r = httpx.post(node.url + "/api/session", json={"email": "sam.session@example.org", "password": PASSWORD}, timeout=60)
    assert r.status_code == 200, r.text
    cookie, csrf = session_cookie(r), r.json()["csrf"]

    def whoami(_: int) -> httpx.Response:
        return httpx.get(node.url + "/api/session", headers={"cookie": cookie}, timeout=60)

    on_both_workers(whoami, lambda r: r.status_code == 200 and r.json()["account"]["email"] == "sam.session@example.org")
    out = httpx.delete(node.url + "/api/session", headers={"cookie": cookie, "x-csrf-token": csrf}, timeout=60)
    assert out.status_code == 200, out.text
    on_both_workers(whoami, lambda r: r.status_code == 401)


def test_an_institution_login_whose_callback_lands_on_the_other_worker_logs_in(home, serve):
    """The OIDC state, nonce and PKCE verifier wait in the session (governance database) while
    the browser is at the provider, so the callback may come back to either worker."""
    make_people(home, "olga.oidc@uni.example")
    port = _free_port()
    provider, issuer = start_provider(f"http://127.0.0.1:{port}/login/oidc/callback")
    try:
        node = serve(home, {"ONCONODE_OIDC_ISSUER": issuer, "ONCONODE_OIDC_CLIENT_ID": CLIENT_ID,
                            "ONCONODE_OIDC_CLIENT_SECRET": CLIENT_SECRET, "ONCONODE_OIDC_DISPLAY_NAME": "Test University"},
                     port=port)
        for _ in range(12):  # either worker may take each request: log in until a callback crosses over
            start = httpx.get(node.url + "/login/oidc", follow_redirects=False, timeout=60)
            assert start.status_code in (302, 303), start.text[:300]
            callback = sign_in_at_provider(start.headers["location"], "olga.oidc@uni.example", node.url + "/")
            done = httpx.get(callback, headers={"cookie": session_cookie(start), "accept": "text/html"},
                             follow_redirects=False, timeout=60)
            assert done.status_code == 303, done.text[:500]
            me = httpx.get(node.url + "/api/session", headers={"cookie": session_cookie(done)}, timeout=60)
            assert me.status_code == 200 and me.json()["account"]["email"] == "olga.oidc@uni.example"
            if done.headers[WORKER_HEADER] != start.headers[WORKER_HEADER]:
                return
        pytest.fail("in 12 logins no callback landed on the worker other than the one that started it")
    finally:
        stop_provider(provider)
