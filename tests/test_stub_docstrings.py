"""Every function a student must write states its contract in a docstring.

In a student release each solution block becomes ``raise NotImplementedError``,
so the signature and the docstring are all the student sees of the function.
A function without a docstring sends the student to other files to learn what
to compute; this test names each such function as ``file:function``.
"""

import ast
import textwrap
from pathlib import Path
from typing import List

from minitorch.grading.release import PROJECT_ROOT, project_files
from minitorch.grading.solutions import find_blocks

# Spelled in pieces so that this file has no marker lines of its own.
BEGIN = "# BEGIN " + "SOLUTION"
END = "# END " + "SOLUTION"


def undocumented(text: str, filename: str) -> List[str]:
    """Name the functions around solution blocks in ``text`` that have no docstring.

    Args:
        text: Python source.
        filename: the file's name, used in the result.

    Returns:
        ``"filename:Qualified.name"`` for each undocumented enclosing function,
        once per function, top to bottom.
    """
    blocks = find_blocks(text, filename)
    if not blocks:
        return []
    functions = [
        node
        for node in ast.walk(ast.parse(text, filename))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    missing: List[str] = []
    for block in blocks:
        around = [f for f in functions if f.lineno <= block.begin <= (f.end_lineno or 0)]
        # The innermost function is the one that starts last.
        innermost = max(around, key=lambda f: f.lineno)
        entry = f"{filename}:{block.name}"
        if ast.get_docstring(innermost) is None and entry not in missing:
            missing.append(entry)
    return missing


def test_checker_names_an_undocumented_function() -> None:
    text = textwrap.dedent(
        f'''
        def documented(x):
            """Return x."""
            {BEGIN} task0_1
            return x
            {END}


        def outer():
            """Outer has a docstring, inner does not."""

            def inner(y):
                {BEGIN} task0_1
                return y
                {END}

            return inner
        '''
    )
    assert undocumented(text, "sample.py") == ["sample.py:outer.inner"]


def test_every_function_with_a_solution_block_has_a_docstring() -> None:
    root = Path(PROJECT_ROOT)
    missing: List[str] = []
    for relative in project_files(root):
        path = root / relative
        if path.suffix != ".py" or path.is_symlink():
            continue
        missing += undocumented(path.read_text(encoding="utf-8"), str(relative))
    assert not missing, (
        "these functions hold a solution block but no docstring; a student sees only "
        "their signature, so state the contract (Args/Returns, the maths, what ctx "
        "saves) in a docstring:\n  " + "\n  ".join(missing)
    )
