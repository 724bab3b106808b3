"""No import cycles between the product's modules (issue 12, part 5).

`.importlinter`'s acyclic_siblings contract looks at packages; this test looks at every module of
`hub`, `connectors` and `mappings`, imports under `if TYPE_CHECKING:` and inside functions included:
a cycle hidden behind a late import is still a cycle a reader has to untangle.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping

import grimp

PRODUCT_PACKAGES = ("hub", "connectors", "mappings")


def _import_graph() -> dict[str, set[str]]:
    graph = grimp.build_graph(*PRODUCT_PACKAGES, exclude_type_checking_imports=False, cache_dir=None)
    return {module: set(graph.find_modules_directly_imported_by(module)) for module in graph.modules}


def _strongly_connected(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Tarjan's algorithm without recursion (the graph is deep enough to matter)."""
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = lowlink[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            successor = next(successors, None)
            if successor is not None:
                if successor not in index:
                    index[successor] = lowlink[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph.get(successor, ())))))
                elif successor in on_stack:
                    lowlink[node] = min(lowlink[node], index[successor])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                lowlink[parent] = min(lowlink[parent], lowlink[node])
            if lowlink[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def _shortest_cycle_through(start: str, members: set[str], graph: Mapping[str, Iterable[str]]) -> list[str]:
    """The shortest chain start -> ... -> start inside one strongly connected component."""
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for successor in sorted(graph[node]):
            if successor not in members:
                continue
            if successor == start:
                chain = [node]
                while chain[-1] != start:
                    chain.append(came_from[chain[-1]])
                return [start, *reversed(chain[:-1]), start] if node != start else [start, start]
            if successor not in came_from:
                came_from[successor] = node
                queue.append(successor)
    raise AssertionError(f"{start} is in a strongly connected component but on no cycle")


def _describe(component: list[str], graph: Mapping[str, Iterable[str]]) -> str:
    chain = _shortest_cycle_through(component[0], set(component), graph)
    others = sorted(set(component) - set(chain))
    return " -> ".join(chain) + (f"  (same knot: {', '.join(others)})" if others else "")


def test_strongly_connected_finds_a_cycle_and_its_chain() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert _strongly_connected(graph) == [["d"], ["a", "b", "c"]]
    assert _shortest_cycle_through("a", {"a", "b", "c"}, graph) == ["a", "b", "c", "a"]


def test_no_import_cycles_between_modules() -> None:
    graph = _import_graph()
    cycles = [component for component in _strongly_connected(graph) if len(component) > 1]
    chains = [_describe(cycle, graph) for cycle in cycles]
    for chain in chains:
        print(f"import cycle: {chain}")
    assert not chains, "import cycles between modules:\n" + "\n".join(chains)
