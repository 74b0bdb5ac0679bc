"""The package's import graph: no cycle (imports inside functions count), no private names."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "src" / "chartspec"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def type_checking_only(tree: ast.Module) -> set[ast.AST]:
    """Return the import nodes under `if TYPE_CHECKING:`, which never run."""
    skipped: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(n for child in node.body for n in ast.walk(child))
    return skipped


def imports(name: str) -> list[tuple[ast.stmt, str, list[str], bool]]:
    """Return (node, imported module, names, inside a function) for each package import."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = type_checking_only(tree)
    in_function: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            in_function.update(ast.walk(node))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if node in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("chartspec"):
                    found.append((node, alias.name, [], node in in_function))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1]])
                base = f"{base}.{node.module}" if node.module else base
            if base.startswith("chartspec"):
                names = [alias.name for alias in node.names]
                found.append((node, base, names, node in in_function))
    return found


def edges(name: str) -> set[str]:
    """Return the package modules `name` imports, anywhere in it."""
    out = set()
    for _, module, names, _ in imports(name):
        targets = [f"{module}.{n}" for n in names if f"{module}.{n}" in MODULES]
        out.update(targets or [module])
    out.discard(name)
    return {m for m in out if m in MODULES}


def test_the_graph_is_read_from_every_module() -> None:
    assert {"chartspec.build", "chartspec.publish", "chartspec.site", "chartspec.pool"} <= set(
        MODULES
    )
    assert "chartspec.pool" in edges("chartspec.site")
    assert "chartspec.site" in edges("chartspec.project")


def test_no_import_cycle() -> None:
    graph = {name: edges(name) for name in MODULES}
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(name: str) -> None:
        state[name] = "open"
        path.append(name)
        for target in sorted(graph[name]):
            if state.get(target) == "open":
                cycle = path[path.index(target) :] + [target]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        path.pop()
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name)


def test_no_module_imports_a_private_name_of_another() -> None:
    private = [
        f"{name}: from {module} import {n}"
        for name in MODULES
        for _, module, names, _ in imports(name)
        for n in names
        if n.startswith("_") and module != name
    ]
    assert private == []


def test_imports_inside_functions_say_why() -> None:
    """An import of the package's own modules inside a function carries a comment."""
    silent = []
    for name, path in MODULES.items():
        lines = path.read_text(encoding="utf-8").splitlines()
        for node, module, _, inside in imports(name):
            if not inside:
                continue
            here = lines[node.lineno - 1 : (node.end_lineno or node.lineno)]
            above = node.lineno - 2  # the comment may head a block of imports
            while above > 0 and lines[above].strip().startswith(("from ", "import ")):
                above -= 1
            if not any("#" in line for line in here) and not lines[above].strip().startswith("#"):
                silent.append(f"{path.relative_to(REPO)}:{node.lineno}: {module}")
    assert silent == []
