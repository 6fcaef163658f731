"""Lessons skip the cells of unfinished tasks with one line, and check a task's tests."""

from __future__ import annotations

import pytest

from tools.grading import notebook

IPython = pytest.importorskip("IPython")
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402


@pytest.fixture
def shell():
    """A fresh IPython shell with the lesson setup installed."""
    shell = InteractiveShell()
    notebook.setup(shell)
    shell.run_cell(
        "def train():\n"
        "    raise NotImplementedError('Task 1.4: implement backpropagate')\n"
        "def ready():\n"
        "    return 42\n"
    )
    yield shell
    shell.ast_transformers.clear()
    InteractiveShell.clear_instance()


def run(shell, cell, capsys):
    result = shell.run_cell(cell)
    return result, capsys.readouterr().out


def test_a_stub_stops_the_cell_with_one_line(shell, capsys) -> None:
    result, out = run(shell, "print('before')\nlosses = train()\nprint('after')", capsys)
    assert result.success
    assert out == "before\nTask 1.4 is not done yet: skipping\n"


def test_cells_using_what_a_stopped_cell_made_are_skipped(shell, capsys) -> None:
    run(shell, "losses = train()", capsys)
    result, out = run(shell, "plot = [x * 2 for x in losses]\nprint('plotted')", capsys)
    assert result.success and out == "Task 1.4 is not done yet: skipping\n"
    # ... and so, in turn, are cells that use what the skipped cell would have made.
    result, out = run(shell, "print(plot)", capsys)
    assert out == "Task 1.4 is not done yet: skipping\n"
    # Once a cell defines the name for real, later cells run again.
    run(shell, "losses = [1.0]", capsys)
    result, out = run(shell, "print(sum(losses))", capsys)
    assert out == "1.0\n"


def test_finished_cells_run_unchanged_and_show_their_last_value(shell, capsys) -> None:
    result, out = run(shell, "x = ready()\nx + 1", capsys)
    assert result.success and result.result == 43 and "43" in out


def test_a_stub_inside_a_simulated_cuda_kernel_is_recognised(shell, capsys) -> None:
    cell = "raise NotImplementedError('tid=[4, 0, 0] ctaid=[0, 0, 0]: Task 3.3: implement f')"
    result, out = run(shell, cell, capsys)
    assert result.success and out == "Task 3.3 is not done yet: skipping\n"


def test_other_errors_are_not_hidden(shell, capsys) -> None:
    result, _ = run(shell, "raise NotImplementedError('an abstract method')", capsys)
    assert not result.success
    result, _ = run(shell, "1 / 0", capsys)
    assert not result.success and isinstance(result.error_in_exec, ZeroDivisionError)


def test_names_bound_and_read() -> None:
    import ast

    tree = ast.parse("import numpy as np\nfor i, j in pairs:\n    total = f(i)\n"
                     "def g(y):\n    inner = y\n    return inner + z\n")
    assert notebook.assigned_names(tree) == {"np", "i", "j", "total", "g"}
    assert {"pairs", "f", "z"} <= notebook.loaded_names(tree)
    # Arguments, comprehension variables and a function's locals are not global reads.
    local = ast.parse("squares = [c * c for c in range(3)]\nf = lambda k: k + offset\n"
                      "def g(y):\n    inner = y\n    return inner + z\n")
    assert notebook.loaded_names(local) == {"range", "offset", "z"}


def test_check_reports_a_task(capsys) -> None:
    notebook.check("0.4")
    assert "Task 0.4 (Modules): all 3 tests pass. Done!" in capsys.readouterr().out


def test_failure_lines_are_short_and_distinct() -> None:
    output = (
        "E   NotImplementedError: Task 0.1: implement mul\n"
        "/tmp/s/minitorch/operators.py:33: NotImplementedError: Task 0.1: implement mul\n"
        "/tmp/s/minitorch/operators.py:33: NotImplementedError: Task 0.1: implement mul\n"
        "/tmp/s/tests/test_x.py:9: AssertionError: mul(2, 3) should be 6.0, got 5.0\n"
    )
    assert notebook._failure_lines(output) == [
        "minitorch/operators.py:33: NotImplementedError: Task 0.1: implement mul",
        "tests/test_x.py:9: AssertionError: mul(2, 3) should be 6.0, got 5.0",
    ]


def test_unfinished_tasks_reads_the_stubs(tmp_path, capsys) -> None:
    from tools.grading import stubs

    (tmp_path / "ops.py").write_text(
        'def f():\n    raise NotImplementedError("Task 1.2: implement f")\n'
        "def g():\n    raise NotImplementedError('Task 0.1: implement g')\n"
        'def h():\n    raise NotImplementedError("abstract")\n'
    )
    assert stubs.unfinished_tasks(sources=[tmp_path]) == ["task0_1", "task1_2"]
    assert stubs.unfinished_tasks(["task1_2", "task3_1"], sources=[tmp_path]) == ["task1_2"]
    assert stubs.unfinished_tasks() == []  # the reference edition has no stubs
    assert stubs.require_tasks(["task0_1"], "make demo")
