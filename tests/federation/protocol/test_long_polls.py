"""The coordinator's HTTP long polls (researchers waiting on a run, nodes waiting for tasks)
must not hold the threads every other endpoint runs on."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import anyio
import httpx

from onconode.federation import keys, messages
from onconode.federation.coordinator import Coordinator
from onconode.federation.coordinator_app import create_coordinator_app
from onconode.federation.demo import write_registry
from onconode.federation.registry import Registry, token_hash

WAITERS = 60  # more than AnyIO's default thread limiter (40 tokens)
PARAMS = {"family": "binomial", "outcome": "responder", "treatment": {}, "covariates": ["age", "sex"]}


def _waiting_in_view() -> int:
    """Threads blocked inside Coordinator.view right now (the long polls the server holds open)."""
    return sum(1 for frame in sys._current_frames().values()
               if any(f.f_code.co_name == "view" and f.f_code.co_filename.endswith("coordinator.py")
                      for f in _stack(frame)))


def _stack(frame):  # type: ignore[no-untyped-def]
    while frame is not None:
        yield frame
        frame = frame.f_back


def test_a_normal_request_answers_while_more_long_polls_than_threads_are_open(tmp_path: Path) -> None:
    ckey = keys.generate(tmp_path / "coordinator.key", tmp_path)
    nkey = keys.generate(tmp_path / "node.key", tmp_path)
    reg = write_registry(tmp_path / "registry.toml", {"NL": keys.public_text(nkey)}, {"c": ["NL"]},
                         {"DAR-1": {"requester": "alice", "token_sha256": token_hash("t"), "collaborations": ["c"]}})
    coord = Coordinator(Registry.load(reg), ckey)
    run = coord.submit({"collaboration": "c", "dar": "DAR-1", "algorithm": "glm", "params": PARAMS}, "t")
    seen = run.changes
    app = create_coordinator_app(coord)

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://coordinator", timeout=60) as client:
            answers: list[dict] = []

            async def follow() -> None:
                r = await client.get(f"/api/runs/{run.id}", params={"wait": 30, "after": seen})
                answers.append(r.json())

            async with anyio.create_task_group() as tg:
                for _ in range(WAITERS):
                    tg.start_soon(follow)
                with anyio.fail_after(20):  # every long poll is open in the server
                    while _waiting_in_view() < WAITERS:
                        await anyio.sleep(0.05)
                with anyio.fail_after(20):  # generous: without its own limiter this waits ~30 s
                    r = await client.get("/api/collaborations")
                assert r.status_code == 200 and r.json() == {"c": {"nodes": ["NL"]}}
                assert not answers and _waiting_in_view() == WAITERS  # the polls were still open
                # the node takes its task: a change every waiting researcher hears of
                poll = messages.sign(nkey, "NL", "poll", {"coverage": {}}, dt.timedelta(minutes=1))
                r = await client.post("/api/nodes/poll", params={"wait": 0}, json=poll)
                assert len(r.json()["tasks"]) == 1
            assert len(answers) == WAITERS and all(a["changes"] > seen for a in answers)

    anyio.run(scenario)
