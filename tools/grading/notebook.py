"""Lessons that run at every stage of the course: skip what needs an unfinished task, check a task.

A lesson's first cell calls :func:`setup`. From then on, each cell runs as
written, except that

- when it reaches a function you have not written yet (its stub raises
  ``NotImplementedError("Task 1.4: ...")``), the cell stops and prints one
  line, ``Task 1.4 is not done yet: skipping``, instead of a traceback;
- a later cell that uses a name the stopped cell should have defined
  (``model``, ``losses``, ...) is skipped with the same line, instead of
  failing with a ``NameError``.

So a fresh release runs every lesson to the end, and each finished task
brings more of it to life. The reference edition, with every task done,
never skips anything.

How: IPython lets a program rewrite each cell's syntax tree before it runs
(``shell.ast_transformers``). :class:`SkipUnfinished` wraps the cell in
``try: ... except NotImplementedError`` and remembers the names it assigns.

:func:`check` runs one task's tests in a fresh Python process (so it sees
the code as it is on disk now) and prints a short verdict.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Set

from tools.grading.grade import PROJECT_ROOT, read_task, task_test_files
from tools.grading.results import RESULTS_ENV
from tools.grading.tasks import format_task, task_title

# The message of a stub, as the release writes it: "Task 1.4: implement backpropagate"
# (numba's CUDA simulator puts the thread's ids in front: "tid=[4, 0, 0] ...: Task 3.3: ...").
STUB_MESSAGE = re.compile(r"(?:^|: )(Task \d+\.\d+): implement ")
HELPER = "__lesson__"  # the name the rewritten cells call this module's helper by


def assigned_names(tree: ast.AST) -> Set[str]:
    """The global names a cell binds: assignments, loop targets, imports, defs, ``with ... as``."""
    names: Set[str] = set()
    body = tree.body if isinstance(tree, ast.Module) else [tree]
    for statement in body:
        for node in _top_level_nodes(statement):
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                names.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    names.add((alias.asname or alias.name).split(".")[0])
    return names


def loaded_names(tree: ast.AST) -> Set[str]:
    """The global names a cell reads, inside its functions too (they may run later, in this cell).

    A name that a function, lambda or comprehension binds for itself (an
    argument, a loop variable, a local assignment) is not a read of the global.
    """
    found: Set[str] = set()

    def visit(node: ast.AST, local: frozenset) -> None:
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load) and node.id not in local:
                found.add(node.id)
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            for outer in [*node.args.defaults, *node.args.kw_defaults,
                          *getattr(node, "decorator_list", [])]:
                if outer is not None:
                    visit(outer, local)
            inner = local | _arguments(node.args) | _stored(node.body)
            for child in node.body if isinstance(node.body, list) else [node.body]:
                visit(child, inner)
            return
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            inner = local | _stored([gen.target for gen in node.generators])
            for child in ast.iter_child_nodes(node):
                visit(child, inner)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, local)

    visit(tree, frozenset())
    return found


def _arguments(args: ast.arguments) -> frozenset:
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    return frozenset(arg.arg for arg in every if arg is not None)


def _stored(nodes: Any) -> frozenset:
    """Names assigned anywhere under ``nodes`` (a node or a list of them)."""
    roots = nodes if isinstance(nodes, list) else [nodes]
    return frozenset(
        node.id
        for root in roots
        for node in ast.walk(root)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    )


def _top_level_nodes(statement: ast.stmt) -> List[ast.AST]:
    """The nodes of ``statement`` that bind names at module level (not inside defs/lambdas)."""
    found: List[ast.AST] = []
    stack: List[ast.AST] = [statement]
    while stack:
        node = stack.pop()
        found.append(node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue  # its name is bound here, its body is another scope
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return found


class SkipUnfinished(ast.NodeTransformer):
    """Rewrite each cell so that an unfinished task skips it instead of failing it.

    Attributes:
        missing: names that a stopped cell should have defined, and the task it needed.
        value: the value of the running cell's last expression, until it is shown.
    """

    def __init__(self) -> None:
        super().__init__()
        self.missing: Dict[str, str] = {}
        self.value: Any = None

    # -- the rewrite -------------------------------------------------------------------------

    def visit_Module(self, tree: ast.Module) -> ast.Module:
        """Called by IPython with each cell's whole syntax tree."""
        if not tree.body:
            return tree
        names = sorted(assigned_names(tree))
        # A name the cell reads but also binds is most likely made afresh here.
        needed = sorted((loaded_names(tree) - set(names)) & set(self.missing))
        if needed:  # a name this cell reads was never made: skip the cell whole
            call = self._call("skip", ast.Constant(needed[0]), _names(names))
            return _module([ast.Expr(call)])
        body = list(tree.body)
        shown: List[ast.stmt] = []
        if isinstance(body[-1], ast.Expr):
            # Keep the cell's last value on show: kept aside in the try, shown after it
            # as the cell's last expression (IPython displays that one as Out[n]).
            target = ast.Attribute(ast.Name(HELPER, ast.Load()), "value", ast.Store())
            body[-1] = ast.Assign(targets=[target], value=body[-1].value)
            shown = [ast.Expr(self._call("take_value"))]
        body.append(ast.Expr(self._call("finished", _names(names))))
        handler = ast.ExceptHandler(
            type=ast.Name("NotImplementedError", ast.Load()),
            name="error",
            body=[ast.Expr(self._call("stopped", ast.Name("error", ast.Load()), _names(names)))],
        )
        return _module([ast.Try(body=body, handlers=[handler], orelse=[], finalbody=[]), *shown])

    def _call(self, method: str, *args: ast.expr) -> ast.Call:
        function = ast.Attribute(ast.Name(HELPER, ast.Load()), method, ast.Load())
        return ast.Call(function, list(args), [])

    # -- what the rewritten cells call -------------------------------------------------------

    def skip(self, name: str, names: List[str]) -> None:
        """The cell reads ``name``, which an unfinished task left undefined: skip it."""
        task = self.missing[name]
        self.missing.update({assigned: task for assigned in names})
        print(f"{task} is not done yet: skipping")

    def stopped(self, error: NotImplementedError, names: List[str]) -> None:
        """The cell reached a stub: say which task it needs, or re-raise any other error."""
        match = STUB_MESSAGE.search(str(error))
        if match is None:
            raise error
        self.missing.update({assigned: match.group(1) for assigned in names})
        print(f"{match.group(1)} is not done yet: skipping")

    def finished(self, names: List[str]) -> None:
        """The cell ran to its end: the names it bound are real again."""
        for name in names:
            self.missing.pop(name, None)

    def take_value(self) -> Any:
        """The cell's last value (None if it stopped first), handed over once."""
        value, self.value = self.value, None
        return value


def _names(names: List[str]) -> ast.List:
    return ast.List([ast.Constant(name) for name in names], ast.Load())


def _module(body: List[ast.stmt]) -> ast.Module:
    return ast.fix_missing_locations(ast.Module(body=body, type_ignores=[]))


def setup(shell: Optional[Any] = None) -> None:
    """Make the running notebook skip cells of unfinished tasks (see the module docstring).

    Args:
        shell: the IPython shell (default: the running one).

    Calling it again changes nothing: the first :class:`SkipUnfinished` stays.
    """
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    if shell is None:
        raise RuntimeError("tools.grading.notebook.setup() runs inside Jupyter/IPython")
    for transformer in shell.ast_transformers:
        if isinstance(transformer, SkipUnfinished):
            return
    transformer = SkipUnfinished()
    shell.user_ns[HELPER] = transformer
    shell.ast_transformers.append(transformer)


class TaskReport(NamedTuple):
    """What one run of a task's tests showed."""

    name: str  # "Task 1.2 (Scalar forward)"
    passed: int
    ran: int  # tests that ran (skipped ones did not)
    skipped: int
    reasons: List[str]  # one line per distinct failure
    problem: str = ""  # set when the tests could not run at all

    @property
    def done(self) -> bool:
        """True when every test that ran passed."""
        return not self.problem and self.ran > 0 and self.passed == self.ran


def run_task_tests(task: str, root: Path = PROJECT_ROOT, timeout: float = 900) -> TaskReport:
    """Run one task's tests in a fresh Python process (it sees the code as it is on disk now).

    Args:
        task: ``"1.2"``, ``"Task 1.2"`` or ``"task1_2"``.
        root: the project (the folder with ``tests/``).
        timeout: seconds allowed for the tests.
    """
    task_id = read_task(task)
    name = f"{format_task(task_id)} ({task_title(task_id)})"
    files = [str(path) for path, tasks in task_test_files(root).items() if task_id in tasks]
    if not files:
        return TaskReport(name, 0, 0, 0, [], "no tests found")
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "results.json"
        env = {**os.environ, RESULTS_ENV: str(report), "PYTHONPATH": str(root)}
        command = [sys.executable, "-m", "pytest", "-q", "--tb=line", "--no-header", "-rN",
                   "-p", "no:cacheprovider", "-p", "no:xdist", "-p", "tools.grading.results",
                   "-m", task_id, *files]
        try:
            done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            return TaskReport(name, 0, 0, 0, [], f"the tests did not finish within {timeout:g} s")
        counts = json.loads(report.read_text()).get(task_id) if report.exists() else None
    if not counts:
        return TaskReport(name, 0, 0, 0, [], "the tests could not run:\n"
                          + done.stdout[-2000:] + done.stderr[-2000:])
    ran = counts["passed"] + counts["failed"] + counts["not_run"]
    return TaskReport(name, counts["passed"], ran, counts["skipped"], _failure_lines(done.stdout))


def check(task: str, root: Path = PROJECT_ROOT) -> None:
    """Run one task's tests (see :func:`run_task_tests`) and print a short verdict.

    A lesson's check cell: "Task 1.2 (Scalar forward): all 22 tests pass. Done!",
    or how many pass and the first few reasons why the others fail.
    """
    report = run_task_tests(task, root)
    if report.problem:
        print(f"{report.name}: {report.problem}")
        return
    skip_note = f" ({report.skipped} skipped)" if report.skipped else ""
    if report.done:
        print(f"{report.name}: all {report.ran} tests pass{skip_note}. Done!")
        return
    print(f"{report.name}: {report.passed}/{report.ran} tests pass{skip_note}. Not done yet.")
    for line in report.reasons[:5]:
        print(f"  {line}")
    if len(report.reasons) > 5:
        print(f"  ... and {len(report.reasons) - 5} more")
    print(f"  (make grade TASK={report.name.split()[1]} explains every failure)")


def _failure_lines(output: str) -> List[str]:
    """The distinct one-line failure reasons of a ``--tb=line`` run, files made relative."""
    located = [line.strip() for line in output.splitlines() if re.match(r"^/.*:\d+: ", line)]
    if not located:  # no file:line form: fall back on pytest's "E   ..." lines
        located = [line[1:].strip() for line in output.splitlines() if line.startswith("E ")]
    lines: List[str] = []
    for line in located:
        short = re.sub(r"^.*?/(tests|minitorch|vision|text)/", r"\1/", line)
        if short not in lines:
            lines.append(short)
    return lines
