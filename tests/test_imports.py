"""The package layout as a law: every module imports alone, and no imports go in a circle.

`autograd` is the floor `nn` stands on: nothing in `autograd` imports `nn`. Inside each
package, the imports between modules (at the top of a file or inside a function, but not
under ``if TYPE_CHECKING``) form no cycle, so each file can be read after the ones it
imports.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autograd", "nn")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__main__":
                continue  # a script: runs the package, is imported by nothing
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(name: str, path: Path) -> set[str]:
    """The project modules `name` imports at run time (packages' own __init__ excluded)."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            targets.add(base)
            targets.update(f"{base}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    # An import of a module also runs its package's __init__; a package importing its
    # own children is how a package exposes them, not a circle.
    return {t for t in targets if t in MODULES and t != name and not name.startswith(t + ".")
            and not (path.name == "__init__.py" and t.startswith(name + "."))}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def test_autograd_never_imports_nn() -> None:
    offenders = {name: sorted(t for t in targets if t.split(".")[0] == "nn")
                 for name, targets in GRAPH.items() if name.startswith("autograd")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_import_circles() -> None:
    # Depth-first search with colours; report the first cycle found, as a path.
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        stack.append(name)
        for target in sorted(GRAPH[name]):
            if state.get(target) == 1:
                return stack[stack.index(target):] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        stack.pop()
        state[name] = 2
        return None

    for name in sorted(GRAPH):
        if name not in state:
            cycle = visit(name)
            assert cycle is None, " -> ".join(cycle)


def test_the_checker_sees_a_circle_inside_a_function(tmp_path: Path) -> None:
    # The law above is only as good as the import reader: an import inside a function
    # (how the old circles were closed) must count.
    source = "def f():\n    from autograd.value import Value\n    return Value\n"
    path = tmp_path / "probe.py"
    path.write_text(source)
    assert "autograd.value" in _imports("autograd.probe", path)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_imports_alone_in_a_fresh_interpreter(name: str) -> None:
    result = subprocess.run([sys.executable, "-c", f"import {name}"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
