"""Finding an algorithm by name and version, on the coordinator and on every node.

The library of algorithms lives in `onconode.analysis.federated` (`get_algorithm`). A
site may add its own reviewed algorithms as plugins: modules named in
the `[federation] plugins` setting (`ONCONODE_FEDERATION_PLUGINS`, comma-separated) that expose `ALGORITHMS: dict[str,
Algorithm]`. A plugin never overrides a library algorithm of the same name and version,
and a node still runs only what its policy lists.
"""

from __future__ import annotations

import importlib
from typing import Any

from onconode.analysis.federated import get_algorithm
from onconode.settings import Settings

PLUGINS_ENV = "ONCONODE_FEDERATION_PLUGINS"


class UnknownAlgorithm(LookupError):
    pass


def _plugins() -> list[Any]:
    out = []
    for name in Settings.load(None).federation.plugins:
        try:
            out.append(importlib.import_module(name))
        except ImportError as exc:
            raise UnknownAlgorithm(f"{PLUGINS_ENV} names {name!r}, which cannot be imported ({exc})") from None
    return out


def get(name: str, version: str | None = None) -> Any:
    """The algorithm `name` (at `version`, when given), or UnknownAlgorithm."""
    try:
        return get_algorithm(name, version)
    except (KeyError, LookupError, ValueError):
        pass
    for module in _plugins():
        algo = getattr(module, "ALGORITHMS", {}).get(name)
        if algo is not None and (version is None or str(algo.version) == str(version)):
            return algo
    raise UnknownAlgorithm(f"no algorithm {name!r}" + (f" in version {version}" if version else "")
                           + " is installed here")


def preload() -> None:
    """Import every plugin (a process that will serve tasks calls this at start, so no task
    waits for imports; the library's algorithms are imported with this module)."""
    try:
        _plugins()
    except UnknownAlgorithm:
        pass  # reported, with the reason, to the task that asks for the plugin's algorithm
