"""Write the README of a student's release: where to start, and module by module what to do.

:func:`render` is called by :mod:`~tools.grading.release` once the
release is copied. The list of files and functions of each task is not
written by hand: it comes from the solution blocks the release stripped, so
the README always matches the code the student receives.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Dict, List, NamedTuple

from tools.grading.tasks import TASKS, format_task, parse_task_id, sort_tasks


class Module(NamedTuple):
    """One module of the course, as the student's README presents it."""

    title: str
    lesson: str
    what: str


MODULES: Dict[int, Module] = {
    0: Module("Foundations", "lessons/00_operators.ipynb",
              "Scalar operators and their derivatives, map/zip/reduce, property tests with "
              "hypothesis, and the `Module`/`Parameter` tree every model is made of."),
    1: Module("Autodiff", "lessons/01_autodiff.ipynb",
              "Derivatives: central differences, a `Scalar` that records its history, the chain "
              "rule, topological sort and backpropagation; then you train a network with it."),
    2: Module("Tensors", "lessons/02_tensors.ipynb",
              "Storage, shape and strides; broadcasting; map/zip/reduce over tensors; tensor "
              "autograd Functions; and the same network trained again, now with tensors."),
    3: Module("Fast kernels", "lessons/03_fast_kernels.ipynb",
              "Parallel CPU kernels with numba, a fast matrix multiply, the same kernels for "
              "GPUs with numba.cuda (tested on its simulator when there is no GPU)."),
    4: Module("Networks", "lessons/04_networks.ipynb",
              "1-D and 2-D convolutions, pooling, softmax, dropout and max; then a CNN on MNIST "
              "and a sentence classifier on SST-2, trained on your kernels."),
}
AFTER = (
    "`lessons/05_learner.ipynb` (a fast.ai-style Learner), "
    "`lessons/06_graphs.ipynb` (tracing, BatchNorm folding, ONNX export), "
    "`lessons/10_transfer_learning.ipynb` (fine-tuning a pretrained EfficientNet on photos) "
    "and `lessons/11_text.ipynb` (a pretrained text encoder) use everything above; "
    "they are not graded."
)

# task id -> file -> the functions to implement there (in file order).
Locations = Dict[str, Dict[str, List[str]]]


def render(locations: Locations) -> str:
    """The student's README.

    Args:
        locations: for each task id, the files (relative paths) and the
            functions in them whose solutions were stripped.

    Returns:
        Markdown text.
    """
    by_module: Dict[int, List[str]] = defaultdict(list)
    for task in sort_tasks([*TASKS, *locations]):
        by_module[parse_task_id(task)[0]].append(task)
    parts = [_INTRO]
    for number, module in MODULES.items():
        parts.append(_module_section(number, module, by_module.get(number, []), locations))
    parts.append(f"## After Module 4\n\n{AFTER}\n")
    parts.append(_REFERENCE)
    return "\n".join(parts)


def _module_section(number: int, module: Module, tasks: List[str], locations: Locations) -> str:
    files = sorted({path for task in tasks for path in locations.get(task, {})})
    lines = [
        f"## Module {number}: {module.title}",
        "",
        module.what,
        "",
        f"- Lesson: `{module.lesson}` (open it first; it explains each task and checks it).",
        f"- Files you edit: {', '.join(f'`{path}`' for path in files) or '(none)'}.",
        "",
        "| task | what you build | points | where |",
        "|---|---|---|---|",
    ]
    for task in tasks:
        where = "; ".join(
            f"`{path}`: " + ", ".join(f"`{name}`" for name in names)
            for path, names in locations.get(task, {}).items()
        )
        info = TASKS.get(task)
        title = info.title if info else task
        points = f"{info.points:g}" if info else "-"
        lines.append(f"| {format_task(task)} | {title} | {points} | {where} |")
    lines.append("")
    return "\n".join(lines)


_INTRO = """\
# minitorch: your course repository

You are going to build a deep-learning framework from scratch, the way PyTorch
works inside: first derivatives of plain numbers, then tensors, then fast
parallel kernels, then convolutional networks. At the end, the same framework
fine-tunes a real pretrained image model.

Every function you must write raises
`NotImplementedError("Task 1.2: implement ...")` until you do. Its docstring
says what it must compute. Everything else (tests, lessons, data, the parts
of the framework that are not exercises) is already here.

## Start here

```bash
make venv                       # once: creates .venv with everything installed (a few minutes)
.venv/bin/jupyter lab lessons/  # open lessons/00_operators.ipynb
```

Work module by module, in order (each builds on the one before):

1. Read the lesson up to a task. It explains what the task builds.
2. Implement the functions listed for that task in the `.py` file (search for
   `Task 1.2` in the file to find them).
3. Run the task's check: the lesson's check cell, or in a terminal
   `make grade TASK=1.2`. It runs only that task's tests and explains each failure.
4. Re-run the lesson: cells that need an unfinished task print one line
   ("Task 1.4 is not done yet: skipping") instead of failing, so the lesson
   shows more as you go. The figures are drawn by your own code.

A task is **done** when `make grade TASK=1.2` shows all its tests passing
(full points). A module is done when all its tasks are.

## Commands

| command | what it does |
|---|---|
| `make grade` | the score table: every task, tests passed / failed / skipped, points (quiet, under a minute) |
| `make grade TASK=1.2` | one task's tests, with a short explanation of every failure |
| `make lessons` | runs every lesson notebook top to bottom (cells of unfinished tasks are skipped) |
| `make docs` | the executed lessons, figures included, as a static site in `build/docs` |
| `make test` | the whole test suite, graded or not (slow until you are done) |
| `make demo` | fine-tunes a pretrained image model with your framework (needs Modules 0-4) |

Skipped tests (for example CUDA tests on a machine without a GPU when the
simulator is off, or a data set that is not installed) are shown in their
own column and never cost points.
"""

_REFERENCE = """\
## How grading works

Each task's tests carry a marker (`@pytest.mark.task1_2`). A task earns its
points times the fraction of its tests that pass. Task 0.2 is different: you
write property tests, and they are graded by *mutation* — each of your tests
must pass on the real operators and fail when an operator is replaced by a
broken one (`tests/test_operators_mutations.py` lists the broken versions).
"""
