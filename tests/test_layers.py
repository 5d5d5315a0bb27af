"""The house has one direction (DESIGN.md, "Package layout ... and the direction of its layers").

This test reads every module's imports with `ast` — module-level imports, imports inside
functions, imports under `if TYPE_CHECKING:`, and dotted module names written as strings
(`"onconode.release.auto:on_events"`, `importlib.import_module("onconode.x")`, lazy export
tables), since each of those is an arrow someone will follow when reading the code — and
fails on:

- any import cycle between modules (a strongly connected component of more than one module);
- any arrow to a higher layer (the table below);
- the named rules DESIGN adds inside a layer (analysis ↛ access, ingest ↛ access);
- any import inside a function that is not of an optional heavy dependency (those need a
  comment on the same line or the line above saying which dependency and why it is lazy).

The small top-level helpers are placed where their imports put them: `config`, `private`,
`progress` and `settings` import nothing of the domain (layer 0, with `model/`); `synth/`
and `demo.py` build a node from synthetic data through `ingest/`, `store/` and `access/`,
so they sit with the other consumers of the domain in layer 3; `__main__` is an interface.
`data/` holds only files.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import networkx as nx

SRC = Path(__file__).resolve().parents[1] / "src"
PKG = SRC / "onconode"

LAYERS: dict[str, int] = {
    "onconode": 0,  # the package itself: __version__ only
    "model": 0,
    "settings": 0,
    "config": 0,
    "private": 0,
    "progress": 0,
    "store": 1,
    "db": 1,
    "ingest": 2,
    "analysis": 2,
    "access": 2,
    "release": 3,
    "federation": 3,
    "beacon": 3,
    "exchange": 3,
    "synth": 3,
    "demo": 3,
    "interfaces": 4,
    "__main__": 4,
}

# Arrows DESIGN forbids between packages of the same layer.
FORBIDDEN: set[tuple[str, str]] = {
    ("analysis", "access"),  # the disclosure gate receives the licensed scope as a function
    ("ingest", "access"),  # ingest knows nothing about governance
    # access reads genomic data only through store/ and analysis/ functions passed in
    ("access", "store"),
    ("access", "analysis"),
    ("access", "ingest"),
}

def module_name(path: Path) -> str:
    rel = path.relative_to(SRC).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    """Our Python modules, and our C extensions (named after their .c source; they import nothing of ours)."""
    found = {module_name(p): p for p in sorted(PKG.rglob("*.py")) if "migrations" not in p.parts}
    found.update({module_name(p): p for p in sorted(PKG.rglob("*.c"))})
    return found


MODULES = all_modules()


def _is_package(name: str) -> bool:
    return MODULES.get(name, Path()).name == "__init__.py"


def _resolve(name: str) -> str | None:
    """The longest prefix of a dotted name that is one of our modules."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in MODULES:
            return candidate
        parts.pop()
    return None


def _relative_base(module: str, level: int) -> str:
    parts = module.split(".")
    if not _is_package(module):
        parts.pop()
    return ".".join(parts[: len(parts) - (level - 1)] if level > 1 else parts)


class Imports(ast.NodeVisitor):
    """Every onconode module a module names, with where (line) and whether inside a function."""

    def __init__(self, module: str, source: str) -> None:
        self.module = module
        self.lines = source.splitlines()
        self.found: list[tuple[str, int, bool]] = []
        self.lazy_third_party: list[tuple[int, str]] = []
        self._depth = 0

    def _add(self, target: str | None, line: int) -> None:
        if target is not None and target != self.module:
            self.found.append((target, line, self._depth > 0))

    def visit_FunctionDef(self, node: ast.AST) -> None:
        self._depth += 1
        self.generic_visit(node)
        self._depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.split(".")[0] == "onconode":
                self._add(_resolve(alias.name), node.lineno)
            elif self._depth:
                self.lazy_third_party.append((node.lineno, alias.name))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            base = _relative_base(self.module, node.level) + ("." + base if base else "")
        if base.split(".")[0] != "onconode":
            if self._depth and base not in {"__future__", "typing"}:
                self.lazy_third_party.append((node.lineno, base))
            return
        for alias in node.names:
            full = f"{base}.{alias.name}"
            self._add(full if full in MODULES else _resolve(base), node.lineno)

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, str) and value.startswith("onconode.") and " " not in value:
            name = value.split(":", 1)[0]
            if name in MODULES:
                self._add(name, node.lineno)


def scan() -> dict[str, Imports]:
    out = {}
    for name, path in MODULES.items():
        if path.suffix != ".py":
            continue
        source = path.read_text()
        visitor = Imports(name, source)
        visitor.visit(ast.parse(source))
        out[name] = visitor
    return out


SCANNED = scan()


def package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def layer(module: str) -> int:
    top = package(module)
    assert top in LAYERS, f"{module}: place the top-level module or package {top!r} in LAYERS (DESIGN.md's table)"
    return LAYERS[top]


def graph() -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(MODULES)
    for name, visitor in SCANNED.items():
        for target, line, _ in visitor.found:
            g.add_edge(name, target, line=line)
    return g


def test_every_top_level_module_has_a_layer():
    missing = sorted({package(m) for m in MODULES} - set(LAYERS))
    assert not missing, f"place these in LAYERS (tests/test_layers.py), as DESIGN.md's table does: {missing}"


def upward_arrows() -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for name, visitor in SCANNED.items():
        for target, line, _ in visitor.found:
            a, b = package(name), package(target)
            if layer(target) > layer(name) or (a, b) in FORBIDDEN:
                found[(a, b)].append(f"{name}:{line} -> {target}")
    return found


def test_no_module_imports_a_layer_above_it():
    found = upward_arrows()
    assert not found, "upward arrows (DESIGN.md's layer table):\n" + "\n".join(
        line for k in sorted(found) for line in found[k])


def cycles() -> list[set[str]]:
    return sorted((c for c in nx.strongly_connected_components(graph()) if len(c) > 1), key=lambda c: sorted(c))


def test_no_import_cycles():
    found = cycles()
    g = graph()
    report = []
    for c in found:
        cycle = nx.find_cycle(g.subgraph(c))
        report.append(" -> ".join(f"{a} (line {g.edges[a, b]['line']})" for a, b in cycle) + f" -> {cycle[0][0]}")
        report.append(f"   component of {len(c)}: {sorted(c)}")
    assert not found, "import cycles:\n" + "\n".join(report)


def _says_why(visitor: Imports, line: int) -> bool:
    """The import's line, or the comment line just above its block of imports, says 'lazy'."""
    here = visitor.lines[line - 1]
    if "lazy" in here.lower():
        return True
    above = line - 2
    while above >= 0 and visitor.lines[above].strip().startswith(("from ", "import ")):
        above -= 1
    return above >= 0 and visitor.lines[above].strip().startswith("#") and "lazy" in visitor.lines[above].lower()


def lazy_imports() -> list[tuple[str, str, int]]:
    """(module, imported, line) for every import inside a function that needs moving up."""
    out = []
    for name, visitor in SCANNED.items():
        for target, line, inside in visitor.found:
            if inside and not _says_why(visitor, line):
                out.append((name, target, line))
        for line, target in visitor.lazy_third_party:
            if not _says_why(visitor, line):
                out.append((name, target, line))
    return out


def test_imports_sit_at_module_top():
    """An import inside a function hides an arrow (usually a cycle). It is allowed only to
    defer an optional or heavy third-party dependency, with a comment on the line or the
    line above that contains 'lazy' and names the dependency; the arrow still counts for
    the cycle and layer tests above."""
    found = [f"{m}:{line} -> {t}" for m, t, line in lazy_imports()]
    assert not found, f"{len(found)} imports inside functions (move them to the top; if the arrow " \
        "then makes a cycle, move the shared definition down or pass a function in):\n" + "\n".join(found)


if __name__ == "__main__":  # a report of every finding at once
    for (a, b), lines in sorted(upward_arrows().items()):
        print(f"UP {a} -> {b}: {len(lines)}")
        for line in lines:
            print("   ", line)
    for c in cycles():
        print("CYCLE", sorted(c))
    lazy = lazy_imports()
    print("LAZY", len(lazy))
