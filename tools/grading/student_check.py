"""Try the student's release as a student would: grade it at every stage, run its lessons.

Usage::

    python -m tools.grading.student_check [--no-lessons] [--keep]

(``make check-student``; CI runs it.) Steps, each in a release written under
``.grading/``:

1. a fresh release (every task stubbed): ``make grade`` must list every task,
   score 0 points, and report its time (the target is under a minute);
2. the course in order: releases with Modules 0..k solved, for each k. The
   grade must give full points to exactly the tasks of Modules 0..k and 0 to
   every later task: solving a module raises exactly that module's tasks;
3. ``make lessons`` in the fresh release: every lesson must run to its end,
   skipping what needs unfinished tasks.

The release uses this project's virtual environment (``VENV=``), so nothing
is installed again. Exit status 0 when every step holds, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from tools.grading.release import PROJECT_ROOT, make_release
from tools.grading.tasks import TASKS, parse_task_id, task_points

ROW = re.compile(r"^Task (\d+)\.(\d+) .*?(\S+)/(\d+)\s*$")


def grade_release(release: Path) -> Tuple[Dict[str, float], str, float]:
    """Run ``make grade`` in ``release`` with this project's venv.

    Returns:
        ``(points per task id, the printed output, seconds)``.
    """
    venv = Path(sys.executable).resolve().parents[1]
    start = time.perf_counter()
    done = subprocess.run(
        ["make", "--no-print-directory", "grade", f"VENV={venv}"],
        cwd=release, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": ""},
    )
    seconds = time.perf_counter() - start
    points: Dict[str, float] = {}
    for line in done.stdout.splitlines():
        match = ROW.match(line)
        if match:
            points[f"task{match.group(1)}_{match.group(2)}"] = float(match.group(3))
    return points, done.stdout + done.stderr, seconds


def check_stage(points: Dict[str, float], solved: List[str]) -> List[str]:
    """Problems with a grade where exactly the tasks in ``solved`` are done."""
    problems = []
    for task in TASKS:
        expected = task_points(task) if task in solved else 0.0
        got = points.get(task)
        if got is None:
            problems.append(f"{task} is missing from the table")
        elif got != expected:
            problems.append(f"{task} earns {got:g} points, expected {expected:g}")
    return problems


def run_lessons(release: Path) -> Tuple[bool, str]:
    """``make lessons`` in ``release``; returns ``(ok, output tail)``."""
    venv = Path(sys.executable).resolve().parents[1]
    done = subprocess.run(
        ["make", "--no-print-directory", "lessons", f"VENV={venv}"],
        cwd=release, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": ""},
    )
    tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-25:])
    return done.returncode == 0, tail


def main(argv: Optional[List[str]] = None) -> int:
    """Command line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m tools.grading.student_check",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-lessons", action="store_true", help="skip step 3")
    parser.add_argument("--keep", action="store_true", help="keep the releases in .grading/")
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root = args.root.resolve()
    scratch = root / ".grading"
    scratch.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="student-", dir=scratch))
    problems: List[str] = []
    try:
        fresh = work / "fresh"
        make_release(root, fresh)
        points, output, seconds = grade_release(fresh)
        print(f"fresh release: make grade took {seconds:.1f} s (target: under 60 s)")
        problems += [f"fresh release: {p}" for p in check_stage(points, [])]
        modules = sorted({parse_task_id(task)[0] for task in TASKS})
        for module in modules:
            solved = [task for task in TASKS if parse_task_id(task)[0] <= module]
            stage = work / f"modules-0-{module}"
            make_release(root, stage, keep=solved)
            points, stage_output, seconds = grade_release(stage)
            found = check_stage(points, solved)
            verdict = "ok" if not found else f"{len(found)} problem(s)"
            print(f"Modules 0-{module} solved: make grade took {seconds:.1f} s, {verdict}")
            problems += [f"Modules 0-{module} solved: {p}" for p in found]
            if found:
                print(stage_output)
            shutil.rmtree(stage, ignore_errors=True)
        if not args.no_lessons:
            start = time.perf_counter()
            ok, tail = run_lessons(fresh)
            print(f"fresh release: make lessons {'ran' if ok else 'FAILED'} "
                  f"in {time.perf_counter() - start:.0f} s")
            if not ok:
                problems.append("make lessons fails in a fresh release:\n" + tail)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
            if scratch.is_dir() and not any(scratch.iterdir()):
                scratch.rmdir()
    if problems:
        print(f"\n{len(problems)} problem(s):\n" + "\n".join(f"- {p}" for p in problems))
        return 1
    print("\nthe student's release holds: 0 points fresh, each module raises exactly its tasks"
          + ("" if args.no_lessons else ", every lesson runs"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
