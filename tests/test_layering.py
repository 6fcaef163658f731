"""The house's layers: imports point one way, and there are no cycles.

Reads every module's source (no import runs) and collects what it imports, at
the top or inside functions; imports under ``if TYPE_CHECKING:`` are only
type hints and do not count. Then checks:

- every module sits in a layer (``LAYERS``) and imports only from its own layer
  or the ones below: course core <- kernels <- layers <- learner <- vision/text;
- ``vision`` and ``text`` never import each other (shared needs go down into minitorch);
- the library never imports ``project`` (run scripts) or ``tools`` (grading); a run
  script may ask the grading tools which tasks are done (``make demo``);
- the import graph has no cycle but the two the course itself has.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("minitorch", "vision", "text", "project", "tools")

# (module-name prefix, layer): the longest matching prefix decides. Lower layers
# never import higher ones.
LAYERS: List[Tuple[str, int]] = [
    ("minitorch.kernels", 0),  # numba infrastructure: imports nothing of ours above it
    ("minitorch.", 1),  # the course's files (flat) and the other core modules
    ("minitorch.io", 1),  # bytes in and out: safetensors, .pth, downloads
    ("minitorch.hub", 2),  # the registry of downloadable things, data-set catalogue
    ("minitorch.layers", 2),  # Modules, losses, init, fused Functions
    ("minitorch.graph", 3),  # trace, passes, ONNX export
    ("minitorch.learner", 4),  # the Learner, callbacks, metrics, export
    ("minitorch.keras", 5),  # the Keras-style facade over the Learner
    ("minitorch", 6),  # the package itself re-exports all of the above
    ("vision", 7),
    ("text", 7),
    ("project", 8),  # run scripts: nothing imports them
    ("tools", 8),  # grading tools: nothing in the library imports them
]
# Outside the installed library.
OUTSIDE = ("project", "tools")
# The course's own cycles: a Tensor's methods call Functions that build Tensors.
ALLOWED_CYCLES = [
    {"minitorch.tensor", "minitorch.tensor_functions"},
    {"minitorch.scalar", "minitorch.scalar_functions"},
]


def module_files() -> Dict[str, Path]:
    """Every module of ours, by dotted name (packages by their ``__init__``)."""
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


def _import_nodes(tree: ast.AST) -> Iterator[ast.stmt]:
    """Import statements anywhere in the tree, except under ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            yield from (n for child in node.orelse for n in _import_nodes_of(child))
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        yield from _import_nodes(node)


def _import_nodes_of(node: ast.AST) -> Iterator[ast.stmt]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        yield node
    yield from _import_nodes(node)


def _owner(name: str, modules: Dict[str, Path]) -> Optional[str]:
    """The module of ours that ``name`` (a module or module.attribute) lives in."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(name: str, path: Path, modules: Dict[str, Path]) -> Set[str]:
    """The modules of ours that module ``name`` imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([base] if base else []))
            # `from pkg import sub` imports the submodule when there is one.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        for target in targets:
            owner = _owner(target, modules)
            if owner is not None and owner != name:
                found.add(owner)
    return found


def layer_of(name: str) -> int:
    """The layer of module ``name``: that of the longest prefix in ``LAYERS`` it matches."""

    def matches(prefix: str) -> bool:
        if prefix.endswith("."):  # the modules inside a package, not the package itself
            return name.startswith(prefix)
        return name == prefix or name.startswith(prefix + ".")

    best = max((prefix for prefix, _ in LAYERS if matches(prefix)), key=len, default=None)
    if best is None:
        raise AssertionError(f"module {name} is in no layer: add its package to LAYERS in {__file__}")
    return dict(LAYERS)[best]


@pytest.fixture(scope="module")
def graph() -> Dict[str, Set[str]]:
    modules = module_files()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def test_every_module_is_in_a_layer(graph) -> None:
    for name in graph:
        layer_of(name)


def test_imports_point_down(graph) -> None:
    upward = []
    for name, targets in sorted(graph.items()):
        for target in sorted(targets):
            top, target_top = name.split(".")[0], target.split(".")[0]
            if layer_of(target) > layer_of(name):
                upward.append(f"{name} (layer {layer_of(name)}) imports {target} (layer {layer_of(target)})")
            elif {top, target_top} == {"vision", "text"}:
                upward.append(f"{name} imports {target}: vision and text share only what is in minitorch")
            elif target_top in OUTSIDE and top not in OUTSIDE:
                upward.append(f"{name} imports {target}: the library never imports run scripts or tools")
    assert not upward, "imports against the layering:\n" + "\n".join(upward)


def _cycles(graph: Dict[str, Set[str]]) -> List[Set[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    found: List[Set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles_but_the_courses(graph) -> None:
    cycles = [c for c in _cycles(graph) if c not in ALLOWED_CYCLES]
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(sorted(c)) for c in cycles)


def test_the_checker_finds_a_cycle_and_an_upward_import() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert layer_of("minitorch.tensor") < layer_of("minitorch.layers.modules") < layer_of(
        "minitorch.learner.learner") < layer_of("vision.zoo")
    assert layer_of("minitorch.kernels.jit") < layer_of("minitorch.fast_ops")


def test_type_checking_imports_do_not_count(tmp_path) -> None:
    source = tmp_path / "m.py"
    source.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import b\n"
                      "def f():\n    import c\n")
    modules = {"m": source, "b": source, "c": source}
    assert imports_of("m", source, modules) == {"c"}
