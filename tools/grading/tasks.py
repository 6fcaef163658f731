"""The table of graded tasks: id, title and points.

A task id has the form ``task<module>_<n>`` (``task1_2`` is Module 1, Task 2).
The same id names the pytest marker on the task's tests and the solution
blocks in the source, so this table is the one place that gives it a
human title and a weight.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Iterable, List, Tuple

TASK_ID = re.compile(r"task(\d+)_(\d+)")


@dataclass(frozen=True)
class Task:
    """One graded exercise.

    Attributes:
        id: the marker name, e.g. ``"task1_2"``.
        title: what the student builds, e.g. ``"Scalar forward"``.
        points: the task's weight in the total score.
    """

    id: str
    title: str
    points: float


def _table(rows: Iterable[Tuple[str, str, float]]) -> Dict[str, Task]:
    return {task_id: Task(task_id, title, points) for task_id, title, points in rows}


TASKS: Dict[str, Task] = _table(
    [
        ("task0_1", "Operators", 10),
        ("task0_2", "Property testing", 10),
        ("task0_3", "Higher-order functions", 10),
        ("task0_4", "Modules", 10),
        ("task1_1", "Numerical derivatives", 10),
        ("task1_2", "Scalar forward", 10),
        ("task1_3", "Chain rule", 10),
        ("task1_4", "Backpropagation", 10),
        ("task1_5", "Training", 10),
        ("task2_1", "Tensor data indexing", 10),
        ("task2_2", "Broadcasting", 10),
        ("task2_3", "Tensor operations", 10),
        ("task2_4", "Tensor autodiff", 10),
        ("task2_5", "Tensor training", 10),
        ("task3_1", "Parallel map/zip/reduce", 10),
        ("task3_2", "Parallel matmul", 10),
        ("task3_3", "CUDA map/zip/reduce", 10),
        ("task3_4", "CUDA matmul", 10),
        ("task3_5", "Training", 10),
        ("task4_1", "1D convolution", 10),
        ("task4_2", "2D convolution", 10),
        ("task4_3", "Pooling", 10),
        ("task4_4", "Softmax, dropout, max", 10),
        ("task4_5", "Training", 10),
    ]
)


def parse_task_id(task_id: str) -> Tuple[int, int]:
    """Split a task id into ``(module, number)``.

    Args:
        task_id: e.g. ``"task1_2"``.

    Returns:
        ``(1, 2)`` for ``"task1_2"``.

    Raises:
        ValueError: if ``task_id`` is not of the form ``task<module>_<n>``.
    """
    match = TASK_ID.fullmatch(task_id)
    if match is None:
        raise ValueError(
            f"{task_id!r} is not a task id; write it as task<module>_<n>, e.g. task1_2"
        )
    return int(match.group(1)), int(match.group(2))


def is_task_id(name: str) -> bool:
    """True if ``name`` has the shape of a task id (``task1_2``)."""
    return TASK_ID.fullmatch(name) is not None


def format_task(task_id: str) -> str:
    """The human name of a task: ``"task1_2"`` -> ``"Task 1.2"``."""
    module, number = parse_task_id(task_id)
    return f"Task {module}.{number}"


def task_title(task_id: str) -> str:
    """The task's title, or a hint if the id is missing from :data:`TASKS`."""
    task = TASKS.get(task_id)
    return task.title if task else "(not in tools/grading/tasks.py)"


def task_points(task_id: str) -> float:
    """The task's points; 0 for ids missing from :data:`TASKS`."""
    task = TASKS.get(task_id)
    return task.points if task else 0.0


def sort_tasks(task_ids: Iterable[str]) -> List[str]:
    """Order task ids numerically (``task1_10`` after ``task1_9``)."""
    return sorted(set(task_ids), key=parse_task_id)
