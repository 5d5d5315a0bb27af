"""Every file a cBioPortal study makes onconode read stays inside the study folder.

A meta file names its data file (`data_filename`), and a study arrives from elsewhere (a
collaborator, a download), so the name is input like any other: `../../etc/passwd`, an
absolute path or a symbolic link out of the folder would make the ingest read, and store,
a file the data manager never meant to hand over. The folder is the boundary: names are
relative, never climb with `..`, and resolve (symbolic links followed) to a file inside it.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath

HINT = "keep the study's files inside the study folder (copies, not links to elsewhere), named relative to the meta file"


def escape(root: Path, name: str) -> str | None:
    """Why the file `name` (relative to the study folder `root`) is not confined to it, or None when it is."""
    if PurePosixPath(name).is_absolute() or PureWindowsPath(name).is_absolute() or PureWindowsPath(name).drive:
        return f"{name!r} is an absolute path; a study's files are named relative to the study folder"
    if ".." in PurePosixPath(name.replace("\\", "/")).parts:
        return f"{name!r} climbs out of the study folder with '..'"
    return outside(root, root / name)


def outside(root: Path, path: Path) -> str | None:
    """Why `path`, found in the study folder `root`, leads outside it (a symbolic link), or None."""
    target = path.resolve()
    if target.is_relative_to(root.resolve()):
        return None
    return f"{path.name!r} is a symbolic link to {str(target)!r}, outside the study folder"
