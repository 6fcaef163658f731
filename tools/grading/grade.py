"""Grade the exercises: run the task tests and score each task by its pass rate.

Usage::

    python -m tools.grading.grade                 # the score table, quietly
    python -m tools.grading.grade --task 1.2      # one task, with each failure explained
    python -m tools.grading.grade --details       # every task, one line per failure

(``make grade`` and ``make grade TASK=1.2`` run these.)

Only tests with a task marker (``@pytest.mark.task1_2``) count, so only the
test files that hold such markers are run: a fresh release is graded in
seconds, not minutes. A task earns ``points * passed / (tests that ran)``.
Skipped tests (a CUDA test without a GPU, a data set that is not installed)
are shown in their own column and never cost points; a task whose tests all
skipped is "not graded here" and leaves the total it is out of.

Exit status: 0 when every task test that ran passed, 1 otherwise (including
test files that failed to import), 2 for a bad ``--task``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import pytest

from tools.grading.results import Tally, TaskResults, fail_fast_hypothesis
from tools.grading.tasks import (
    TASKS,
    format_task,
    parse_task_id,
    sort_tasks,
    task_points,
    task_title,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# A task marker in a test file: what makes a file worth collecting.
TASK_MARK = re.compile(r"mark\.(task\d+_\d+)\b")
# Quiet by default: pytest's report goes to a buffer and only the table is printed.
# --tb=no also saves time: formatting hundreds of tracebacks took most of a minute.
QUIET_ARGS = ["-qq", "--tb=no", "--no-header", "-rN", "-p", "no:xdist", "-p", "no:cacheprovider"]
DETAIL_ARGS = ["-q", "--no-header", "-p", "no:xdist", "-p", "no:cacheprovider", "-rN"]


def task_test_files(root: Path) -> Dict[Path, List[str]]:
    """The test files under ``root/tests`` that mark tests with tasks, and those tasks."""
    found = {}
    for path in sorted((root / "tests").rglob("test_*.py")):
        tasks = TASK_MARK.findall(path.read_text(encoding="utf-8", errors="replace"))
        if tasks:
            found[path] = sort_tasks(tasks)
    return found


def read_task(text: str) -> str:
    """Turn what a student types (``1.2``, ``Task 1.2``, ``task1_2``) into a task id.

    Raises:
        ValueError: naming the text, when it is not a task.
    """
    cleaned = text.strip().lower().removeprefix("task").strip()
    match = re.fullmatch(r"(\d+)[._](\d+)", cleaned)
    task_id = f"task{match.group(1)}_{match.group(2)}" if match else text
    parse_task_id(task_id)  # raises for anything that is not task<m>_<n>
    return task_id


def earned(task_id: str, tally: Tally) -> float:
    """Points earned: the task's points times passed / tests that ran, rounded to 0.1.

    Skipped tests did not run, so they are left out of the ratio: a skip never
    costs points. A task whose tests all skipped earns 0 (and is not counted).
    """
    ran = tally.total - tally.skipped
    return round(task_points(task_id) * tally.passed / ran, 1) if ran else 0.0


def format_table(tallies: Dict[str, Tally], tasks: Optional[Sequence[str]] = None) -> str:
    """The score table: one row per task, then the total.

    Args:
        tallies: per task id, the outcomes of its tests.
        tasks: the rows to show (default: every known task and every task seen).

    Returns:
        The table as text. Columns: task, title, passed, failed, skipped, points.
    """
    header = ("task", "title", "passed", "failed", "skipped", "points")
    rows = [header]
    got = possible = 0.0
    passed = failed = skipped = 0
    for task_id in sort_tasks(tasks if tasks is not None else [*TASKS, *tallies]):
        tally = tallies.get(task_id)
        name, title = format_task(task_id), task_title(task_id)
        if tally is None or tally.total == 0:
            rows.append((name, title, "-", "-", "-", "no tests"))
            continue
        not_passed = tally.failed + tally.not_run
        counts = (str(tally.passed), str(not_passed), str(tally.skipped))
        if tally.skipped == tally.total:
            rows.append((name, title, *counts, "not graded here (all skipped)"))
        else:
            points = earned(task_id, tally)
            rows.append((name, title, *counts, f"{points:g}/{task_points(task_id):g}"))
            got, possible = got + points, possible + task_points(task_id)
        passed, failed, skipped = passed + tally.passed, failed + not_passed, skipped + tally.skipped
    rows.append(("total", "", str(passed), str(failed), str(skipped),
                 f"{round(got, 1):g}/{possible:g}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows
    ]
    rule = "-" * max(len(line) for line in lines)
    return "\n".join([lines[0], rule, *lines[1:-1], rule, lines[-1]])


def run_grading(
    root: Path, tasks: Sequence[str], details: bool, extra: Sequence[str] = ()
) -> TaskResults:
    """Run the tests of ``tasks`` in this process and return what they did."""
    if not details:
        fail_fast_hypothesis()
    results = TaskResults()
    files = task_test_files(root)
    marked = {task for found in files.values() for task in found}
    wanted = sort_tasks(task for task in tasks if task in marked)
    if not wanted:
        return results
    selection = ["-m", " or ".join(wanted), *(str(path) for path in files)]
    style = [*DETAIL_ARGS, "--tb=short" if len(tasks) == 1 else "--tb=line"] if details else QUIET_ARGS
    args = [*style, "--rootdir", str(root), *extra, *selection]
    if details:
        code = pytest.main(args, plugins=[results])
    else:
        report = io.StringIO()
        with contextlib.redirect_stdout(report):
            code = pytest.main(args, plugins=[results])
    if code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR):
        raise RuntimeError(f"pytest could not run the graded tests (exit {int(code)})")
    return results


def main(argv: Optional[List[str]] = None) -> int:
    """Run the tests, print the table, and return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.grading.grade",
        description="Run the graded tests and print the score of each task.",
    )
    parser.add_argument("--task", help="grade one task and explain its failures, e.g. 1.2")
    parser.add_argument("--details", action="store_true", help="show every failure in one line")
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT, help=argparse.SUPPRESS)
    args, extra = parser.parse_known_args(argv)
    if args.task:
        try:
            tasks = [read_task(args.task)]
        except ValueError as error:
            print(f"grade: {error}", file=sys.stderr)
            return 2
    else:
        tasks = list(TASKS)
    details = args.details or bool(args.task)
    if not details:
        print(f"grading {len(tasks)} tasks (make grade TASK=1.2 explains one task's failures) ...",
              flush=True)
    start = time.perf_counter()
    try:
        results = run_grading(args.root.resolve(), tasks, details, extra)
    except RuntimeError as error:
        print(f"grade: {error}", file=sys.stderr)
        return 2
    tallies = results.tallies()
    print()
    print(format_table(tallies, tasks if args.task else None))
    print(f"\n({time.perf_counter() - start:.0f} s)")
    if results.collection_errors:
        print(f"\n{len(results.collection_errors)} test file(s) failed to import; "
              "their tests were not graded:")
        for nodeid in results.collection_errors:
            print(f"  {nodeid}: {results.collection_messages.get(nodeid, '')}")
        if not details:
            print("(make grade TASK=<task> shows the error)")
    ok = not results.collection_errors and all(tally.ok for tally in tallies.values())
    return 0 if ok and tallies else 1


if __name__ == "__main__":
    sys.exit(main())
