"""Grade the exercises: run the tests and score each task by its pass rate.

Usage::

    python -m minitorch.grading.grade [extra pytest args]

Runs pytest in this process over the test suite (``testpaths`` in
``pyproject.toml``) and prints, for every task, ``passed/total`` and
``points = task points * passed / total``. Only tests with a task marker
(``@pytest.mark.task1_2``) count. Skipped tests earn nothing but are not
failures (CUDA tests skip on a machine without a GPU).

Exit status: 0 when every collected task test passed or was skipped,
1 otherwise (including test files that failed to import).
"""

from __future__ import annotations

import sys
from typing import Dict, List, Optional

import pytest

from minitorch.grading.results import Tally, TaskResults
from minitorch.grading.tasks import TASKS, format_task, sort_tasks, task_points, task_title

# One line per failure keeps a fresh student release (every test fails) readable;
# extra arguments come later on the command line and win (e.g. --tb=short).
DEFAULT_ARGS = ["-q", "--tb=line", "--continue-on-collection-errors", "-p", "no:xdist"]


def earned(task_id: str, tally: Tally) -> float:
    """Points earned: the task's points scaled by its pass rate, rounded to 0.1."""
    return round(task_points(task_id) * tally.passed / tally.total, 1) if tally.total else 0.0


def format_table(tallies: Dict[str, Tally]) -> str:
    """The score table: one row per task (known or seen), then a total line.

    Args:
        tallies: per task id, the outcomes of its tests.

    Returns:
        The table as text.
    """
    rows = [("task", "title", "passed/total", "points")]
    got = possible = 0.0
    passed = total = 0
    for task_id in sort_tasks([*TASKS, *tallies]):
        tally = tallies.get(task_id)
        if tally is None or tally.total == 0:
            rows.append((format_task(task_id), task_title(task_id), "no tests", "-"))
            continue
        counts = f"{tally.passed}/{tally.total}"
        if tally.skipped:
            counts += f" ({tally.skipped} skipped)"
        points = earned(task_id, tally)
        rows.append(
            (
                format_task(task_id),
                task_title(task_id),
                counts,
                f"{points:g}/{task_points(task_id):g}",
            )
        )
        got, possible = got + points, possible + task_points(task_id)
        passed, total = passed + tally.passed, total + tally.total
    rows.append(("total", "", f"{passed}/{total}", f"{round(got, 1):g}/{possible:g}"))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    lines.insert(len(lines) - 1, "-" * len(lines[0]))
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    """Run the tests, print the table, and return the exit status."""
    extra = sys.argv[1:] if argv is None else argv
    results = TaskResults()
    code = pytest.main([*DEFAULT_ARGS, *extra], plugins=[results])
    if code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR):
        return int(code)
    tallies = results.tallies()
    print()
    print(format_table(tallies))
    if results.collection_errors:
        print(
            f"\n{len(results.collection_errors)} test file(s) failed to import; their tests were not graded:"
        )
        for nodeid in results.collection_errors:
            print(f"  {nodeid}")
    if not tallies:
        print("\nno task tests collected")
    ok = not results.collection_errors and all(tally.ok for tally in tallies.values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
