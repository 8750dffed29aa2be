"""The app import graph is acyclic (issue #19, item 4); no function is longer than 80 lines
(item 5; the cyclomatic complexity is ruff's C901, in pyproject.toml).

Every module of every app under ``chinhquyen/`` (tests and migrations left out) is parsed with
``ast``; each import of another app's module — at module level or inside a function, since a
function-level import couples the two apps just the same — is an edge of the app graph. ``core`` is
the shared kernel the apps build on; the wiring of every app together lives in ``config/``, so that
a newcomer can read the apps in dependency order.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "chinhquyen"


def _app_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "chinhquyen":
        return parts[1]
    return None


def _module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported_modules(path: Path) -> set[str]:
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    return imports_of(path.read_text(encoding="utf-8"), package)


def imports_of(source: str, package: list[str]) -> set[str]:
    """The absolute names of the modules `source`, a module of `package`, imports anywhere."""
    tree = ast.parse(source)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            # `from chinhquyen import dossiers` names the app in the alias.
            found.update(f"{module}.{alias.name}" for alias in node.names if module == "chinhquyen")
    return found


def app_graph() -> dict[str, dict[str, set[str]]]:
    """App -> imported app -> the modules of the importing app that import it."""
    graph: dict[str, dict[str, set[str]]] = {}
    for app_dir in sorted(p for p in PACKAGE.iterdir() if (p / "__init__.py").exists()):
        graph.setdefault(app_dir.name, {})
        for path in sorted(app_dir.rglob("*.py")):
            inner = path.relative_to(app_dir).parts
            if "tests" in inner or "migrations" in inner or path.name.startswith("test_"):
                continue
            for module in _imported_modules(path):
                target = _app_of(module)
                if target and target != app_dir.name:
                    graph[app_dir.name].setdefault(target, set()).add(_module_name(path))
    return graph


def strongly_connected_components(graph) -> list[list[str]]:
    """Tarjan's algorithm; the components of more than one app are the cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [c for c in components if len(c) > 1]


def _describe(graph, component: list[str]) -> str:
    members = set(component)
    lines = [" <-> ".join(component)]
    for app in component:
        for target, modules in sorted(graph[app].items()):
            if target in members:
                lines.append(f"  {app} -> {target}: {', '.join(sorted(modules))}")
    return "\n".join(lines)


def test_the_graph_sees_function_level_and_relative_imports():
    source = (
        "from . import sibling\n"
        "from ..notifications import services\n"
        "def later():\n"
        "    from chinhquyen.portal.views import home\n"
        "    import chinhquyen.audit.services\n"
    )
    found = imports_of(source, ["chinhquyen", "dossiers"])
    assert {_app_of(m) for m in found} == {"dossiers", "notifications", "portal", "audit"}


def test_cycles_are_found():
    graph = {"a": {"b": {"a.x"}}, "b": {"c": {"b.y"}}, "c": {"a": {"c.z"}}, "d": {"a": {"d.w"}}}
    assert strongly_connected_components(graph) == [["a", "b", "c"]]


def test_the_app_import_graph_has_no_cycle():
    graph = app_graph()
    cycles = strongly_connected_components(graph)
    assert not cycles, "Import cycles between apps:\n" + "\n".join(
        _describe(graph, c) for c in cycles
    )


def test_core_is_the_kernel():
    """`core` imports no app: the apps build on it, and `config/` wires them together."""
    graph = app_graph()
    assert graph["core"] == {}, graph["core"]


def test_the_portal_and_the_workspace_do_not_import_each_other():
    """What both pages need lives in ``chinhquyen.pages`` (the e-form renderer, the kiosk's
    cookie, the scores' period, the accepted scans)."""
    graph = app_graph()
    assert "workspace" not in graph["portal"], graph["portal"].get("workspace")
    assert "portal" not in graph["workspace"], graph["workspace"].get("portal")


def test_the_dossiers_do_not_know_the_notifications():
    """The dossiers app sends its domain signal; the notifications app listens."""
    assert "notifications" not in app_graph()["dossiers"]


def test_the_product_does_not_import_the_benchmark_harness():
    """``benchmarks/`` is neither installed nor migrated in production: nothing of the product
    (tests left out) may need it."""
    users = sorted(
        _module_name(path)
        for path in PACKAGE.rglob("*.py")
        if "tests" not in path.parts
        and "migrations" not in path.parts
        and any(m.split(".")[0] == "benchmarks" for m in _imported_modules(path))
    )
    assert users == []


# --- function length (issue #19, item 5) ---------------------------------------------------------

MAX_FUNCTION_LINES = 80

# Functions allowed over MAX_FUNCTION_LINES, each with its reason (the test below fails on a
# stale entry).
LONG_FUNCTIONS_ALLOWED: set[tuple[str, str]] = set()  # none left (issue #19, item 5)


def function_lengths(source: str) -> list[tuple[str, int]]:
    """(name, lines from ``def`` to the last line) of every function in ``source``, nested too."""
    return [
        (node.name, node.end_lineno - node.lineno + 1)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]


def long_functions() -> set[tuple[str, str]]:
    """(path, function) of every production function over MAX_FUNCTION_LINES: ``chinhquyen/``
    and ``config/``, tests and migrations left out."""
    found = set()
    for top in ("chinhquyen", "config"):
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "tests" in relative.parts or "migrations" in relative.parts:
                continue
            for name, length in function_lengths(path.read_text(encoding="utf-8")):
                if length > MAX_FUNCTION_LINES:
                    found.add((relative.as_posix(), name))
    return found


def test_function_lengths_count_from_def_to_the_last_line():
    source = "@decorator\ndef outer():\n    x = 1\n\n    async def inner():\n        return x\n"
    assert function_lengths(source) == [("outer", 5), ("inner", 2)]


def test_no_function_is_longer_than_80_lines():
    """Split a long function into named steps (a function with a one-line docstring each)."""
    over = sorted(long_functions() - LONG_FUNCTIONS_ALLOWED)
    assert not over, f"Functions over {MAX_FUNCTION_LINES} lines: {over}"


def test_the_long_function_allow_list_only_shrinks():
    """An entry whose function is gone or now short is removed from LONG_FUNCTIONS_ALLOWED."""
    stale = sorted(LONG_FUNCTIONS_ALLOWED - long_functions())
    assert not stale, f"No longer over {MAX_FUNCTION_LINES} lines, remove from the list: {stale}"


def test_the_settings_and_edxml_agree_on_the_largest_message(monkeypatch):
    """edxml works without Django settings, so its default size is written there and in the
    settings (which import no app code): the two must be the same number."""
    import importlib

    from chinhquyen.exchange import edxml

    monkeypatch.delenv("EXCHANGE_EDXML_MAX_BYTES", raising=False)
    import config.settings.base as base

    assert importlib.reload(base).EXCHANGE_EDXML_MAX_BYTES == edxml.DEFAULT_MAX_BYTES
