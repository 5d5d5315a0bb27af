"""Delivery of a release to its download contacts.

Whether someone may list or download is asked of `onconode.access.entitlements` on every
request (never cached), so revocation or the end of the term stops access at once. A
download link is short-lived and bound to the account it was made for (HMAC-signed with
the node's secret); a link alone is never enough: the session must be that account's,
with multi-factor authentication, and the entitlement must still hold. Every download,
and every refused attempt, is written to the audit trail with the file and byte range.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Any

from onconode.access import audit
from onconode.access.entitlements import can_download, log_access
from onconode.access.workflow import Denied
from onconode.release import ReleaseError
from onconode.release.storage import Storage
from onconode.access.identity import get_account

LINK_SECONDS = 300
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass(frozen=True)
class Listing:
    application: str
    freeze: str
    files: list[dict[str, Any]]
    manifest: dict[str, Any]


def listing(gov: Any, storage: Storage, account_id: int, app_id: str, at: dt.datetime | None = None) -> Listing:
    """The files the account may download now, or Denied with the reason."""
    decision = can_download(gov, account_id, app_id, at)
    if not decision:
        raise Denied(decision.reason)
    doc = storage.manifest(app_id)
    if doc is None:
        raise ReleaseError(f"the release of {app_id} is not built yet; the data access office builds it with `onconode release build {app_id}`")
    return Listing(app_id, doc["freeze"], doc["files"], doc)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_link(secret: str, account_id: int, app_id: str, path: str, at: dt.datetime | None = None, seconds: int = LINK_SECONDS) -> str:
    """A signed token naming account, application, file and expiry."""
    exp = int(audit.utc(at).timestamp()) + seconds
    body = _b64(json.dumps({"a": account_id, "d": app_id, "f": path, "e": exp}, separators=(",", ":")).encode())
    sig = _b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest())
    return f"{body}.{sig}"


def open_link(secret: str, token: str, account_id: int, at: dt.datetime | None = None) -> tuple[str, str]:
    """(application, file) of a valid link for this account, or Denied saying why not."""
    body, _, sig = token.partition(".")
    expected = _b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest())
    if not sig or not hmac.compare_digest(sig, expected):
        raise Denied("this download link is not valid; open the release page and download again")
    data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    if data["a"] != account_id:
        raise Denied("this download link was made for another account; links cannot be shared")
    if audit.utc(at).timestamp() >= data["e"]:
        raise Denied("this download link has expired; open the release page for a new one")
    return data["d"], data["f"]


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single HTTP Range, None for the whole file; ValueError if unsatisfiable."""
    if not header:
        return None
    m = RANGE.match(header.strip())
    if not m or (not m.group(1) and not m.group(2)):
        raise ValueError(f"unsupported Range {header!r}; use one range, e.g. bytes=1000-")
    if m.group(1):
        first = int(m.group(1))
        last = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
    else:
        first, last = max(size - int(m.group(2)), 0), size - 1
    if first >= size or last < first:
        raise ValueError(f"range {header} is outside the file ({size} bytes)")
    return first, last


def authorize_download(gov: Any, storage: Storage, account_id: int, app_id: str, path: str,
                       first: int, last: int, at: dt.datetime | None = None) -> dict[str, Any]:
    """Check the entitlement and audit the download of bytes first..last of `path`."""
    entry = storage.entry(app_id, path)
    decision = log_access(gov, account_id, app_id, "download", f"{path} bytes {first}-{last} ({last - first + 1} bytes)", at)
    if not decision:
        raise Denied(decision.reason)
    return entry


def read_chunks(storage: Storage, app_id: str, path: str, first: int, last: int, chunk: int = 1 << 20):
    """Yield bytes first..last of a release file."""
    with storage.open(app_id, path) as f:
        f.seek(first)
        left = last - first + 1
        while left > 0:
            data = f.read(min(chunk, left))
            if not data:
                break
            left -= len(data)
            yield data


def downloads(gov: Any, app_id: str) -> list[dict[str, Any]]:
    """Who downloaded what, when (and refused attempts), from the audit trail."""
    with gov.engine.connect() as conn:
        events = audit.stream_events(conn, f"access:{app_id}")
        emails: dict[int, str] = {}
        out = []
        for e in events:
            if e.type not in ("data_download", "data_download_denied"):
                continue
            if e.actor is not None and e.actor not in emails:
                emails[e.actor] = get_account(conn, e.actor).email
            out.append({"at": e.at.isoformat(timespec="seconds"), "who": emails.get(e.actor, "?"), "what": e.payload.get("what", ""),
                        "allowed": e.type == "data_download", "reason": e.payload.get("reason", "")})
    return out
