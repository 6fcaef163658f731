"""Prove that grading is honest: each task's tests pass with its solution and fail without it.

Usage::

    python -m minitorch.grading.check [--tasks task1_2 ...] [--jobs 2] [--count-passing] [--keep]

Steps:

1. find every task that has solution blocks, and check that the fully
   stripped sources still compile;
2. run the reference tests of all tasks once: they must pass;
3. for each task, write a release with only that task stripped (under
   ``.grading/``) and run that task's tests there, importing the copy's
   ``minitorch``: they must fail (pytest exit 1). Exit 5 means the task has
   no tests; exit 0 means its tests do not notice the missing solution.

It also reports tasks that have tests but no solution blocks (free points).
Step 3 stops at the first failing test (``-x``); ``--count-passing`` runs them
all and shows how many still pass without the solution (partly free points).
Exit status 0 when there is no problem, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from minitorch.grading.release import PROJECT_ROOT, make_release, project_files
from minitorch.grading.results import RESULTS_ENV, Tally, read_json
from minitorch.grading.solutions import find_blocks, strip_solutions
from minitorch.grading.tasks import TASKS, format_task, parse_task_id, sort_tasks, task_title

PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
WHERE_IS_MINITORCH = "import importlib.util as u; print(u.find_spec('minitorch').origin)"


@dataclass(frozen=True)
class Options:
    """How to run the check.

    Attributes:
        jobs: stripped copies tested at once.
        timeout: seconds allowed for each pytest run.
        count_passing: run all of a stripped task's tests, not just up to the first failure.
        keep: keep the stripped copies under ``.grading/`` for inspection.
    """

    jobs: int = 2
    timeout: float = 1800
    count_passing: bool = False
    keep: bool = False


@dataclass
class Outcome:
    """What running one stripped task's tests showed."""

    task: str
    result: str  # a few words for the table
    problem: Optional[str] = None  # None when the task is graded honestly
    output: str = ""  # pytest's output, whose tail is shown with a problem


def find_solution_tasks(root: Path) -> Tuple[Counter, List[str]]:
    """Count solution blocks per task, and check the full strip still compiles.

    Returns:
        ``(blocks per task id, problems)``.
    """
    blocks: Counter = Counter()
    problems: List[str] = []
    for relative in project_files(root):
        path = root / relative
        if path.suffix != ".py" or path.is_symlink():
            continue
        text = path.read_text(encoding="utf-8")
        try:
            found = find_blocks(text, filename=str(relative))
            stripped = strip_solutions(text, filename=str(relative))
            compile(stripped, str(relative), "exec", dont_inherit=True)
        except ValueError as error:
            problems.append(str(error))
            continue
        except SyntaxError as error:
            problems.append(
                f"{relative}:{error.lineno}: does not compile once stripped: {error.msg}"
            )
        blocks.update(block.task for block in found)
    return blocks, problems


def marker_expression(tasks: Sequence[str]) -> str:
    """``"task0_1 or task1_2"``: a ``-m`` expression selecting any of ``tasks``."""
    return " or ".join(sort_tasks(tasks))


def run_tallied(
    command: List[str], cwd: Path, env: Dict[str, str], timeout: float
) -> Tuple[int, Dict[str, Tally], str]:
    """Run pytest with the per-task results plugin; return ``(exit status, tallies, output)``."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "results.json"
        env = {**env, RESULTS_ENV: str(report)}
        code, output = _run([*command, "-p", "minitorch.grading.results"], cwd, env, timeout)
        tallies = read_json(report)[0] if report.exists() else {}
    return code, tallies, output


def check_task(root: Path, task: str, workdir: Path, options: Options) -> Outcome:
    """Strip ``task`` alone into ``workdir`` and check that its tests fail there."""
    make_release(root, workdir, only=task)
    env = {**os.environ, "PYTHONPATH": str(workdir)}
    where = subprocess.run(
        [sys.executable, "-c", WHERE_IS_MINITORCH], cwd=workdir, env=env, capture_output=True
    )
    origin = where.stdout.decode().strip()
    if not origin or not Path(origin).resolve().is_relative_to(workdir.resolve()):
        return Outcome(task, "wrong import", f"the stripped copy imports minitorch from {origin!r}")
    if options.count_passing:
        code, tallies, output = run_tallied([*PYTEST, "-m", task], workdir, env, options.timeout)
    else:
        code, output = _run([*PYTEST, "-x", "-m", task], workdir, env, options.timeout)
        tallies = {}
    if code == 1:
        tally = tallies.get(task)
        still = f" ({tally.passed}/{tally.total} still pass)" if tally and tally.passed else ""
        return Outcome(task, "fails, good" + still)
    if code == 0:
        return Outcome(task, "PASSES", f"stripping {task} does not fail its tests", output)
    if code == 5:
        return Outcome(task, "no tests", f"{task} has solution blocks but no tests", output)
    problem = f"stripping {task} breaks the test run itself (pytest exit {code})"
    return Outcome(task, f"exit {code}", problem, output)


def _check_safely(root: Path, task: str, workdir: Path, options: Options) -> Outcome:
    try:
        return check_task(root, task, workdir, options)
    except Exception as error:  # one broken task must not hide the others' results
        return Outcome(task, "error", f"checking {task} failed: {error!r}")


def check_stripped(root: Path, tasks: List[str], options: Options) -> Dict[str, Outcome]:
    """Run :func:`check_task` for each task, in scratch folders under ``root/.grading``."""
    scratch = root / ".grading"
    scratch.mkdir(exist_ok=True)
    workdirs = {task: Path(tempfile.mkdtemp(prefix=f"{task}-", dir=scratch)) for task in tasks}
    try:
        # Threads suffice: each job's real work happens in its own pytest subprocess.
        with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
            outcomes = pool.map(lambda t: _check_safely(root, t, workdirs[t], options), tasks)
            return {outcome.task: outcome for outcome in outcomes}
    finally:
        if options.keep:
            print(f"kept the stripped copies in {scratch}")
        else:
            for workdir in workdirs.values():
                shutil.rmtree(workdir, ignore_errors=True)
            if not any(scratch.iterdir()):
                scratch.rmdir()


def check_all(root: Path, wanted: Optional[List[str]], options: Options) -> int:
    """Run every step and print the report; return the exit status."""
    blocks, problems = find_solution_tasks(root)
    if problems:
        print("malformed solution blocks:\n" + "\n".join(f"  {p}" for p in problems))
        return 1
    tasks = sort_tasks(wanted or blocks)
    selection = tasks if wanted else sort_tasks([*TASKS, *blocks])
    print(f"reference run: the tests of {len(selection)} task marker(s) ...", flush=True)
    command = [*PYTEST, "-m", marker_expression(selection)]
    code, tallies, output = run_tallied(command, root, dict(os.environ), options.timeout)
    if code != 0:
        failing = sort_tasks(t for t, tally in tallies.items() if not tally.ok)
        names = ", ".join(failing) or ("no task test collected" if code == 5 else "see output")
        problems.append(f"reference tests do not pass (pytest exit {code}): {names}")
        print(_tail(output, 30))
    tests = {task: tallies[task].total if task in tallies else 0 for task in selection}
    shown = sort_tasks([*tasks, *(task for task in selection if tests[task])])
    for task in shown:
        if not blocks[task]:
            what = f"{tests[task]} test(s)" if tests[task] else "no tests"
            problems.append(f"{task} has {what} but no solution blocks")

    to_strip = [task for task in tasks if blocks[task]]
    print(
        f"stripping {len(to_strip)} task(s) one at a time, {options.jobs} at once ...", flush=True
    )
    outcomes = check_stripped(root, to_strip, options)
    for outcome in outcomes.values():
        if outcome.problem:
            details = "\n" + _tail(outcome.output) if outcome.output else ""
            problems.append(outcome.problem + details)

    rows = [("task", "title", "blocks", "tests", "stripped")]
    for task in shown:
        result = outcomes[task].result if task in outcomes else "-"
        rows.append(
            (format_task(task), task_title(task), str(blocks[task]), str(tests[task]), result)
        )
    print("\n" + _table(rows))
    if problems:
        print(f"\n{len(problems)} problem(s):")
        print("\n".join(f"- {problem}" for problem in problems))
        return 1
    print("\ngrading is honest: every task's tests pass with its solution and fail without it")
    return 0


def _run(command: List[str], cwd: Path, env: Dict[str, str], timeout: float) -> Tuple[int, str]:
    try:
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return -1, f"timed out after {timeout:g} s: {' '.join(command)}"
    return done.returncode, (done.stdout + done.stderr).decode(errors="replace")


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join("    " + line for line in text.strip().splitlines()[-lines:])


def _table(rows: List[Tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows
    )


def main(argv: Optional[List[str]] = None) -> int:
    """Command line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m minitorch.grading.check",
        description="Check that each task's tests pass with its solution and fail without it.",
    )
    parser.add_argument("--tasks", nargs="+", metavar="TASK", help="check only these, e.g. task1_2")
    parser.add_argument("--jobs", type=int, default=2, help="copies tested at once (default 2)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per pytest run")
    parser.add_argument(
        "--count-passing", action="store_true", help="report tests that pass without a solution"
    )
    parser.add_argument("--keep", action="store_true", help="keep the copies under .grading/")
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT, help="project root")
    args = parser.parse_args(argv)
    for task in args.tasks or []:
        try:
            parse_task_id(task)
        except ValueError as error:
            parser.error(str(error))
    options = Options(args.jobs, args.timeout, args.count_passing, args.keep)
    return check_all(args.root.resolve(), args.tasks, options)


if __name__ == "__main__":
    sys.exit(main())
