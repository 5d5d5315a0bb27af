"""Where releases are delivered from: an fsspec file system (a local folder by default,
S3 or GCS in production). A release is published by copying its files and writing its
manifest last, so a reader that sees a manifest sees every file it lists; delivery serves
only files the manifest lists.

Configure with ONCONODE_RELEASE_STORAGE (e.g. s3://bucket/releases, with the usual
s3fs / AWS environment, or ONCONODE_RELEASE_STORAGE_OPTIONS as JSON for fsspec).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import fsspec

from onconode import private
from onconode.release import ReleaseError
from onconode.release.manifest import FORMAT, MANIFEST, files_of
from onconode.settings import Settings
from onconode.release.builder import releases_root


@dataclass
class Storage:
    fs: Any
    root: str

    @classmethod
    def from_url(cls, url: str, **options: Any) -> "Storage":
        fs, root = fsspec.core.url_to_fs(url, **options)
        return cls(fs, root.rstrip("/"))

    @classmethod
    def for_home(cls, home: Path) -> "Storage":
        """The node's configured storage, or its local `releases/` folder."""
        conf = Settings.load(home).release
        if not conf.storage:
            return cls.from_url(str(releases_root(home)))
        return cls.from_url(conf.storage, **conf.storage_options)

    def path(self, app_id: str, rel: str = "") -> str:
        return f"{self.root}/{app_id}" + (f"/{rel}" if rel else "")

    def manifest(self, app_id: str) -> dict[str, Any] | None:
        """The published manifest of an application's release, or None."""
        try:
            with self.fs.open(self.path(app_id, MANIFEST), "rb") as f:
                doc = json.loads(f.read())
        except (FileNotFoundError, OSError, ValueError):
            return None
        return doc if isinstance(doc, dict) and doc.get("format") == FORMAT else None

    def entry(self, app_id: str, rel: str) -> dict[str, Any]:
        """The manifest entry of one file; only listed files are ever served."""
        doc = self.manifest(app_id)
        if doc is None:
            raise ReleaseError(f"{app_id} has no published release yet")
        if rel == MANIFEST:
            return {"path": MANIFEST, "bytes": self.fs.size(self.path(app_id, MANIFEST)), "sha256": None}
        for e in doc["files"]:
            if e["path"] == rel:
                return e
        raise ReleaseError(f"{rel} is not a file of {app_id}'s release")

    def open(self, app_id: str, rel: str) -> BinaryIO:
        return self.fs.open(self.path(app_id, rel), "rb")

    def publish(self, folder: Path, app_id: str) -> None:
        """Copy a built release; the manifest goes last (the release appears complete or not at all)."""
        if self._local and Path(self.path(app_id)).resolve() == Path(folder).resolve():
            return
        for old in ([MANIFEST] if self.fs.exists(self.path(app_id, MANIFEST)) else []):
            self.fs.rm(self.path(app_id, old))
        for rel in files_of(folder):
            if rel.as_posix() != MANIFEST:
                self.fs.put_file(str(folder / rel), self.path(app_id, rel.as_posix()))
        if self._local:  # a copy takes the umask's mode: licensed data stays owner-only
            private.tighten(Path(self.path(app_id)))
        self.fs.put_file(str(folder / MANIFEST), self.path(app_id, MANIFEST))
        if self._local:
            private.tighten(Path(self.path(app_id, MANIFEST)))

    @property
    def _local(self) -> bool:
        return self.fs.protocol in ("file", ("file", "local"))
