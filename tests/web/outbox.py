"""Read what a node mailed from its outbox folder (the default mailer of a test node)."""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path


def mails_to(home: Path, email: str) -> list[EmailMessage]:
    """Messages in `<home>/outbox` addressed to `email`, oldest first."""
    found = []
    for path in sorted((Path(home) / "outbox").glob("*.eml")):
        msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        if email in str(msg["To"]):
            found.append(msg)
    return found


def confirmation_link(home: Path, email: str) -> str:
    """The link of the latest confirmation mail sent to `email`."""
    for msg in reversed(mails_to(home, email)):
        m = re.search(r"https?://\S+/account/confirm\?token=[A-Za-z0-9_-]+", msg.get_content())
        if m:
            return m.group(0)
    raise AssertionError(f"no confirmation link was mailed to {email}")
