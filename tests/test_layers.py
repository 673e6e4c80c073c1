"""The import graph of the project's apps, read from the source with ``ast``: no circle
between apps, and the incidents' lowest layer (``incidents/log.py``) imports only models.

Function-level imports count too: a lazy import hides a circle from Python, not from the
design (issue 13: incidents.services and notifications.services imported each other).
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "cards",
    "config",
    "contacts",
    "core",
    "incidents",
    "notifications",
    "printing",
    "pwa",
    "sso",
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _project_modules() -> dict[str, Path]:
    modules = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue  # historical snapshots, run by the migration executor only
            modules[_module_name(path)] = path
    return modules


def _imports(path: Path, name: str, modules) -> set[str]:
    """The project modules ``path`` imports (a ``from a import b`` of a submodule b counts
    as an import of a.b)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = _project_modules()
    return {name: _imports(path, name, modules) for name, path in modules.items()}


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative (the graph has a few hundred modules)."""
    index, low, on_stack, stack, result = {}, {}, set(), [], []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    result.append(component)
    return result


def test_no_import_circle_between_apps():
    graph = import_graph()
    across = [sorted(c) for c in strongly_connected(graph) if len({m.split(".")[0] for m in c}) > 1]
    assert across == [], f"import circles across apps: {across}"


def test_no_import_circle_inside_an_app():
    inside = [sorted(c) for c in strongly_connected(import_graph()) if len(c) > 1]
    assert inside == [], f"import circles: {inside}"


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a.x": {"b.y"}, "b.y": {"b.z"}, "b.z": {"a.x"}, "c.q": {"a.x"}}
    assert {"a.x", "b.y", "b.z"} in strongly_connected(graph)


def test_the_log_layer_imports_only_models():
    assert import_graph()["incidents.log"] == {"incidents.models"}


def test_the_outbox_loop_imports_no_app():
    """core/outbox.py is the lowest layer of three apps' outboxes: it knows only Django."""
    assert import_graph()["core.outbox"] == set()


def test_notifications_never_import_the_incidents_services():
    allowed = {"incidents.log", "incidents.models", "incidents.selectors", "incidents.forms"}
    graph = import_graph()
    used = {
        target
        for name, targets in graph.items()
        if name.startswith("notifications")
        for target in targets
        if target.startswith("incidents")
    }
    assert "incidents.services" not in used
    assert used <= allowed, used - allowed


def test_the_access_check_and_the_htmx_helper_import_no_app():
    """Every app's views build on core.access and core.htmx: they stand on core alone."""
    graph = import_graph()
    used = {t for name in ("core.access", "core.htmx", "core.roles") for t in graph[name]}
    assert used <= {"core.roles"}, used


def test_printing_imports_no_other_app():
    """The engine is the lowest room: cards and incidents call it, never the reverse."""
    printing = {n: t for n, t in import_graph().items() if n.split(".")[0] == "printing"}
    outside = {t for targets in printing.values() for t in targets if not t.startswith("printing")}
    assert printing and outside == set(), outside
