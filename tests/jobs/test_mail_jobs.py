"""Notifications on a serving node are sent by a job: the command that caused them never
waits on the mail server, and a mail server that is down is tried again later, through a
real SMTP server on loopback."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from onconode.access import notify, open_governance
from onconode.db import jobs
from onconode.interfaces import worker


class Keep(Message):
    def __init__(self) -> None:
        super().__init__()
        self.received: list = []

    def handle_message(self, message) -> None:
        self.received.append(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_mail_is_queued_and_sent_by_a_worker_after_the_smtp_server_comes_back(tmp_path: Path) -> None:
    home = tmp_path / "node"
    home.mkdir()
    port = _free_port()
    (home / "onconode.toml").write_text(f'[smtp]\nhost = "127.0.0.1"\nport = {port}\n')
    with open_governance(home, options={notify.BY_JOB: True}) as gov:
        notify.send(gov, ["analyst@umcu.nl"], "[DAR-2026-0001] release ready", "Download it at https://node/releases/DAR-2026-0001")
        [job] = jobs.list_jobs(gov.engine, kind=notify.MAIL_JOB)
        assert job.state == jobs.QUEUED  # nothing was sent by the command itself

        worker.run(home, until_idle=True, schedule=False)  # the mail server is down
        down = jobs.get(gov.engine, job.id)
        assert down.state == jobs.QUEUED and down.attempts == 1 and "Connection refused" in down.error

        keep = Keep()
        smtp = Controller(keep, hostname="127.0.0.1", port=port)
        smtp.start()
        try:
            time.sleep(jobs.RETRY_DELAY_SECONDS + 0.5)  # the first retry's delay
            worker.run(home, until_idle=True, schedule=False)
        finally:
            smtp.stop()
        sent = jobs.get(gov.engine, job.id)
    assert (sent.state, sent.attempts) == (jobs.DONE, 2)
    assert [m["Subject"] for m in keep.received] == ["[DAR-2026-0001] release ready"]
    assert sent.params["body"] is None  # erased once sent
