"""The house keeps its shape (docs/architecture.md): no import circle in the product package,
no import from a lower floor to a higher one, and the product never imports the tests.

Every ``import`` counts, at module level or inside a function (a function-level import is a
dependency all the same); only imports under ``if TYPE_CHECKING:`` are left out, since they
never run.
"""
import ast
from pathlib import Path

import zoom_xblock

PACKAGE = Path(zoom_xblock.__file__).parent
# Floors from the bottom up; a module may import from its own floor and the floors below.
FLOORS = (
    ("zoom", ("zoom_xblock.zoom",)),  # the pure Zoom client: no Django, nothing of the plugin
    ("shared", ()),  # every module not named below: conf, models, intents, platform, ...
    ("sandbox", ("zoom_xblock.sandbox",)),
    ("meeting", ("zoom_xblock.meeting",)),
    ("webhooks", ("zoom_xblock.webhooks",)),
    ("learners", ("zoom_xblock.learners",)),
    ("staff", ("zoom_xblock.staff",)),
    ("block", ("zoom_xblock.block",)),
    ("sweep", ("zoom_xblock.sweep",)),
    ("doors", ("zoom_xblock.tasks", "zoom_xblock.receivers", "zoom_xblock.urls",
               "zoom_xblock.apps", "zoom_xblock.admin", "zoom_xblock.management",
               "zoom_xblock.settings", "zoom_xblock.tutor_plugin")),
)


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ("zoom_xblock", *path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _under_type_checking(tree: ast.Module) -> set[int]:
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(inner) for child in node.body for inner in ast.walk(child))
    return skipped


def _imported(name: str, path: Path) -> set[tuple[str, ...]]:
    """What the module imports: for each statement's name, the dotted names it may be, most
    precise first (``from a import b``: ``a.b``, a module, or else ``a``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _under_type_checking(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    names = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names.update((alias.name,) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            names.update((f"{base}.{alias.name}", base) for alias in node.names)
    return names


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        targets = set()
        for candidates in _imported(name, path):
            imported = next((c for c in candidates if c in modules), candidates[-1])
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name and imported.startswith("zoom_xblock"):
                targets.add(imported)
        graph[name] = targets
    return graph


def _floor(module: str) -> int:
    for index, (_label, prefixes) in enumerate(FLOORS):
        if any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes):
            return index
    if module == "zoom_xblock":  # the package's __init__ hands the XBlock to the entry point
        return len(FLOORS) - 1
    return 1


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
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
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_function_level_imports():
    graph = _graph()
    # apps.ready() imports the tasks inside a function: the graph must see it.
    assert "zoom_xblock.tasks" in graph["zoom_xblock.apps"]
    assert "zoom_xblock.learners.sync" in graph["zoom_xblock.tasks"]


def test_no_import_circle_in_the_product():
    assert _cycles(_graph()) == []


def test_no_floor_imports_a_higher_one():
    upward = sorted(
        f"{module} ({FLOORS[_floor(module)][0]}) imports {target} ({FLOORS[_floor(target)][0]})"
        for module, targets in _graph().items() for target in targets
        if _floor(target) > _floor(module))
    assert upward == []


def test_the_product_never_imports_the_tests():
    offenders = sorted(name for name, path in _modules().items()
                       if any(imported == "tests" or imported.startswith("tests.")
                              for candidates in _imported(name, path)
                              for imported in candidates))
    assert offenders == []


def test_only_the_queue_door_sends_celery_tasks():
    senders = sorted(name for name, path in _modules().items()
                     if not name.startswith("zoom_xblock.sandbox")
                     and ("apply_async(" in path.read_text(encoding="utf-8")
                          or ".delay(" in path.read_text(encoding="utf-8")))
    importers = sorted(name for name, targets in _graph().items()
                       if "zoom_xblock.tasks" in targets)
    assert senders == ["zoom_xblock.intents"]
    assert importers == ["zoom_xblock.apps"]  # ready() registers the tasks, nothing else


def test_join_and_enrollment_stay_in_the_learners_story():
    """A Join request (``learners/views``) and an enrollment (``receivers`` -> ``intents`` ->
    the sync task -> ``learners/sync``) are handled inside ``learners/`` plus the shared floor
    and the pure client: no module of ``learners/`` reaches into another story."""
    other_stories = ("meeting", "webhooks", "staff", "block", "sweep")
    reached = {
        f"{module} imports {target}"
        for module, targets in _graph().items() if module.startswith("zoom_xblock.learners")
        for target in targets if FLOORS[_floor(target)][0] in other_stories
    }
    assert reached == set()
