"""Tests for the grading run: per-task tallies, the score table, and the honesty check.

They build tiny throwaway projects under ``tmp_path`` and run pytest on them in
a subprocess, so the outer test run is never disturbed.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import tools.grading
from tools.grading.grade import earned, format_table
from tools.grading.results import RESULTS_ENV, Tally

PROJECT_ROOT = Path(tools.grading.__file__).resolve().parents[2]
BEGIN = "# BEGIN " + "SOLUTION"  # in pieces: this file must hold no real markers
END = "# END " + "SOLUTION"

PYTEST_INI = """\
[pytest]
testpaths = tests
pythonpath = .
addopts = --strict-markers
markers =
    task0_1: operators
    task0_2: property tests
    task0_3: higher-order functions
"""

TESTS = """\
import pytest
from minitorch.ops import double, halve


@pytest.mark.task0_1
def test_double():
    assert double(2) == 4


@pytest.mark.task0_1
@pytest.mark.parametrize("x", [0, 1])
def test_double_again(x):
    assert double(x) == x + x


@pytest.mark.task0_2
def test_halve():
    assert halve(4) == 2


@pytest.mark.task0_2
def test_skipped():
    pytest.skip("no GPU here")


def test_unmarked():
    assert False
"""


def ops(halve_body: str) -> str:
    """``minitorch/ops.py`` with two solution blocks (task0_1 and task0_2)."""
    return (
        f'def double(x):\n    """Double."""\n    {BEGIN} task0_1\n    return 2 * x\n    {END}\n\n\n'
        f'def halve(x):\n    """Halve."""\n    {BEGIN} task0_2\n    {halve_body}\n    {END}\n'
    )


def make_project(root: Path, halve_body: str = "return x / 2") -> Path:
    """A project laid out like minitorch, with a copy of the grading package."""
    for name, text in {
        "pytest.ini": PYTEST_INI,
        "minitorch/__init__.py": "",
        "minitorch/ops.py": ops(halve_body),
        "tests/test_ops.py": TESTS,
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    shutil.copytree(PROJECT_ROOT / "tools", root / "tools", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def run(args: List[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    # Without plugin autoloading (hypothesis, jupyter...) each pytest starts 1 s sooner.
    environment = {**os.environ, "PYTHONPATH": str(cwd), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    environment.update(env)
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=environment, capture_output=True, text=True
    )


def test_earned_and_table() -> None:
    tallies: Dict[str, Tally] = {
        "task0_1": Tally(passed=2, failed=1),
        "task0_3": Tally(passed=1, skipped=1),
        "task0_4": Tally(skipped=2),
        "task9_9": Tally(passed=1),
    }
    assert earned("task0_1", tallies["task0_1"]) == 6.7
    assert earned("task0_3", tallies["task0_3"]) == 10.0  # a skip never costs points
    assert earned("task9_9", tallies["task9_9"]) == 0.0  # not in the task table: no points
    table = format_table(tallies)
    rows = {line[:8]: [c.strip() for c in line[8:].split("  ") if c.strip()]
            for line in table.splitlines()}
    assert rows["Task 0.1"] == ["Operators", "2", "1", "0", "6.7/10"]
    assert rows["Task 0.3"] == ["Higher-order functions", "1", "0", "1", "10/10"]
    assert rows["Task 0.4"] == ["Modules", "0", "0", "2", "not graded here (all skipped)"]
    assert rows["Task 0.2"][-4:] == ["-", "-", "-", "no tests"]
    assert "not in tools/grading/tasks.py" in table
    # Task 0.4's points are out of reach here, so they leave the total it is out of.
    assert table.splitlines()[-1].split() == ["total", "4", "1", "3", "16.7/20"]


def test_results_plugin_tallies_per_task(tmp_path: Path) -> None:
    root = make_project(tmp_path, halve_body="return x")  # a wrong solution
    report = tmp_path / "results.json"
    done = run(
        ["-m", "pytest", "-p", "tools.grading.results", "-p", "no:cacheprovider"],
        root,
        **{RESULTS_ENV: str(report)},
    )
    assert done.returncode == 1, done.stdout
    data = json.loads(report.read_text())
    assert data["task0_1"] == {"passed": 3, "failed": 0, "skipped": 0, "not_run": 0}
    assert data["task0_2"] == {"passed": 0, "failed": 1, "skipped": 1, "not_run": 0}
    assert data["_collection_errors"] == [] and "task0_3" not in data


def test_grade_prints_table_and_exit_status(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    done = run(["-m", "tools.grading.grade", "--root", str(root)], root)
    assert done.returncode == 0, done.stdout  # test_unmarked fails, but it is not graded
    assert "test_double" not in done.stdout  # quiet: only the table
    rows = {line[:8]: line.split() for line in done.stdout.splitlines()}
    assert rows["Task 0.1"][-4:] == ["3", "0", "0", "10/10"]
    assert rows["Task 0.2"][-4:] == ["1", "0", "1", "10/10"]
    (root / "minitorch/ops.py").write_text(ops("return x"))
    done = run(["-m", "tools.grading.grade", "--root", str(root)], root)
    assert done.returncode == 1
    rows = {line[:8]: line.split() for line in done.stdout.splitlines()}
    assert rows["Task 0.2"][-4:] == ["0", "1", "1", "0/10"]
    detail = run(["-m", "tools.grading.grade", "--root", str(root), "--task", "0.2"], root)
    assert "test_halve" in detail.stdout and "assert 4 == 2" in detail.stdout
    assert "Task 0.1" not in detail.stdout  # one task, explained
    bad = run(["-m", "tools.grading.grade", "--task", "zero"], root)
    assert bad.returncode == 2 and "task" in bad.stderr


def test_check_proves_stubs_fail_and_solutions_pass(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    done = run(["-m", "tools.grading.check", "--root", str(root)], root)
    assert done.returncode == 0, done.stdout
    assert "0/3 pass, good" in done.stdout  # Task 0.1: every test fails once stripped
    assert not (root / ".grading").exists()


def test_check_finds_free_points(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    # One Task 0.1 test ignores the solution: stripping the task leaves it passing.
    (root / "tests/test_ops.py").write_text(TESTS.replace("assert double(2) == 4", "pass"))
    done = run(["-m", "tools.grading.check", "--root", str(root)], root)
    assert done.returncode == 1, done.stdout
    assert "with task0_1 stripped, 1 of its 3 tests that ran still pass: free points" in done.stdout


def test_check_requires_a_docstring_on_every_stub(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    (root / "minitorch/ops.py").write_text(ops("return x / 2").replace('    """Halve."""\n', ""))
    done = run(["-m", "tools.grading.check", "--root", str(root)], root)
    assert done.returncode == 1
    assert "minitorch/ops.py:halve holds a solution but has no docstring" in done.stdout


def test_check_tries_pass_answers_for_tasks_solved_in_tests(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    lazy_tests = TESTS + (
        f"\n\ndef student_property():\n    \"\"\"The student's test.\"\"\"\n"
        f"    {BEGIN} task0_3\n    assert halve(4) == 2\n    {END}\n\n\n"
        "@pytest.mark.task0_3\ndef test_property_is_strict():\n    student_property()\n"
    )
    (root / "tests/test_ops.py").write_text(lazy_tests)
    done = run(["-m", "tools.grading.check", "--root", str(root)], root)
    # With `pass` as the answer the graded test passes: the check must say so.
    assert done.returncode == 1, done.stdout
    assert "with task0_3 (pass) stripped, 1 of its 1 tests that ran still pass" in done.stdout
