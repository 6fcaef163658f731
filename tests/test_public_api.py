"""The public API is declared once: each module's ``__all__``, from which packages build theirs."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

import minitorch

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ("minitorch", "vision", "text")


def library_modules():
    for package in LIBRARY:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__main__":
                continue  # a command line entry, not a module to import from
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield ".".join(parts), path


def declares_all(path: Path) -> bool:
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            return True
    return False


def test_every_module_declares_all() -> None:
    missing = [name for name, path in library_modules() if not declares_all(path)]
    assert not missing, f"modules without __all__: {missing}"


@pytest.mark.parametrize("name", [name for name, _ in library_modules() if name.startswith("minitorch")])
def test_every_name_in_all_exists(name: str) -> None:
    module = importlib.import_module(name)
    absent = [n for n in module.__all__ if not hasattr(module, n)]
    assert not absent, f"{name}.__all__ names what it does not define: {absent}"


def test_the_package_all_is_built_from_its_modules() -> None:
    twice = [n for n, count in Counter(minitorch.__all__).items() if count > 1]
    assert not twice, f"exported by two modules: {twice}"
    for module in minitorch._REEXPORTED:
        assert set(module.__all__) <= set(minitorch.__all__), module.__name__
    for package in (minitorch.layers, minitorch.learner, minitorch.learner.callback):
        assert set(package.__all__) <= set(minitorch.__all__), package.__name__


def test_course_and_toolkit_names_are_where_they_were() -> None:
    for name in ("Scalar", "Tensor", "tensor", "operators", "datasets", "Graph", "FastOps",
                 "conv2d", "softmax", "Linear", "Conv2d", "cross_entropy", "Adam", "Learner",
                 "load_learner", "accuracy", "Callback", "sched_cos", "trace", "onnx"):
        assert name in minitorch.__all__, name
    assert isinstance(minitorch.datasets, dict) and callable(minitorch.tensor)
    assert minitorch.Learner is minitorch.learner.Learner
    assert minitorch.Linear is minitorch.layers.Linear


def test_star_import_leaves_the_lazy_cuda_side_alone() -> None:
    code = ("import sys\nfrom minitorch import *\n"
            "print('minitorch.cuda_ops' in sys.modules, 'CudaOps' in dir())")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]
    assert "CudaOps" not in minitorch.__all__ and "GPUBackend" not in minitorch.__all__
    assert minitorch.CudaOps.__name__ == "CudaOps"  # still there on first use
