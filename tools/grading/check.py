"""Prove that grading is fair: each solution earns full points, each stripped task none.

Usage::

    python -m tools.grading.check [--tasks task1_2 ...] [--jobs 2] [--keep]

Steps:

1. find every task that has solution blocks; check that the fully stripped
   sources still compile and that every function holding a solution has a
   docstring (in a release, the docstring is all the student sees of it);
2. run the tests of all tasks once on the reference: every one must pass;
3. for each task, write a release with only that task stripped (under
   ``.grading/``) and run **all** of that task's tests there, importing the
   copy's ``minitorch``: every one of them must fail (a test that still
   passes is a free point). Skips are allowed;
4. for a task whose solutions live in test files (Task 0.2: the student's
   property tests), also replace its solutions by ``pass``, a lazy answer
   that makes every test "pass": its graded (mutation) tests must still all fail.

It also reports tasks that have tests but no solution blocks (free points).
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

from tools.grading.grade import task_test_files
from tools.grading.release import PROJECT_ROOT, make_release, project_files
from tools.grading.results import RESULTS_ENV, Tally, read_json
from tools.grading.solutions import find_blocks, strip_solutions, undocumented
from tools.grading.tasks import TASKS, format_task, parse_task_id, sort_tasks, task_title

PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
WHERE_IS_MINITORCH = "import importlib.util as u; print(u.find_spec('minitorch').origin)"


@dataclass(frozen=True)
class Options:
    """How to run the check.

    Attributes:
        jobs: stripped copies tested at once.
        timeout: seconds allowed for each pytest run.
        keep: keep the stripped copies under ``.grading/`` for inspection.
    """

    jobs: int = 2
    timeout: float = 1800
    keep: bool = False


@dataclass
class Outcome:
    """What running one stripped task's tests showed."""

    task: str
    result: str  # a few words for the table
    problem: Optional[str] = None  # None when the task is graded honestly
    output: str = ""  # pytest's output, whose tail is shown with a problem


@dataclass
class Solutions:
    """Where the solution blocks are: counts per task, and the tasks solved in test files."""

    blocks: Counter
    in_tests: set


def find_solution_tasks(root: Path) -> Tuple[Solutions, List[str]]:
    """Count solution blocks per task; check the strip compiles and stubs have docstrings.

    Returns:
        ``(solutions, problems)``.
    """
    blocks: Counter = Counter()
    in_tests: set = set()
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
        if relative.parts[0] == "tests":
            in_tests.update(block.task for block in found)
        for name in undocumented(text, str(relative)):
            problems.append(f"{name} holds a solution but has no docstring: a student sees "
                            "only its signature; state its contract there")
    return Solutions(blocks, in_tests), problems


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
        code, output = _run([*command, "-p", "tools.grading.results"], cwd, env, timeout)
        tallies = read_json(report)[0] if report.exists() else {}
    return code, tallies, output


def check_task(root: Path, task: str, workdir: Path, options: Options, stub: str = "raise") -> Outcome:
    """Strip ``task`` alone into ``workdir`` and check that every one of its tests fails there.

    Args:
        stub: what replaces the task's solutions: ``"raise"`` (the release's
            stub) or ``"pass"`` (a lazy answer, for tasks solved in test files).
    """
    label = task if stub == "raise" else f"{task} (pass)"
    make_release(root, workdir, only=task, stub=stub)
    env = {**os.environ, "PYTHONPATH": str(workdir)}
    where = subprocess.run(
        [sys.executable, "-c", WHERE_IS_MINITORCH], cwd=workdir, env=env, capture_output=True
    )
    origin = where.stdout.decode().strip()
    if not origin or not Path(origin).resolve().is_relative_to(workdir.resolve()):
        return Outcome(label, "wrong import", f"the stripped copy imports minitorch from {origin!r}")
    code, tallies, output = run_tallied([*PYTEST, "-m", task], workdir, env, options.timeout)
    tally = tallies.get(task)
    if code == 5 or tally is None or tally.total == 0:
        return Outcome(label, "no tests", f"{task} has solution blocks but no tests", output)
    if code not in (0, 1):
        problem = f"stripping {label} breaks the test run itself (pytest exit {code})"
        return Outcome(label, f"exit {code}", problem, output)
    ran = tally.total - tally.skipped
    if tally.passed:
        problem = (f"with {label} stripped, {tally.passed} of its {ran} tests that ran still "
                   "pass: free points")
        return Outcome(label, f"{tally.passed}/{ran} PASS", problem, output)
    return Outcome(label, f"0/{ran} pass, good")


def _check_safely(root: Path, job: Tuple[str, str], workdir: Path, options: Options) -> Outcome:
    task, stub = job
    try:
        return check_task(root, task, workdir, options, stub)
    except Exception as error:  # one broken task must not hide the others' results
        return Outcome(task, "error", f"checking {task} failed: {error!r}")


def check_stripped(
    root: Path, tasks: List[str], options: Options, lazy: Sequence[str] = ()
) -> Dict[str, Outcome]:
    """Run :func:`check_task` for each task, in scratch folders under ``root/.grading``.

    Args:
        lazy: tasks checked a second time with ``pass`` in place of their solutions.

    Returns:
        The outcomes, keyed by task (``"task0_2 (pass)"`` for the lazy checks).
    """
    jobs = [(task, "raise") for task in tasks] + [(task, "pass") for task in lazy]
    scratch = root / ".grading"
    scratch.mkdir(exist_ok=True)
    workdirs = {job: Path(tempfile.mkdtemp(prefix=f"{job[0]}-", dir=scratch)) for job in jobs}
    try:
        # Threads suffice: each job's real work happens in its own pytest subprocess.
        with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
            outcomes = pool.map(lambda j: _check_safely(root, j, workdirs[j], options), jobs)
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
    solutions, problems = find_solution_tasks(root)
    blocks = solutions.blocks
    if problems:
        print("solution blocks that cannot be released:\n" + "\n".join(f"  {p}" for p in problems))
        return 1
    tasks = sort_tasks(wanted or blocks)
    marked = {task for found in task_test_files(root).values() for task in found}
    selection = sort_tasks(t for t in (tasks if wanted else [*TASKS, *blocks]) if t in marked)
    print(f"reference run: the tests of {len(selection)} task marker(s) ...", flush=True)
    command = [*PYTEST, "-m", marker_expression(selection)]
    code, tallies, output = run_tallied(command, root, dict(os.environ), options.timeout)
    if code != 0:
        failing = sort_tasks(t for t, tally in tallies.items() if not tally.ok)
        names = ", ".join(failing) or ("no task test collected" if code == 5 else "see output")
        problems.append(f"reference tests do not pass (pytest exit {code}): {names}")
        print(_tail(output, 30))
    tests = {task: tallies[task].total if task in tallies else 0 for task in [*selection, *tasks]}
    shown = sort_tasks([*tasks, *(task for task in selection if tests[task])])
    for task in shown:
        if not blocks[task]:
            what = f"{tests[task]} test(s)" if tests[task] else "no tests"
            problems.append(f"{task} has {what} but no solution blocks")

    to_strip = [task for task in tasks if blocks[task]]
    lazy = [task for task in to_strip if task in solutions.in_tests]
    print(f"stripping {len(to_strip)} task(s) one at a time ({len(lazy)} also with `pass` "
          f"answers), {options.jobs} at once ...", flush=True)
    outcomes = check_stripped(root, to_strip, options, lazy)
    for outcome in outcomes.values():
        if outcome.problem:
            details = "\n" + _tail(outcome.output) if outcome.output else ""
            problems.append(outcome.problem + details)

    rows = [("task", "title", "blocks", "tests", "stripped", "pass answers")]
    for task in shown:
        result = outcomes[task].result if task in outcomes else "-"
        lazy_result = outcomes[f"{task} (pass)"].result if task in lazy else "-"
        rows.append((format_task(task), task_title(task), str(blocks[task]), str(tests[task]),
                     result, lazy_result))
    print("\n" + _table(rows))
    if problems:
        print(f"\n{len(problems)} problem(s):")
        print("\n".join(f"- {problem}" for problem in problems))
        return 1
    print("\ngrading is fair: every solution earns full points, every stripped task 0, "
          "and every stub states its contract")
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
        prog="python -m tools.grading.check",
        description="Check that each solution earns full points and each stripped task none.",
    )
    parser.add_argument("--tasks", nargs="+", metavar="TASK", help="check only these, e.g. task1_2")
    parser.add_argument("--jobs", type=int, default=2, help="copies tested at once (default 2)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per pytest run")
    parser.add_argument("--keep", action="store_true", help="keep the copies under .grading/")
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT, help="project root")
    args = parser.parse_args(argv)
    for task in args.tasks or []:
        try:
            parse_task_id(task)
        except ValueError as error:
            parser.error(str(error))
    options = Options(args.jobs, args.timeout, args.keep)
    return check_all(args.root.resolve(), args.tasks, options)


if __name__ == "__main__":
    sys.exit(main())
