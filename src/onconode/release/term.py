"""End of a licence (term over, revoked or closed): access has already stopped, because
every download asks the entitlement again; this sends, once per release, the deletion
reminder to the licensee and the office's report of who downloaded what."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from onconode import private
from onconode.access import audit
from onconode.access import events as S
from onconode.access.notify import emails_with_role, send
from onconode.access.roles import Role
from onconode.access.workflow import load
from onconode.release.builder import built_releases
from onconode.release.delivery import downloads

ENDED = "release-ended.json"
LIVE = {S.ACTIVE, S.EXTENSION, S.APPROVED}


def _done(home: Path) -> dict[str, str]:
    path = Path(home) / ENDED
    return json.loads(path.read_text()) if path.exists() else {}


def report_text(app_id: str, rows: list[dict[str, Any]]) -> str:
    got = [r for r in rows if r["allowed"]]
    lines = [f"Downloads of the release of {app_id}: {len(got)} (refused attempts: {len(rows) - len(got)})", ""]
    lines += [f"{r['at']}  {r['who']}  {r['what']}" + ("" if r["allowed"] else f"  REFUSED: {r['reason']}") for r in rows]
    return "\n".join(lines)


def end_of_term(gov: Any, home: Path, at: dt.datetime | None = None) -> list[str]:
    """For every release whose licence has ended: deletion reminder + office report (once)."""
    at = audit.utc(at)
    done = _done(home)
    out = []
    for manifest in built_releases(home):
        app_id = manifest["application"]
        if app_id in done:
            continue
        with gov.engine.connect() as conn:
            app = load(conn, app_id)
        state = app.state_at(at)
        if state in LIVE:
            continue
        licensee = sorted(app.contact_emails | ({app.signatory} if app.signatory else set()))
        send(gov, licensee, f"[{app_id}] delete the released data",
             f"The licence of {app_id} is {state}. Under the licence you must now delete every copy of the released data "
             f"(freeze {manifest['freeze']}) and confirm the deletion to the data access office. Download links no longer work.")
        rows = downloads(gov, app_id)
        send(gov, emails_with_role(gov, Role.ACCESS_OFFICE), f"[{app_id}] release ended: download report", report_text(app_id, rows))
        done[app_id] = at.isoformat(timespec="seconds")
        out.append(f"{app_id}: {state}; deletion reminder sent to {', '.join(licensee)}; report of {len(rows)} download events sent to the office")
    private.write_text(Path(home) / ENDED, json.dumps(done, indent=2, sort_keys=True) + "\n")
    return out
