"""Count the project's import arrows, the ones that run upward, and the import circles.

A room is an app (``loans``) or, where the app has a sub-package, the first two dotted parts of
the module (``loans.services``). An arrow is a pair of rooms where a module of the first imports
one of the second (function-level and ``TYPE_CHECKING`` imports included; migrations and tests
excluded). An arrow runs upward when it goes to a higher layer of the house:

    core < calc < ledger < loans < origination, collection, compliance < config, demo

or, inside one app, from a lower to a higher sub-package: models < selectors, services < the
close's steps < api, admin, management commands. A circle is a set of modules that import each
other (a strongly connected component of more than one module).

    python scripts/import_graph.py [--verbose]

The last line printed is a JSON object with the figures.
"""

import ast
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "core",
    "calc",
    "ledger",
    "loans",
    "origination",
    "collection",
    "compliance",
    "config",
    "demo",
)
LAYER = {
    "core": 0,
    "calc": 1,
    "ledger": 2,
    "loans": 3,
    "origination": 4,
    "collection": 4,
    "compliance": 4,
    "config": 5,
    "demo": 5,
    # Rooms that held an upper or lower layer's code inside `loans` before the restructure.
    "loans.calc": 1,
    "loans.origination": 4,
}
# Rank of a sub-package inside its app: an arrow to a higher rank runs up.
KIND = {
    "models": 0,
    "selectors": 1,
    "services": 1,
    "eod": 2,
    "close": 2,
    "api": 3,
    "admin": 3,
    "management": 3,
    "templatetags": 3,
}


def modules() -> dict[str, Path]:
    found = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def room(module: str) -> str:
    parts = module.split(".")
    if len(parts) >= 2 and (ROOT / parts[0] / parts[1]).is_dir():
        return ".".join(parts[:2])
    return parts[0]


def layer(name: str) -> int:
    return LAYER.get(name, LAYER[name.split(".")[0]])


def imports(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [target] + [f"{target}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module and name.split(".")[0] in APPS:
                targets.add(name)
    return targets


def upward(source: str, target: str) -> bool:
    if layer(source) != layer(target):
        return layer(source) < layer(target)
    if source.split(".")[0] != target.split(".")[0]:
        return False
    kinds = [KIND.get(name.partition(".")[2]) for name in (source, target)]
    return None not in kinds and kinds[0] < kinds[1]


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return found


def main() -> None:
    verbose = "--verbose" in sys.argv
    known = modules()
    graph = {module: imports(module, path, known) for module, path in known.items()}
    arrows = {
        (room(source), room(target))
        for source, targets in graph.items()
        for target in targets
        if room(source) != room(target)
    }
    up = sorted(arrow for arrow in arrows if upward(*arrow))
    loops = circles(graph)
    if verbose:
        for source, target in sorted(arrows):
            print(f"{'UP ' if (source, target) in up else '   '}{source} -> {target}")
        for loop in loops:
            print("circle:", " <-> ".join(loop))
    rooms = sorted({room(module) for module in known})
    print(f"{len(rooms)} rooms, {len(arrows)} arrows, {len(up)} upward, {len(loops)} circles")
    print(
        json.dumps(
            {
                "rooms": len(rooms),
                "arrows": len(arrows),
                "upward": len(up),
                "circles": len(loops),
                "upward_arrows": [" -> ".join(arrow) for arrow in up],
                "circle_modules": loops,
            }
        )
    )


if __name__ == "__main__":
    main()
