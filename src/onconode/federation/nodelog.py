"""The node's own audit log of federated tasks: append-only JSON lines, hash-chained.

vantage6 users asked for exactly this (issue #1182): a record on the node, not on a
server someone else runs, of who asked for what and what left the node. Each line holds
its position, time, type and payload plus the previous line's hash; the hash is the
governance log's `event_hash` (access/audit.py), so the two logs are verified the same way
and editing, deleting or reordering a line breaks the chain at that line. Like the
governance log it is anchored (`onconode.access.anchors`): given the node home, every
`every` lines a checkpoint signed with the node's audit key goes to
`federation/audit-checkpoints.jsonl`, and `verify` reports a log cut before a checkpoint
(truncated) or whose line there has another hash (re-chained).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import threading
from pathlib import Path
from typing import Any, Iterable

from onconode import private
from onconode.access import anchors
from onconode.access.audit import GENESIS, Verification, anchor_problems, canonical, event_hash

STREAM = "federation"
LOG_FILE = Path("federation") / "audit.jsonl"


class NodeLog:
    def __init__(self, path: Path, home: Path | None = None, every: int = anchors.EVERY) -> None:
        self.path = Path(path)
        self.home, self.every = home, every
        self.checkpoints = self.path.with_name(self.path.stem + "-checkpoints.jsonl")
        self._lock = threading.Lock()
        self._last: tuple[int, int, str] | None = None  # (file size, position, hash) after our own last append

    def _tail(self, size: int) -> tuple[int, str]:
        """Position and hash of the last line (the file has `size` bytes). Remembered from
        this object's own last append while the file still has the size that append left
        (anything else appending, or editing the file, changes the size and the file is
        read again), so appending does not re-read a long log every time."""
        if self._last is not None and size == self._last[0]:
            return self._last[1], self._last[2]
        last = None
        with self.path.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    last = line
        if last is None:
            return 0, GENESIS
        row = json.loads(last)
        return int(row["position"]), row["hash"]

    def append(self, type_: str, payload: dict[str, Any], at: dt.datetime | None = None) -> dict[str, Any]:
        at_text = (at or dt.datetime.now(dt.timezone.utc)).isoformat()
        body = canonical(payload)
        with self._lock:
            with private.open_append(self.path) as fh:
                # Reading the tail and appending is one step for every writer of this file
                # (another NodeLog, another process: two agents on one home): an exclusive
                # lock on the file, released when it is closed. The size remembered is the
                # one our own write left, read under the lock (a stat after closing could
                # count another writer's line as ours, and the next append would skip it).
                fcntl.flock(fh, fcntl.LOCK_EX)
                position, prev = self._tail(os.fstat(fh.fileno()).st_size)
                position += 1
                row = {"position": position, "at": at_text, "type": type_, "payload": json.loads(body), "prev_hash": prev,
                       "hash": event_hash(prev, position, STREAM, position, type_, None, at_text, body)}
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                fh.flush()
                self._last = (os.fstat(fh.fileno()).st_size, position, row["hash"])
                if self.home is not None and position % self.every == 0:
                    anchors.append(self.checkpoints, anchors.sign(anchors.audit_key(self.home), position, row["hash"]))
        return row

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]

    def verify(self, anchor_files: Iterable[Path] = ()) -> Verification:
        """Check the chain, and (given the home) the node's checkpoints and `anchor_files`."""
        problems: list[str] = []
        prev = GENESIS
        rows = self.entries()
        for i, r in enumerate(rows, start=1):
            if r.get("position") != i:
                problems.append(f"line {i} has position {r.get('position')}: lines were deleted or reordered")
            if r.get("prev_hash") != prev:
                problems.append(f"line {i} does not follow line {i - 1}: the log was reordered or a line deleted")
            h = event_hash(r.get("prev_hash", ""), r.get("position", -1), STREAM, r.get("position", -1), r.get("type", ""),
                           None, r.get("at", ""), canonical(r.get("payload")))
            if h != r.get("hash"):
                problems.append(f"line {i} ({r.get('type')}) does not match its hash: it was edited")
            prev = r.get("hash", "")
        checked = 0
        if self.home is not None:
            found, bad = anchors.collect(self.home, anchor_files, anchors.trusted_key(self.home, None), log=self.checkpoints)
            hashes = {int(r.get("position", -1)): str(r.get("hash")) for r in rows}
            problems += bad + anchor_problems(found, hashes, set(hashes.values()), len(rows))
            checked = len(found)
        return Verification(ok=not problems, events=len(rows), head=prev, problems=problems, anchors_checked=checked)
