"""The project's modules import one way: no cycle, counting imports inside functions.

A cycle held together by an import inside a function works until someone
moves that import to the top; the walk below reads every import statement
wherever it stands, so such a cycle fails here first.
"""

import ast
from pathlib import Path

from django.conf import settings

PACKAGES = ("goals", "departments", "kojo_shishin")


def _modules() -> dict[str, Path]:
    root = Path(settings.BASE_DIR)
    found = {}
    for package in PACKAGES:
        for path in (root / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, modules) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                targets.add(submodule if submodule in modules else base)
    return {t for t in targets if t in modules and t != name}


def _cycle(graph) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle():
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    assert graph["goals.workflow"] >= {"goals.models", "goals.mail.notifications"}
    assert _cycle(graph) is None, " → ".join(_cycle(graph))


def test_the_walk_sees_imports_inside_functions_and_finds_their_cycle(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("def later():\n    from goals.models import Goal\n    from . import workflow\n")
    modules = _modules()
    assert _imports("goals.lib.module", module, modules) == {"goals.models", "goals.lib"}
    assert _imports("goals.module", module, modules) == {"goals.models", "goals.workflow"}
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
